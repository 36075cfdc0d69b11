#!/usr/bin/env bash
# rbc exec, keyed aggregation between PostgreSQL tables against a real server:
#   - table -> GROUP BY -> table (write_mode: replace) holds exactly what the same GROUP BY
#     gives when psql runs it on the source (sorted `psql -At` output), at parallelism 1, at
#     4 (replace reads in one lane: 4 hash lanes) and with 3 pinned hash lanes; and with
#     write_mode append into an empty table at parallelism 4 (4 partitions: two_phase);
#   - EMIT CHANGES into an upsert table (primary_key: [k]): every change overwrites the
#     group's row, so the table ends equal to the FINAL result, at parallelism 1 and 4;
#   - max_state_bytes stops two_phase lanes that shuffle as soon as their groups together
#     pass it, though one lane gets no more batches (the others fold into its part).
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
table=rbc_agg_$$
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.$table"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.$table"

psql_q "$SRC" "
CREATE TABLE public.$table (
  id bigint PRIMARY KEY,
  k text,
  n int,
  amount numeric(12,2),
  x float8,
  flag bool
);
INSERT INTO public.$table
SELECT g,
       CASE WHEN g % 53 = 0 THEN NULL ELSE 'key ' || ((g * 7919) % 211) END,
       CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 37) % 10000 - 5000 END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE round(((g * 7919) % 1000000)::numeric / 100 - 5000, 2) END,
       CASE WHEN g % 9 = 0 THEN NULL ELSE g / 3.0 - 1000.125 END,
       CASE WHEN g % 4 = 0 THEN NULL ELSE g % 3 = 0 END
FROM generate_series(1, 12000) g;
"

