#!/usr/bin/env bash
# Faults fall back (docs/autotune.md, Faults): a probe candidate whose slices fail (an error, or a retryable
# one that would otherwise retry the whole attempt) is invalidated, its failed slices are
# read again with the baseline, and the run continues on the baseline with every row
# exactly once; only when the baseline fails too does the run fail. The failures come
# from the test hook RBC_TEST_AUTOTUNE_FAIL=P (docs/autotune.md, Faults): every slice of a
# window with P readers fails as it starts. `parallelism: 2` on a 4-core plan probes {1, 2, 3}.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
json() { jq -r "$2" "$work/$1.json"; }

rows=400000
write_pipeline() {  # $1 = name
  mkdir -p "$work/out_$1"
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: faults
source:
  use: generator
  config: {rows: $rows, seed: 5}
  streams:
    - name: numbers
destination:
  use: file
  config: {path: $work/out_$1/, format: csv}
resources:
  parallelism: 2
  max_retries: 2
YAML
}
exactly_once() {  # $1 = name
  local lines distinct
  lines=$(tail -n +2 "$work/out_$1/numbers.csv" | wc -l)
  distinct=$(tail -n +2 "$work/out_$1/numbers.csv" | cut -d, -f1 | sort -n | uniq | wc -l)
  [[ $lines == "$rows" && $distinct == "$rows" ]] || fail "$1: $lines rows, $distinct distinct ids, expected $rows"
}
fell_back() {  # $1 = name: the candidate with 3 readers was invalidated, the baseline ran
  [[ $(json "$1" '.status') == ok ]] || fail "$1: status $(json "$1" '.status')"
  [[ $(json "$1" '.retry_count') == 0 ]] || fail "$1: the attempt was retried"
  [[ $(json "$1" '.autotune[0].reason') == *"candidate parallelism 3 partition_mode mod invalidated in probe window "*": RBC_TEST_AUTOTUNE_FAIL: a slice read by 3 readers fails"*"; fell back to the baseline"* ]] ||
    fail "$1: reason $(json "$1" '.autotune[0].reason')"
  [[ $(json "$1" '.autotune[0].winner.parallelism') == 2 && $(json "$1" '.autotune[0].winner.partition_mode') == mod ]] ||
    fail "$1: ran $(json "$1" '.autotune[0].winner')"
  [[ $(json "$1" '[.autotune[0].candidates[] | select(.parallelism == 3)] | length') == 0 ]] ||
    fail "$1: the invalid candidate is still measured"
  grep -q 'autotune-fallback reader=[0-2] probe window [0-9]* failed: RBC_TEST_AUTOTUNE_FAIL: a slice read by 3 readers fails' "$work/$1.err" ||
    fail "$1: no warning in the log"
  exactly_once "$1"
}

# An error in a candidate's probe window.
write_pipeline error
RBC_TEST_AUTOTUNE_FAIL=3 "$RBC" exec "$work/error.yaml" --cores 4 --report "$work/error.json" \
  > "$work/error.out" 2> "$work/error.err" || { cat "$work/error.err"; fail "error: rbc exec failed"; }
fell_back error

# A retryable error: the candidate is invalidated instead of the attempt retried.
write_pipeline retry
RBC_TEST_AUTOTUNE_FAIL=3:retryable "$RBC" exec "$work/retry.yaml" --cores 4 --report "$work/retry.json" \
  > "$work/retry.out" 2> "$work/retry.err" || { cat "$work/retry.err"; fail "retry: rbc exec failed"; }
fell_back retry

# The baseline (2 readers) fails too: the run fails, naming the error.
write_pipeline baseline
if RBC_TEST_AUTOTUNE_FAIL=2 "$RBC" exec "$work/baseline.yaml" --cores 4 --report "$work/baseline.json" \
  > "$work/baseline.out" 2> "$work/baseline.err"; then
  fail "baseline: the run succeeded although the baseline fails"
fi
grep -q 'rbc: error: .*RBC_TEST_AUTOTUNE_FAIL: a slice read by 2 readers fails' "$work/baseline.err" ||
  { cat "$work/baseline.err"; fail "baseline: the error is not the baseline's"; }
[[ $(json baseline '.status') == failed ]] || fail "baseline: status $(json baseline '.status')"
echo ok
