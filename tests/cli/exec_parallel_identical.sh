#!/usr/bin/env bash
# rbc exec: the output file is byte-identical with parallelism 1 and 4 (the sequencer
# restores read order before the single file writer), over many small batches.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"
awk 'BEGIN { print "id,name,amount"; for (i = 1; i <= 60000; i++) printf "%d,user_%d,%d\n", i, i % 977, (i * 7919) % 1000 }' \
  > "$work/in/events.csv"

write_pipeline() {  # $1 = parallelism, $2 = output dir
  cat > "$work/p$1.yaml" <<YAML
version: "1.0"
pipeline: exec_parallel
source:
  use: file
  config: {path: $work/in/}
  streams:
    - name: events
transforms:
  - use: sql
    config: {query: "SELECT id, UPPER(name) AS name, amount / 4.0 AS quarter FROM input WHERE amount % 3 <> 0"}
  - use: validate
    config: {rules: [{assert_not_null: [id]}, {assert_range: {field: quarter, min: 0, max: 250}}]}
destination:
  use: file
  config: {path: $2/}
resources:
  parallelism: $1
  max_batch_bytes: 65536
  max_inflight_batches: 6
YAML
}
write_pipeline 1 "$work/out1"
write_pipeline 4 "$work/out4"
mkdir -p "$work/out1" "$work/out4"
"$RBC" exec "$work/p1.yaml" --report "$work/r1.json" > /dev/null 2>&1
"$RBC" exec "$work/p4.yaml" --report "$work/r4.json" > /dev/null 2>&1
grep -q '"parallelism_effective": 4' "$work/r4.json"
grep -q '"parallelism_mode": "manual"' "$work/r4.json"
batches=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"][0]["batches_out"])' "$work/r4.json")
if (( batches < 10 )); then echo "expected many batches, got $batches"; exit 1; fi
cmp "$work/out1/events.csv" "$work/out4/events.csv"
rows=$(($(wc -l < "$work/out4/events.csv") - 1))
expected=$(awk -F, 'NR > 1 && $3 % 3 != 0' "$work/in/events.csv" | wc -l)
[[ $rows == "$expected" ]] || { echo "rows $rows, expected $expected"; exit 1; }
echo ok