# The same aggregates, in PostgreSQL on the source and in rbc; AVG compared at 10 digits
# (PostgreSQL picks the scale of numeric division per value, rbc gives decimal(38,16)).
aggregates="COUNT(*) AS cnt, COUNT(x) AS nx, SUM(n) AS sn, SUM(amount) AS sa, MIN(x) AS xlo, MAX(x) AS xhi, MIN(k) AS kmin, BOOL_OR(flag) AS anyflag, BOOL_AND(flag) AS allflag, AVG(n) AS an"
expected=$(psql_q "$SRC" "SELECT k, cnt, nx, sn, sa, xlo, xhi, kmin, anyflag, allflag, round(an, 10)
  FROM (SELECT k, $aggregates FROM public.$table GROUP BY k HAVING COUNT(*) > 1) g" | sort)
[[ $(wc -l <<< "$expected") -eq 212 ]] || fail "the source has $(wc -l <<< "$expected") groups, expected 211 keys and NULL"
actual_sql="SELECT k, cnt, nx, sn, sa, xlo, xhi, kmin, anyflag, allflag, round(an, 10) FROM public.$table"

write_pipeline() {  # $1 = file, $2 = query, $3 = write mode lines, $4 = resources
  cat > "$1" <<YAML
version: "1.0"
pipeline: exec_postgres_aggregate
source:
  use: postgres
  config: {url: "$SRC"}
  streams:
    - name: public.$table
      sync_mode: full_refresh
      partition_key: id
transforms:
  - use: sql
    config: {query: "$2"}
destination:
  use: postgres
  config: {url: "$DST"}
$3
resources: $4
YAML
}

check_final() {  # $1 = label, $2 = resources, $3 = write mode (default replace)
  write_pipeline "$work/final.yaml" "SELECT k, $aggregates FROM input GROUP BY k HAVING COUNT(*) > 1" \
    "  write_mode: ${3:-replace}" "$2"
  if ! "$RBC" exec "$work/final.yaml" --cores 16 > "$work/final.log" 2>&1; then
    fail "$1: rbc exec exited non-zero"; cat "$work/final.log"; return
  fi
  local actual
  actual=$(psql_q "$DST" "$actual_sql" | sort)
  if [[ $actual != "$expected" ]]; then
    fail "$1: the destination differs from PostgreSQL's GROUP BY"
    diff <(echo "$expected") <(echo "$actual") | head -10
  fi
}
check_final "replace, parallelism 1" "{parallelism: 1}"
"$RBC" compile "$work/final.yaml" --cores 16 | grep -q 'strategy single' || fail "parallelism 1: not a single-lane aggregation"
# replace reads the source in one lane: the plan picks hash.
check_final "replace, parallelism 4" "{parallelism: 4}"
"$RBC" compile "$work/final.yaml" --cores 16 | grep -q 'strategy hash: the rows arrive in 1 lane: a router hashes the group keys into 4 lanes' ||
  fail "replace, parallelism 4: the plan does not pick 4 hash lanes"
check_final "replace, 3 hash lanes" "{parallelism: 3, aggregation: {strategy: hash, lanes: 3}}"
# append into an empty table reads the source in 4 partitions: two_phase merges 4 lanes.
psql_q "$DST" "DROP TABLE public.$table" > /dev/null
check_final "append, parallelism 4" "{parallelism: 4}" append
"$RBC" compile "$work/final.yaml" --cores 16 | grep -q 'strategy two_phase: the rows already arrive in 4 lanes' ||
  fail "append, parallelism 4: the plan does not pick two_phase over 4 partitions"

# EMIT CHANGES into an upsert table: one row per key, the last change wins.
psql_q "$DST" "DROP TABLE public.$table" > /dev/null
changes_expected=$(psql_q "$SRC" "SELECT k, COUNT(*), SUM(n), MAX(amount) FROM public.$table WHERE k IS NOT NULL GROUP BY k" | sort)
for p in 1 4; do
  write_pipeline "$work/changes.yaml" \
    "SELECT k, COUNT(*) AS cnt, SUM(n) AS sn, MAX(amount) AS ma FROM input WHERE k IS NOT NULL GROUP BY k EMIT CHANGES" \
    "  write_mode: upsert
  primary_key: [k]" "{parallelism: $p, max_batch_bytes: 64kb}"
  if ! "$RBC" exec "$work/changes.yaml" --cores 16 > "$work/changes.log" 2>&1; then
    fail "EMIT CHANGES, parallelism $p: rbc exec exited non-zero"; cat "$work/changes.log"; continue
  fi
  actual=$(psql_q "$DST" "SELECT k, cnt, sn, ma FROM public.$table" | sort)
  if [[ $actual != "$changes_expected" ]]; then
    fail "EMIT CHANGES, parallelism $p: the upsert table differs from the FINAL result"
    diff <(echo "$changes_expected") <(echo "$actual") | head -10
  fi
done

# max_state_bytes holds while two_phase lanes shuffle: one lane (a range partition with a
# single row) gets no batch after its first, while the other folds half of its rows into
# the first lane's part. Those groups count at once, not when the input ends: the run stops
# at the limit, before every row is aggregated (at the end, as before, the groups held
# 16.8 MiB), and writes nothing.
skew=rbc_agg_skew_$$
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.$skew"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.$skew"
psql_q "$SRC" "CREATE TABLE public.$skew (id bigint PRIMARY KEY, v int);
INSERT INTO public.$skew SELECT g, g % 7 FROM generate_series(1, 150000) g;
INSERT INTO public.$skew VALUES (1000000000000, 1); ANALYZE public.$skew" > /dev/null
cat > "$work/skew.yaml" <<YAML
version: "1.0"
pipeline: exec_postgres_aggregate_skew
source:
  use: postgres
  config: {url: "$SRC"}
  streams:
    - name: public.$skew
      sync_mode: full_refresh
      partition_key: id
transforms:
  - use: sql
    config: {query: "SELECT id, COUNT(*) AS n, SUM(v) AS total FROM input GROUP BY id"}
destination:
  use: postgres
  config: {url: "$DST"}
  write_mode: append
resources: {parallelism: 2, max_batch_bytes: 64kb, max_state_bytes: 14mb, autotune: {enabled: false, pin_source_partition_mode: range}}
YAML
"$RBC" compile "$work/skew.yaml" | grep -q 'strategy two_phase' || fail "skewed lanes: the plan is not two_phase"
if "$RBC" exec "$work/skew.yaml" --report "$work/skew.json" > "$work/skew.log" 2>&1; then
  fail "skewed lanes: 150001 groups ran within max_state_bytes 14mb"
fi
grep -Eq "groups hold [0-9.]+ MiB \(the limit is 14.0 MiB\)" "$work/skew.log" ||
  { cat "$work/skew.log"; fail "skewed lanes: no max_state_bytes error"; }
aggregated=$(jq '[.nodes[] | select(.kind == "transform")][0].rows_in' "$work/skew.json")
((aggregated < 150001)) || fail "skewed lanes: all $aggregated rows were aggregated before the limit stopped the run"
rows=$(psql_q "$DST" "SELECT count(*) FROM public.$skew" 2> /dev/null || echo 0)
[[ $rows == 0 ]] || fail "skewed lanes: the failed run left $rows rows in the destination"

finish "aggregation between PostgreSQL tables: replace equals psql's GROUP BY, EMIT CHANGES upserts end at FINAL, the state limit holds while lanes shuffle"
