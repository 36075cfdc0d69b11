#!/usr/bin/env bash
# Runs that overlap, runs that died, and tables whose names look alike, against a real server:
#   1. for replace, upsert and append: a second run started while the first loads its 1M
#      rows stops before writing (the stream's run lock), and so does another pipeline
#      writing the same table (the table's lock); the first run finishes, and the table
#      equals the source row by row;
#   2. two tables whose names share their first 57 bytes, replaced in one run, each get
#      their own rows (their staging tables differ);
#   3. a second incremental run started while the first reads stops with a clear error; the
#      destination holds every row once;
#   4. a full-refresh append killed (kill -9) after committing rows: its run record becomes
#      "abandoned" when the next run starts, and that run refuses to write the rows again,
#      naming the rows and --from-scratch; after the rows are removed, --from-scratch runs;
#   5. the state store's connection is terminated during a run: the run still records its
#      outcome ("succeeded"), over a new connection.
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
t=rbc_overlap_$$
pipeline=overlap_$$
# 56 bytes, 58 with a suffix: "_rbc_stage_" and the name would be 69 bytes, over the 63 allowed.
long=$(printf '%-56s' "rbc_overlap_$$_" | tr ' ' p)
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.$t, public.${long}_x, public.${long}_y"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.$t, public.${long}_x, public.${long}_y;
  DELETE FROM rbc_state.cursors WHERE pipeline LIKE '${pipeline}%';
  DELETE FROM rbc_state.runs WHERE pipeline LIKE '${pipeline}%'"
dst_db=$(psql_q "$DST" "SELECT current_database()")

rows=1000000
psql_q "$SRC" "
CREATE TABLE public.$t (id bigint PRIMARY KEY, payload text);
INSERT INTO public.$t SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, $rows) g;
CREATE TABLE public.${long}_x (id int PRIMARY KEY); INSERT INTO public.${long}_x SELECT generate_series(1, 100);
CREATE TABLE public.${long}_y (id int PRIMARY KEY); INSERT INTO public.${long}_y SELECT generate_series(1, 200);"

write_pipeline() {  # $1 = file and pipeline suffix, $2 = sync mode, $3 = write mode, $4 = state backend, $5.. = streams
  local name=$1 sync=$2 mode=$3 backend=$4 streams="" extra=""
  shift 4
  for stream in "$@"; do
    streams+="
    - name: public.$stream
      sync_mode: $sync"
    [[ $sync == incremental ]] && streams+="
      cursor_field: id"
  done
  [[ $mode != append ]] && extra="
  primary_key: [id]"
  cat > "$work/$name.yaml" << YAML
version: "1.0"
pipeline: ${pipeline}_$name
source:
  use: postgres
  config: {url: "$SRC"}
  streams:$streams
destination:
  use: postgres
  config: {url: "$DST"}
  write_mode: $mode$extra
resources: {parallelism: 1, checkpoint_interval_rows: 100000, max_retries: 0}
state: {backend: $backend}
YAML
}

run_rbc() {  # $1 = pipeline file suffix, more arguments to rbc exec; sets code
  local name=$1
  shift
  set +e
  "$RBC" exec "$work/$name.yaml" --report "$work/$name.json" "$@" > "$work/$name.stdout" 2> "$work/$name.stderr"
  code=$?
  set -e
}

# Waits (up to 60 s) until `$1` (a query on the destination) returns t.
wait_for() {
  for _ in $(seq 1 1200); do
    [[ $(psql_q "$DST" "$1" 2> /dev/null || echo f) == t ]] && return 0
    sleep 0.05
  done
  fail "waited 60 s for: $1"
  return 1
}
# Waits for the run started in the background ($first); it must have succeeded.
first_succeeded() {  # $1 = label
  local first_code=0
  wait "$first" || first_code=$?
  [[ $first_code == 0 ]] || { fail "$1: the first run failed (exit $first_code)"; cat "$work/first.stderr"; }
}
copying="SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = '$dst_db'
  AND query LIKE 'COPY %FROM STDIN%' AND query LIKE '%$t%' AND state = 'active')"
count() { psql_q "$DST" "SELECT count(*) || ' ' || count(DISTINCT id) FROM public.$1"; }

