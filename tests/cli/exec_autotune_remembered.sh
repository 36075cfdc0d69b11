#!/usr/bin/env bash
# Remembered autotune choices (docs/autotune.md, Remembered choices): with a state backend,
# a run that probed and succeeded stores its winner per (pipeline, stream, cores); the next
# run verifies it with one window instead of probing, and probes again when the window runs
# more than 20% below the remembered bytes/s or the stream's size changed more than 2x.
# Advise mode and another core count probe as before. Every run writes every row once.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
json() { jq -r "$2" "$work/$1.json"; }
state=$work/state.json
rows=400000
cat > "$work/p.yaml" <<YAML
version: "1.0"
pipeline: remember
source:
  use: generator
  config: {rows: $rows, seed: 5}
  streams:
    - name: numbers
destination:
  use: file
  config: {path: $work/out/, format: csv}
resources:
  parallelism: 2
state: {backend: file, config: {path: $state}}
YAML
run() {  # $1 = name, then rbc exec flags
  local name=$1
  shift
  rm -rf "$work/out"
  "$RBC" exec "$work/p.yaml" --report "$work/$name.json" "$@" > "$work/$name.out" 2> "$work/$name.err" ||
    { cat "$work/$name.err"; fail "$name: rbc exec failed"; }
  local got
  got=$(tail -n +2 "$work/out/numbers.csv" | cut -d, -f1 | sort -n | uniq | wc -l)
  [[ $got == "$rows" && $(($(wc -l < "$work/out/numbers.csv") - 1)) == "$rows" ]] ||
    fail "$name: $got distinct ids written, expected $rows"
}
saved() { jq -r ".pipelines.remember.autotune.numbers[\"$1\"]$2" "$state"; }

# First run: probed, nothing remembered yet; the winner is stored for 4 cores.
run first --cores 4
[[ $(json first '.autotune[0].event') == autotune-decision ]] || fail "first: not probed"
[[ $(json first '.autotune[0] | has("remembered")') == false ]] || fail "first: remembered something"
[[ $(saved 4 .parallelism) == "$(json first '.autotune[0].winner.parallelism')" ]] ||
  fail "first: stored $(saved 4 '') for winner $(json first '.autotune[0].winner')"
[[ $(saved 4 .run_id) == "$(json first .run_id)" ]] || fail "first: stored run id $(saved 4 .run_id)"
[[ $(saved 4 .table_rows) == "$rows" ]] || fail "first: stored table rows $(saved 4 .table_rows)"
[[ $(jq -r ".pipelines.remember.autotune.numbers[\"4\"].bytes_per_second > 0" "$state") == true ]] ||
  fail "first: no bytes/s stored"
first_id=$(json first .run_id)

# Second run: the choice is verified with one window, or (when the machine got more than
# 20% slower meanwhile) probed again; either way the report says which.
run second --cores 4
case $(json second '.autotune[0].remembered') in
  verified)
    [[ $(json second '.autotune[0].reason') == "the remembered choice of run $first_id verified: a verification window ran at "*"x its remembered bytes/s" ]] ||
      fail "second: reason $(json second '.autotune[0].reason')"
    [[ $(json second '.autotune[0].winner.parallelism') == "$(saved 4 .parallelism)" ]] ||
      fail "second: ran $(json second '.autotune[0].winner') after verifying $(saved 4 '')"
    [[ $(json second '.autotune[0].candidates | length') == 0 ]] || fail "second: probed candidates"
    [[ $(saved 4 .run_id) == "$first_id" ]] || fail "second: a verified choice was stored again"
    ;;
  re-probed)
    [[ $(json second '.autotune[0].reason') == "the remembered choice of run $first_id probed again: "* ]] ||
      fail "second: reason $(json second '.autotune[0].reason')"
    ;;
  *) fail "second: remembered $(json second '.autotune[0].remembered')" ;;
esac
grep -q "^  autotune \"numbers\": .*the remembered choice of run " "$work/second.out" ||
  fail "second: the summary does not say what was remembered"

# A remembered rate no window can reach: probed again, and the new winner is stored.
jq '.pipelines.remember.autotune.numbers["4"].bytes_per_second = 1e15 | .pipelines.remember.autotune.numbers["4"].run_id = "old"' \
  "$state" > "$state.new" && mv "$state.new" "$state"
run slower --cores 4
[[ $(json slower '.autotune[0].remembered') == re-probed ]] || fail "slower: $(json slower '.autotune[0].remembered')"
[[ $(json slower '.autotune[0].reason') == "the remembered choice of run old probed again: its 2 verification windows ran at most 0.00x its remembered bytes/s; parallelism "* ]] ||
  fail "slower: reason $(json slower '.autotune[0].reason')"
[[ $(json slower '[.autotune[0].candidates[] | .windows >= 2] | all') == true ]] || fail "slower: not probed"
[[ $(saved 4 .run_id) == "$(json slower .run_id)" ]] || fail "slower: the new choice was not stored"

# The stream grew (here: the remembered size shrank) more than 2x: probed without verifying.
jq '.pipelines.remember.autotune.numbers["4"].table_rows = 100000' "$state" > "$state.new" && mv "$state.new" "$state"
run grown --cores 4
[[ $(json grown '.autotune[0].reason') == "the stream's estimated rows changed 4.00x since the remembered choice of run "*": probed again; parallelism "* ]] ||
  fail "grown: reason $(json grown '.autotune[0].reason')"

# Another machine size has its own choice; advise mode always probes.
run cores2 --cores 2
[[ $(json cores2 '.autotune[0] | has("remembered")') == false ]] || fail "cores2: used the 4-core choice"
[[ $(saved 2 .parallelism) != null ]] || fail "cores2: nothing stored for 2 cores"
run advise --cores 4 --advise
[[ $(json advise '.autotune[0] | has("remembered")') == false ]] || fail "advise: verified a remembered choice"
echo ok
