#!/usr/bin/env bash
# CSV -> filter/UPPER/arithmetic -> CSV on 2M rows (8 columns, ~140 B/row): rbc against
# Miller on the same file and query, in one run; prints medians and the ratio.
# Also the bounded-memory check: 10M generator rows -> sql -> CSV, peak RSS.
# Usage: bench/csv_vs_miller.sh   (ROWS=2000000 RUNS=3 RBC=build/rbc)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rbc=${RBC:-$root/build/rbc}; rows=${ROWS:-2000000}; runs=${RUNS:-3}
command -v mlr >/dev/null || "$root/scripts/install-deps" --bench
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/out"

# The input: written by rbc's generator so both tools read identical bytes.
cat > "$work/make.yaml" <<YAML
version: "1.0"
pipeline: make_events
source:
  use: generator
  config: {rows: $rows, seed: 7}
  streams:
    - name: events
      columns:
        - {name: id, type: int64}
        - {name: user_id, type: int32}
        - {name: name, type: text}
        - {name: amount, type: float64}
        - {name: quantity, type: int32}
        - {name: paid, type: bool}
        - {name: created_at, type: timestamp}
        # the generator writes text as "<column>_<n>": a long name gives ~140 B rows
        - {name: order_note_free_text_written_by_the_customer_at_checkout, type: text}
destination:
  use: file
  config: {path: $work/in/, format: csv}
  write_mode: replace
YAML
"$rbc" exec "$work/make.yaml" >/dev/null 2>&1
sync  # let the input reach the disk so that its writeback does not land inside a timed run
bytes=$(stat -c %s "$work/in/events.csv")
echo "input: $rows rows, $bytes bytes ($((bytes / rows)) B/row)"

cat > "$work/query.yaml" <<YAML
version: "1.0"
pipeline: csv_query
source:
  use: file
  config: {path: $work/in/}
  streams:
    - name: events
transforms:
  - use: sql
    config: {query: "SELECT id, UPPER(name) AS name, amount * 1.2 AS gross, quantity FROM input WHERE amount > 500"}
destination:
  use: file
  config: {path: $work/out/, format: csv}
  write_mode: replace
YAML

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_of() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N); echo "$end - $start" | bc; }
rbc_times=(); mlr_times=()
for _ in $(seq "$runs"); do
  rbc_times+=("$(time_of "$rbc" exec "$work/query.yaml")")
  mlr_times+=("$(time_of sh -c "mlr --icsv --ocsv filter '\$amount > 500' then put '\$name = toupper(\$name); \$gross = \$amount * 1.2' then cut -o -f id,name,gross,quantity '$work/in/events.csv' > '$work/out/mlr.csv'")")
done
rbc_median=$(printf '%s\n' "${rbc_times[@]}" | median); mlr_median=$(printf '%s\n' "${mlr_times[@]}" | median)
echo "rows out: rbc $(($(wc -l < "$work/out/events.csv") - 1)), miller $(($(wc -l < "$work/out/mlr.csv") - 1))"
printf 'rbc     median %.3f s  (runs: %s)\n' "$rbc_median" "${rbc_times[*]}"
printf 'miller  median %.3f s  (runs: %s)\n' "$mlr_median" "${mlr_times[*]}"
printf 'miller/rbc = %.1fx faster (requirement: >= 3x)\n' "$(echo "$mlr_median / $rbc_median" | bc -l)"

# Bounded memory: 10M rows through sql into a file; peak RSS must stay under 300 MB.
sed -e "s/rows: $rows/rows: 10000000/" -e 's/pipeline: make_events/pipeline: memory_check/' "$work/make.yaml" > "$work/big.yaml"
sed -i "s|^destination:|transforms:\n  - use: sql\n    config: {query: \"SELECT id, UPPER(name) AS name, amount * 1.2 AS gross FROM input WHERE amount > 10\"}\ndestination:|" "$work/big.yaml"
/usr/bin/time -v "$rbc" exec "$work/big.yaml" 2> "$work/time.txt" >/dev/null
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/time.txt")
echo "10M rows generator -> sql -> csv: peak RSS $((rss_kb / 1024)) MiB (requirement: < 300 MB)"
