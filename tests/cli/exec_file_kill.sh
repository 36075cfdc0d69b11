#!/usr/bin/env bash
# A file destination under kill -9 (issue 20): the run writes `<file>.rbc-tmp-<pid>` in the
# file's folder and renames it only when it succeeds, so a killed run leaves no file (replace)
# or the file exactly as it was (append) at the final path; the next run removes the
# temporaries of dead processes and publishes its own.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap '[[ -n ${KEEP:-} ]] || rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$work/out"

write_pipeline() {  # $1 = name, $2 = rows, $3 = write_mode, $4 = destination
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: killed
source:
  use: generator
  config: {rows: $2}
  streams:
    - name: numbers
destination:
  use: file
  config: {path: $4}
  write_mode: $3
YAML
}

# kill_while_writing PIPELINE TEMPORARY-GLOB: starts the run, waits until its temporary file
# has data, kills it with SIGKILL.
kill_while_writing() {
  "$RBC" exec "$1" > /dev/null 2>&1 &
  local pid=$! waited=0
  until compgen -G "$2" > /dev/null && [[ $(stat -c %s $2 2>/dev/null | head -n 1) -gt 0 ]]; do
    sleep 0.1
    waited=$((waited + 1))
    ((waited < 300)) || { kill -9 $pid; fail "no temporary file appeared"; }
  done
  kill -9 $pid
  wait $pid 2>/dev/null || true
}

# replace: nothing at the final path after the kill, only the dead run's temporary.
write_pipeline endless 2000000000 replace "$work/out/numbers.csv"
kill_while_writing "$work/endless.yaml" "$work/out/numbers.csv.rbc-tmp-*"
[[ ! -e $work/out/numbers.csv ]] || fail "a killed replace run left $work/out/numbers.csv"
orphans=$(compgen -G "$work/out/numbers.csv.rbc-tmp-*" | wc -l)
((orphans >= 1)) || fail "expected the killed run's temporary file"
# The next run removes it and publishes its own file.
write_pipeline small 10 replace "$work/out/numbers.csv"
"$RBC" exec "$work/small.yaml" > /dev/null 2>&1 || fail "the run after the kill"
[[ $(wc -l < "$work/out/numbers.csv") == 11 ]] || fail "expected a header and 10 rows"
[[ -z $(compgen -G "$work/out/*.rbc-tmp-*") ]] || { ls "$work/out"; fail "orphaned temporaries were not removed"; }

# append: the file is exactly as it was after a killed run.
cp "$work/out/numbers.csv" "$work/before.csv"
write_pipeline endless_append 2000000000 append "$work/out/numbers.csv"
kill_while_writing "$work/endless_append.yaml" "$work/out/numbers.csv.rbc-tmp-*"
cmp "$work/before.csv" "$work/out/numbers.csv" || fail "a killed append run changed the file"
# A successful append adds the rows without a second header, and removes the orphans.
write_pipeline small_append 10 append "$work/out/numbers.csv"
"$RBC" exec "$work/small_append.yaml" > /dev/null 2>&1 || fail "the append run after the kill"
# (the generator's partitions write their rows in partition order: compare them sorted)
head -n 11 "$work/out/numbers.csv" | cmp - "$work/before.csv" || fail "append changed the old content"
[[ $(grep -c '^id,' "$work/out/numbers.csv") == 1 ]] || fail "append wrote a second header"
cmp <(tail -n +2 "$work/before.csv" | sort) <(tail -n +12 "$work/out/numbers.csv" | sort) || fail "append rows"
[[ -z $(compgen -G "$work/out/*.rbc-tmp-*") ]] || { ls "$work/out"; fail "orphaned temporaries were not removed"; }

# An orphan whose pid another program has since taken (pids are recycled; a container's
# first pids repeat) is removed too: only a live rbc keeps its temporary file.
sleep 300 &
recycled=$!
echo stale > "$work/out/numbers.csv.rbc-tmp-$recycled"
"$RBC" exec "$work/small.yaml" > /dev/null 2>&1 || { kill $recycled; fail "run beside a recycled pid's orphan"; }
kill $recycled
wait $recycled 2>/dev/null || true
[[ ! -e $work/out/numbers.csv.rbc-tmp-$recycled ]] || fail "the orphan of a recycled pid was kept"

# A temporary name that is a symbolic link is never written through.
ln -s "$work/victim" "$work/out/numbers.csv.rbc-tmp-999999999"
"$RBC" exec "$work/small.yaml" > /dev/null 2>&1 || fail "run beside a planted link"
[[ ! -e $work/victim ]] || fail "a temporary file was written through a symbolic link"
echo ok
