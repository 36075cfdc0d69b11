#!/usr/bin/env bash
# rbc exec: the output file is byte-identical with parallelism 1 and 4 (the sequencer
# restores read order before the single file writer), over many small batches. The input
# files hold more than two batches, so with parallelism > 1 they are split: several readers
# parse record-aligned chunks, numbered in file order (docs/execution.md, "Split files").
# Quoted fields with line breaks, doubled quotes and CRLF cross the chunk boundaries, and a
# data error found by any reader names its file and line.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"
awk 'BEGIN { print "id,name,amount"; for (i = 1; i <= 60000; i++) printf "%d,user_%d,%d\n", i, i % 977, (i * 7919) % 1000 }' \
  > "$work/in/events.csv"

write_pipeline() {  # $1 = parallelism, $2 = output dir, $3 = more resources
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
${3:-}
YAML
}
# One reader with autotune off (it would probe more): the bytes the 4 readers must write.
write_pipeline 1 "$work/out1" "  autotune: {enabled: false}"
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
# The plan says why: the file is cut into chunks that 4 readers parse, in file order.
"$RBC" compile "$work/p4.yaml" --cores 16 > "$work/plan4.txt"
grep -q 'partitions 4: a .* CSV file is cut into record-aligned chunks, parsed by 4 readers' "$work/plan4.txt"
grep -q 'chunks in order yes' "$work/plan4.txt"
"$RBC" compile "$work/p1.yaml" | grep -q 'chunks in order no: one reader reads the file in order'

# Quoted notes over two lines, with doubled quotes and delimiters, CRLF line ends.
mkdir -p "$work/q" "$work/q1" "$work/q2"
awk 'BEGIN { printf "id,note,amount\r\n"; for (i = 1; i <= 40000; i++) {
  if (i % 7 == 0) printf "%d,\"say \"\"%d\"\",\r\nthen stop\",%d\r\n", i, i, i % 100
  else printf "%d,plain %d,%d\r\n", i, i, i % 100 } }' > "$work/q/notes.csv"
write_quoted() {  # $1 = parallelism, $2 = output dir, $3 = on_data_error
  cat > "$work/q$1.yaml" <<YAML
version: "1.0"
pipeline: exec_split_quotes
source:
  use: file
  config: {path: $work/q/}
  streams:
    - name: notes
transforms:
  - use: sql
    config: {query: "SELECT id, note, amount FROM input WHERE amount > 10"}
destination:
  use: file
  config: {path: $2/}
  on_data_error: $3
  dlq_path: $work/dlq$1.jsonl
resources:
  parallelism: $1
  max_batch_bytes: 65536
YAML
}
write_quoted 1 "$work/q1" fail
write_quoted 2 "$work/q2" fail
"$RBC" exec "$work/q1.yaml" > /dev/null 2>&1
"$RBC" exec "$work/q2.yaml" --cores 4 --report "$work/rq2.json" > /dev/null 2>&1
readers=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"][0]["concurrency"])' "$work/rq2.json")
[[ $readers == 2 ]] || { echo "expected 2 readers, got $readers"; exit 1; }
cmp "$work/q1/notes.csv" "$work/q2/notes.csv"
grep -q 'say ""70"",' "$work/q2/notes.csv"

# A bad record deep in the file (far past the first chunk): the error names its line.
awk '/^30001,/ { print "oops,bad,1\r" } { print }' "$work/q/notes.csv" > "$work/q/notes.tmp"
mv "$work/q/notes.tmp" "$work/q/notes.csv"
line=$(grep -n '^oops,' "$work/q/notes.csv" | cut -d: -f1)
if "$RBC" exec "$work/q2.yaml" --cores 4 > /dev/null 2> "$work/err2"; then echo "expected a data error"; exit 1; fi
grep -q "notes.csv:$line: column \"id\": cannot read \"oops\" as int64" "$work/err2" \
  || { echo "error does not name line $line:"; cat "$work/err2"; exit 1; }
write_quoted 2 "$work/q2" dlq
"$RBC" exec "$work/q2.yaml" --cores 4 > /dev/null 2>&1
grep -q "\"line\":$line," "$work/dlq2.jsonl" || { echo "dead letter not at line $line:"; cat "$work/dlq2.jsonl"; exit 1; }
echo ok