# 1. Overlapping runs of each write mode.
digest() { psql_q "$1" "SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM public.$t t"; }
src_digest=$(digest "$SRC")
for mode in replace upsert append; do
  write_pipeline "$mode" full_refresh "$mode" postgres "$t"
  sed "s/pipeline: ${pipeline}_$mode/pipeline: ${pipeline}_other/; s/backend: postgres/backend: none/" \
    "$work/$mode.yaml" > "$work/other.yaml"
  "$RBC" exec "$work/$mode.yaml" --report "$work/first.json" > "$work/first.stdout" 2> "$work/first.stderr" &
  first=$!
  # Both its locks held: the stream's (state store) and the table's (sink leader).
  if wait_for "SELECT count(*) = 2 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'rbc ${pipeline}_$mode run %'"; then
    run_rbc "$mode"
    [[ $code != 0 ]] || fail "overlapping $mode: the second run exited 0"
    grep -q "another run of pipeline \"${pipeline}_$mode\" stream \"public.$t\" is in progress: rbc ${pipeline}_$mode run " \
      "$work/$mode.stderr" || { fail "overlapping $mode: no run-lock error"; cat "$work/$mode.stderr"; }
    run_rbc other
    [[ $code != 0 ]] || fail "overlapping $mode: another pipeline's run exited 0"
    grep -q "another run is writing public.$t: rbc ${pipeline}_$mode run .*(server pid [0-9]*, from .*, connected since .* UTC); runs that write one table cannot overlap" \
      "$work/other.stderr" || { fail "overlapping $mode: no table-lock error"; cat "$work/other.stderr"; }
  fi
  first_succeeded "overlapping $mode"
  [[ $(digest "$DST") == "$src_digest" ]] || fail "overlapping $mode: the table differs from the source"
  grep -q "\"rows_written\": $rows" "$work/first.json" || fail "overlapping $mode: the first run's report does not say $rows rows"
  staging=$(psql_q "$DST" "SELECT count(*) FROM pg_tables WHERE tablename LIKE '\_rbc\_stage\_${t}\_%'")
  [[ $staging == 0 ]] || fail "overlapping $mode: $staging staging table(s) left"
  psql_q "$DST" "DROP TABLE public.$t"
done

# 2. Long names sharing a prefix.
write_pipeline long full_refresh replace none "${long}_x" "${long}_y"
run_rbc long
[[ $code == 0 ]] || { fail "long names: exit $code"; cat "$work/long.stderr"; }
[[ $(count "${long}_x") == "100 100" && $(count "${long}_y") == "200 200" ]] \
  || fail "long names: x holds $(count "${long}_x"), y $(count "${long}_y"); expected 100 and 200 rows"

# 3. Overlapping incremental runs.
write_pipeline incremental incremental append postgres "$t"
"$RBC" exec "$work/incremental.yaml" > "$work/first.stdout" 2> "$work/first.stderr" &
first=$!
if wait_for "$copying"; then
  run_rbc incremental
  [[ $code != 0 ]] || fail "overlapping incremental: the second run exited 0"
  grep -q "another run of pipeline \"${pipeline}_incremental\" stream \"public.$t\" is in progress" \
    "$work/incremental.stderr" || { fail "overlapping incremental: no run-lock error"; cat "$work/incremental.stderr"; }
fi
first_succeeded "overlapping incremental"
[[ $(count "$t") == "$rows $rows" ]] || fail "overlapping incremental: the table holds $(count "$t"), expected $rows rows once"
psql_q "$DST" "DROP TABLE public.$t"

# 4. A full-refresh append killed after a commit; the rerun refuses; --from-scratch.
write_pipeline killed full_refresh append postgres "$t"
"$RBC" exec "$work/killed.yaml" > "$work/first.stdout" 2> "$work/first.stderr" &
first=$!
if wait_for "SELECT to_regclass('public.$t') IS NOT NULL AND EXISTS (SELECT 1 FROM public.$t)"; then
  kill -9 "$first"
  wait "$first" 2> /dev/null || true
  committed=$(psql_q "$DST" "SELECT count(*) FROM public.$t")
  ((committed < rows)) || fail "append: the kill came after the last row"
  run_rbc killed
  [[ $code != 0 ]] || fail "append rerun: exited 0 after a run that committed $committed rows and died"
  grep -q "stream \"public.$t\": run .* (started .*, abandoned) committed $committed rows before it stopped, and write_mode append would write them again; remove them and run with --from-scratch" \
    "$work/killed.stderr" || { fail "append rerun: no refusal naming $committed rows"; cat "$work/killed.stderr"; }
  [[ $(psql_q "$DST" "SELECT count(*) FROM public.$t") == "$committed" ]] || fail "append rerun: the table changed"
  statuses=$(psql_q "$DST" "SELECT string_agg(status, ',' ORDER BY started_at) FROM rbc_state.runs WHERE pipeline = '${pipeline}_killed'")
  [[ $statuses == abandoned,failed ]] || fail "append: run records are '$statuses', expected 'abandoned,failed'"
  psql_q "$DST" "TRUNCATE public.$t"
  run_rbc killed --from-scratch
  [[ $code == 0 ]] || { fail "append --from-scratch: exit $code"; cat "$work/killed.stderr"; }
  [[ $(count "$t") == "$rows $rows" ]] || fail "append --from-scratch: the table holds $(count "$t")"
  run_rbc killed
  [[ $code == 0 ]] || { fail "append after a success: exit $code"; cat "$work/killed.stderr"; }
fi
psql_q "$DST" "DROP TABLE public.$t"

# 5. The state store's connection is cut during the run.
write_pipeline restart full_refresh replace postgres "$t"
"$RBC" exec "$work/restart.yaml" > "$work/first.stdout" 2> "$work/first.stderr" &
first=$!
if wait_for "$copying"; then
  cut=$(psql_q "$DST" "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$dst_db'
    AND application_name LIKE 'rbc ${pipeline}_restart run %' AND query LIKE '%rbc_state%'")
  [[ $cut == 1 ]] || fail "state connection: terminated $cut backends, expected 1"
fi
first_succeeded "state connection"
status=$(psql_q "$DST" "SELECT string_agg(status, ',') FROM rbc_state.runs WHERE pipeline = '${pipeline}_restart'")
[[ $status == succeeded ]] || fail "state connection: the run is recorded as '$status', expected succeeded"
finish
