#!/usr/bin/env bash
# Advise-only autotune: `autotune: {mode: advise}` (and `rbc exec --advise`) probes the
# stream's candidates, prints and reports what the tuner would choose with the measured
# gain, and runs the plan's values. With `parallelism: 2` on a 4-core plan, 2 is the
# tuner's starting point P0: the candidates are {1, 2, 3}.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
json() { jq -r "$2" "$work/$1.json"; }

rows=400000
write_pipeline() {  # $1 = name, $2 = autotune block
  mkdir -p "$work/out_$1"
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: advise
source:
  use: generator
  config: {rows: $rows, seed: 11}
  streams:
    - name: numbers
destination:
  use: file
  config: {path: $work/out_$1/, format: csv}
resources:
  parallelism: 2
  autotune: $2
YAML
}
check_run() {  # $1 = name: the advice is reported, the plan's values ran, every row arrived
  grep -q 'autotune-advice stream="numbers" would run: parallelism=[123] partition_mode=[a-z]* (' "$work/$1.err" ||
    { cat "$work/$1.err"; fail "$1: no autotune-advice line in the log"; }
  grep -q 'runs the baseline: parallelism=2 partition_mode=mod' "$work/$1.err" ||
    fail "$1: the log does not say the baseline runs"
  grep -q '^    advise only: ran the baseline above; tuning would run parallelism=[123] ' "$work/$1.out" ||
    { cat "$work/$1.out"; fail "$1: no advice in the summary"; }
  [[ $(json "$1" '.autotune[0].event') == autotune-decision ]] || fail "$1: event $(json "$1" '.autotune[0].event')"
  [[ $(json "$1" '.autotune[0].mode') == advise ]] || fail "$1: the report does not say advise"
  [[ $(json "$1" '.autotune[0].baseline.parallelism') == 2 ]] || fail "$1: ran parallelism $(json "$1" '.autotune[0].baseline.parallelism')"
  [[ $(json "$1" '.autotune[0].baseline.partition_mode') == mod ]] || fail "$1: ran another partition mode"
  [[ $(json "$1" '.autotune[0] | has("winner")') == false ]] || fail "$1: an advise event has a winner"
  local advised
  advised=$(json "$1" '.autotune[0].advice.parallelism')
  [[ $advised == 1 || $advised == 2 || $advised == 3 ]] || fail "$1: advice parallelism $advised"
  [[ $(json "$1" '[.autotune[0].candidates[].parallelism] | unique') == "$(jq -n '[1,2,3]')" ]] ||
    fail "$1: candidates $(json "$1" '[.autotune[0].candidates[].parallelism]'), expected P0 = 2 and its neighbours"
  [[ $(json "$1" '.autotune[0].advised_gain > 0') == true ]] || fail "$1: no measured gain"
  # The plan's readers went on reading after the probe.
  [[ $(json "$1" '.nodes[0].tuned_concurrency') == 2 ]] || fail "$1: $(json "$1" '.nodes[0].tuned_concurrency') readers kept"
  local got
  got=$(tail -n +2 "$work/out_$1/numbers.csv" | cut -d, -f1 | sort -n | uniq | wc -l)
  [[ $got == "$rows" ]] || fail "$1: $got distinct ids written, expected $rows"
}

write_pipeline mode "{mode: advise}"
"$RBC" compile "$work/mode.yaml" --cores 4 > "$work/mode.plan"
grep -q 'autotune: parallelism {1, 2, 3}; partition_mode {mod, range}; advise only: probes and reports its choice, runs the baseline' \
  "$work/mode.plan" || { cat "$work/mode.plan"; fail "mode: the plan does not show the advise mode"; }
"$RBC" exec "$work/mode.yaml" --cores 4 --report "$work/mode.json" > "$work/mode.out" 2> "$work/mode.err" ||
  { cat "$work/mode.err"; fail "mode: rbc exec failed"; }
check_run mode

# The flag does the same for a pipeline that tunes.
write_pipeline flag "{enabled: true}"
"$RBC" exec "$work/flag.yaml" --advise --cores 4 --report "$work/flag.json" > "$work/flag.out" 2> "$work/flag.err" ||
  { cat "$work/flag.err"; fail "flag: rbc exec failed"; }
check_run flag

# A bad mode is a located error.
write_pipeline bad "{mode: advice}"
if "$RBC" compile "$work/bad.yaml" > /dev/null 2> "$work/bad.err"; then fail "bad: mode advice compiled"; fi
grep -q "bad.yaml:.*autotune.mode must be tune | advise, got 'advice'" "$work/bad.err" ||
  { cat "$work/bad.err"; fail "bad: no located error"; }
echo ok
