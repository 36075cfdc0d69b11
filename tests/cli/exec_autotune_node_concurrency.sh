#!/usr/bin/env bash
# Node concurrency is an autotune knob: a probed stream's stateless transform (one no other
# stream feeds) runs its probe windows at {max(1, c/2), c, round(1.5 c)} batches at once
# around the planned c, and keeps the winner; `rbc compile` shows the candidates, the report
# the winner and the transform's kept concurrency. `parallelism: 2` on a 4-core plan: c = 2.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
json() { jq -r "$1" "$work/run.json"; }

rows=1000000
mkdir -p "$work/out"
cat > "$work/p.yaml" <<YAML
version: "1.0"
pipeline: node_concurrency
source:
  use: generator
  config: {rows: $rows, seed: 9}
  streams:
    - name: numbers
transforms:
  - use: sql
    config: {query: "SELECT id, UPPER(name) AS name, value * value + 1 AS v FROM input WHERE id % 7 <> 3"}
destination:
  use: file
  config: {path: $work/out/, format: csv}
resources:
  parallelism: 2
YAML
"$RBC" compile "$work/p.yaml" --cores 4 > "$work/plan.txt"
grep -q 'autotune: parallelism {1, 2, 3}; partition_mode {mod, range}; node_concurrency {1, 2, 3}' "$work/plan.txt" ||
  { cat "$work/plan.txt"; fail "the plan does not list the node_concurrency candidates"; }
grep -q 'concurrency tuned: the autotuner of %0 probes its node_concurrency candidates' "$work/plan.txt" ||
  fail "the transform does not say the autotuner sets its concurrency"
"$RBC" exec "$work/p.yaml" --cores 4 --report "$work/run.json" > "$work/out.txt" 2> "$work/err.txt" ||
  { cat "$work/err.txt"; fail "rbc exec failed"; }
[[ $(json '.autotune[0].event') == autotune-decision ]] || fail "not probed: $(json '.autotune[0].reason')"
winner=$(json '.autotune[0].winner.node_concurrency')
[[ $winner == 1 || $winner == 2 || $winner == 3 ]] || fail "winner node_concurrency $winner"
[[ $(json '.autotune[0].reason') == *"node_concurrency $winner "* ]] || fail "reason: $(json '.autotune[0].reason')"
# Every node_concurrency candidate ran windows at the winning parallelism.
for n in 1 2 3; do
  [[ $(json "[.autotune[0].candidates[] | select(.node_concurrency == $n and .windows >= 2)] | length > 0") == true ]] ||
    fail "node_concurrency $n was not probed: $(json '.autotune[0].candidates')"
done
[[ $(json '.nodes[1].tuned_concurrency') == "$winner" ]] || fail "transform kept $(json '.nodes[1].tuned_concurrency'), winner $winner"
peak=$(json '.nodes[1].peak_concurrency')
((peak >= 1 && peak <= 3)) || fail "transform ran $peak batches at once, at most 3 allowed"
grep -q "^  autotune \"numbers\": parallelism=[0-9] partition_mode=[a-z]* node_concurrency=$winner after" "$work/out.txt" ||
  { cat "$work/out.txt"; fail "no node_concurrency in the summary"; }
expected=$(awk -v n=$rows 'BEGIN { c = 0; for (i = 1; i <= n; i++) if (i % 7 != 3) c++; print c }')
got=$(tail -n +2 "$work/out/numbers.csv" | cut -d, -f1 | sort -n | uniq | wc -l)
[[ $got == "$expected" ]] || fail "$got distinct ids written, expected $expected"
echo ok
