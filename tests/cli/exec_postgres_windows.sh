#!/usr/bin/env bash
# rbc exec, event-time windows into PostgreSQL against a real server: a windowed
# EMIT CHANGES into an upsert table (primary_key: [window_start, k]) ends equal to the
# same query's EMIT FINAL written into another table (write_mode: replace), row for row:
#   - TUMBLING(ts, 10s) and HOPPING(ts, 10s, 5s) over timestamps;
#   - without a watermark (windows close at the end) and with one (allowed_lateness 1s,
#     the input jittered so that some rows are late and windows close during the run);
#   - at 1 and 3 hash lanes.
# (Not SESSION: a merged session's window_start moves, so its earlier changes stay behind
# under the old key.)
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
changes=rbc_win_changes_$$
final=rbc_win_final_$$
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.$changes"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.$final"

# 12,000 rows over ~20 minutes, 11 keys, v NULL now and then; shuffled within blocks of 200
# rows (~4 s of event time), so a 1 s allowed lateness leaves some rows late.
mkdir "$work/in_changes" "$work/in_final"
python3 - "$work/in_changes/$changes.csv" <<'PY'
import datetime, random, sys
rng = random.Random(11)
base = datetime.datetime(2024, 5, 1, 12, 0, 0)
rows = []
for i in range(12000):
    ts = base + datetime.timedelta(milliseconds=i * 97 + (i % 7) * 3)
    rows.append(("key%d" % ((i * 5) % 11), "" if i % 29 == 0 else str(i % 1000 - 300), ts.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]))
blocks = [rows[i:i + 200] for i in range(0, len(rows), 200)]
for b in blocks:
    rng.shuffle(b)
with open(sys.argv[1], "w") as f:
    f.write("k,v,ts\n")
    for b in blocks:
        for k, v, ts in b:
            f.write("%s,%s,%s\n" % (k, v, ts))
PY
cp "$work/in_changes/$changes.csv" "$work/in_final/$final.csv"

write_pipeline() {  # $1 = file, $2 = input folder, $3 = stream, $4 = query, $5 = watermark, $6 = write mode lines, $7 = lanes
  cat > "$1" <<YAML
version: "1.0"
pipeline: exec_postgres_windows
source:
  use: file
  config: {path: "$work/$2/"}
  streams:
    - name: $3
      columns: [{name: k, type: text}, {name: v, type: int64}, {name: ts, type: timestamp}]
transforms:
  - use: sql
    config:
      query: "$4"
${5:+      watermark: $5}
destination:
  use: postgres
  config: {url: "$DST"}
$6
resources:
  parallelism: 1
  max_batch_bytes: 64kb
  aggregation: {lanes: $7}
YAML
}

columns="window_start, window_end, k, n, s, lo, hi"
check() {  # check LABEL WINDOW WATERMARK LANES
  local label=$1 query
  query="SELECT window_start, window_end, k, COUNT(*) AS n, SUM(v) AS s, MIN(v) AS lo, MAX(ts) AS hi FROM input GROUP BY k WINDOW $2"
  psql_q "$DST" "SET client_min_messages = warning; DROP TABLE IF EXISTS public.$changes; DROP TABLE IF EXISTS public.$final" > /dev/null
  write_pipeline "$work/final.yaml" in_final "$final" "$query" "$3" "  write_mode: replace" "$4"
  write_pipeline "$work/changes.yaml" in_changes "$changes" "$query EMIT CHANGES" "$3" "  write_mode: upsert
  primary_key: [window_start, k]" "$4"
  if ! "$RBC" exec "$work/final.yaml" --cores 8 > "$work/final.log" 2>&1; then
    cat "$work/final.log"; fail "$label: FINAL run exited non-zero"; return
  fi
  if ! "$RBC" exec "$work/changes.yaml" --cores 8 > "$work/changes.log" 2>&1; then
    cat "$work/changes.log"; fail "$label: EMIT CHANGES run exited non-zero"; return
  fi
  local want got rows
  want=$(psql_q "$DST" "SELECT $columns FROM public.$final ORDER BY window_start, k")
  got=$(psql_q "$DST" "SELECT $columns FROM public.$changes ORDER BY window_start, k")
  rows=$(wc -l <<< "$want")
  [[ $rows -gt 100 ]] || fail "$label: FINAL wrote only $rows rows"
  if [[ $got != "$want" ]]; then
    fail "$label: the upsert table differs from the FINAL result"
    diff <(echo "$want") <(echo "$got") | head -10
  fi
  # The changes run really emitted more rows than it left (it updated rows in place).
  local out
  out=$(grep -o 'rows read [0-9]*, written [0-9]*' "$work/changes.log" | awk '{ print $5 }')
  [[ -n $out && $out -gt $rows ]] || { cat "$work/changes.log"; fail "$label: EMIT CHANGES emitted ${out:-?} rows for $rows groups"; }
  # With a watermark some rows were late (and both runs dropped the same ones).
  if [[ -n $3 ]]; then
    grep -q 'late rows [1-9]' "$work/changes.log" || { cat "$work/changes.log"; fail "$label: no late rows"; }
  fi
}

for lanes in 1 3; do
  check "TUMBLING, no watermark, $lanes lanes" "TUMBLING(ts, 10s)" "" "$lanes"
  check "TUMBLING, watermark, $lanes lanes" "TUMBLING(ts, 10s)" "{allowed_lateness: 1s}" "$lanes"
  check "HOPPING, watermark, $lanes lanes" "HOPPING(ts, 10s, 5s)" "{allowed_lateness: 1s}" "$lanes"
done
# The table's window bounds are timestamps, 10 s apart.
[[ $(psql_q "$DST" "SELECT DISTINCT pg_typeof(window_start)::text, window_end - window_start FROM public.$changes") == "timestamp without time zone|00:00:10" ]] ||
  fail "window bounds: $(psql_q "$DST" "SELECT DISTINCT pg_typeof(window_start)::text, window_end - window_start FROM public.$changes")"

finish "windowed EMIT CHANGES upserted by (window_start, k) ends equal to EMIT FINAL"
