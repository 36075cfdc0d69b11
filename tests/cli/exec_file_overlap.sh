#!/usr/bin/env bash
# Two runs that append to one file at once: the second stops before writing (the file's
# lock), the first finishes, and the file holds the first run's rows exactly once; a run
# after it appends as usual. (Unlocked, both would join the old content with their rows and
# rename over the file: one run's rows would be lost.)
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

rows=3000000
cat > "$work/append.yaml" <<YAML
version: "1.0"
pipeline: file_overlap
source:
  use: generator
  config: {rows: $rows}
  streams:
    - name: events
destination:
  use: file
  config: {path: $work/out/, format: csv}
  write_mode: append
resources: {parallelism: 1}
YAML
"$RBC" exec "$work/append.yaml" > "$work/first.out" 2> "$work/first.err" &
first=$!
for _ in $(seq 1 600); do
  compgen -G "$work/out/events.csv.rbc-tmp-*" > /dev/null && break
  sleep 0.05
done
compgen -G "$work/out/events.csv.rbc-tmp-*" > /dev/null || fail "the first run never started writing"
set +e
"$RBC" exec "$work/append.yaml" > "$work/second.out" 2> "$work/second.err"
code=$?
set -e
[[ $code != 0 ]] || fail "the overlapping run exited 0"
grep -qF "prepare: file destination: another run is writing $work/out/events.csv (it holds $work/out/.events.csv.rbc-lock); runs that write one file cannot overlap" \
  "$work/second.err" || { cat "$work/second.err"; fail "no lock error"; }
wait "$first" || { cat "$work/first.err"; fail "the first run failed"; }
lines=$(wc -l < "$work/out/events.csv")
[[ $lines == $((rows + 1)) ]] || fail "the file holds $lines lines, expected $((rows + 1)) (a header and $rows rows)"
"$RBC" exec "$work/append.yaml" > /dev/null 2>&1 || fail "a later run failed"
lines=$(wc -l < "$work/out/events.csv")
[[ $lines == $((2 * rows + 1)) ]] || fail "after a later append the file holds $lines lines, expected $((2 * rows + 1))"
echo ok
