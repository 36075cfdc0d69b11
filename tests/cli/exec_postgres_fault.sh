#!/usr/bin/env bash
# rbc exec against a real server whose destination connection is killed mid-COPY
# (pg_terminate_backend from a second session, once rows are arriving):
#   1. incremental append, max_retries 0: the run fails with one error line naming the
#      stream, the partition and the SQLSTATE; the saved cursor equals the last committed
#      row (it never runs ahead of the data); a rerun completes with exactly the source rows;
#   2. full-refresh replace, max_retries 0: the run fails and the destination still holds
#      the previous rows, with no staging table left; a rerun gives exactly the new rows;
#   3. incremental append, max_retries 2: the connection error is retryable and nothing
#      was committed that a new attempt would repeat, so rbc retries from the last
#      checkpoint, says so, and the destination holds exactly the source rows.
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
src_table=rbc_fault_$$
dst_table=$src_table  # the destination database has its own table of the same name
pipeline=fault_$$
killer=""
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.$src_table"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.$dst_table;
  DELETE FROM rbc_state.cursors WHERE pipeline LIKE '${pipeline}%';
  DELETE FROM rbc_state.runs WHERE pipeline LIKE '${pipeline}%'"
trap '[[ -n $killer ]] && kill "$killer" 2> /dev/null || true; cleanup' EXIT

# A million rows of ~100 bytes: the COPY into the destination lasts a few seconds.
rows=1000000
psql_q "$SRC" "
CREATE TABLE public.$src_table (id bigint PRIMARY KEY, k int, payload text, at timestamptz);
INSERT INTO public.$src_table
SELECT g, g % 1000, md5(g::text) || md5((g * 7)::text), timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
FROM generate_series(1, $rows) g;"
digest_sql() { echo "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') FROM public.$1 t"; }
src_digest=$(psql_q "$SRC" "$(digest_sql "$src_table")")
dst_db=$(psql_q "$DST" "SELECT current_database()")

write_pipeline() {  # $1 = name suffix, $2 = sync mode, $3 = write mode, $4 = max_retries
  local stream_extra="" dest_extra=""
  [[ $2 == incremental ]] && stream_extra="
      cursor_field: id"
  [[ $3 == replace ]] && dest_extra="
  primary_key: [id]"
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: ${pipeline}_$1
source:
  use: postgres
  config: {url: "$SRC"}
  streams:
    - name: public.$src_table
      sync_mode: $2$stream_extra
destination:
  use: postgres
  config: {url: "$DST"}
  write_mode: $3$dest_extra
resources: {parallelism: 1, checkpoint_interval_rows: 100000, max_retries: $4}
state: {backend: postgres}
YAML
}

# Kills rbc's destination COPY into this test's table (tests running beside it write
# other tables) once `$1` (a query on the destination) returns true.
start_killer() {
  (
    for _ in $(seq 1 600); do
      ready=$(psql_q "$DST" "$1" 2> /dev/null || echo f)
      if [[ $ready == t ]]; then
        killed=$(psql_q "$DST" "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = '$dst_db' AND application_name = 'rbc' AND query LIKE 'COPY %FROM STDIN%'
            AND query LIKE '%$dst_table%'
            AND state = 'active' AND pid <> pg_backend_pid()) k" 2> /dev/null || echo 0)
        if [[ $killed != 0 ]]; then
          echo "killed $killed" > "$work/killed"
          exit 0
        fi
      fi
      sleep 0.05
    done
  ) &
  killer=$!
}
stop_killer() {
  wait "$killer" 2> /dev/null || true
  killer=""
}

run_rbc() {  # $1 = pipeline name; sets code
  set +e
  "$RBC" exec "$work/$1.yaml" --report "$work/$1.json" > "$work/$1.stdout" 2> "$work/$1.stderr"
  code=$?
  set -e
}

check_one_line_error() {  # $1 = label, $2 = stderr file
  local lines
  lines=$(grep -c '^rbc: error: ' "$2" || true)
  [[ $lines == 1 ]] || { fail "$1: expected one 'rbc: error:' line, got $lines"; cat "$2"; return; }
  echo "$1: $(grep '^rbc: error: ' "$2")"
  grep '^rbc: error: ' "$2" | grep -Eq "stream \"public\.$src_table\" partition 0: .*SQLSTATE [0-9A-Z]{5}" \
    || { fail "$1: the error does not name the stream, partition and SQLSTATE:"; grep '^rbc: error: ' "$2"; }
}

# 1. Incremental append, no retries: killed after the first checkpoint committed.
rm -f "$work/killed"
write_pipeline incremental incremental append 0
start_killer "SELECT EXISTS (SELECT 1 FROM public.$dst_table)"
run_rbc incremental
stop_killer
if [[ ! -f $work/killed ]]; then
  fail "incremental: the killer found no COPY to kill"
elif [[ $code == 0 ]]; then
  fail "incremental: rbc exec exited 0 although its connection was killed"
else
  check_one_line_error "incremental" "$work/incremental.stderr"
  # The saved cursor is the last committed row: ids 1..cursor, each once, nothing more.
  cursor=$(psql_q "$DST" "SELECT cursor_value FROM rbc_state.cursors WHERE pipeline = '${pipeline}_incremental'")
  committed=$(psql_q "$DST" "SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || max(id) FROM public.$dst_table")
  [[ -n $cursor && $committed == "$cursor $cursor $cursor" ]] \
    || fail "incremental: cursor '$cursor' does not match the committed rows (count, distinct, max: $committed)"
  ((cursor < rows)) || fail "incremental: the kill came after the last row ($cursor)"
  status=$(psql_q "$DST" "SELECT status || ' ' || rows_committed FROM rbc_state.runs WHERE pipeline = '${pipeline}_incremental'")
  [[ $status == "failed $cursor" ]] || fail "incremental: run record is '$status', expected 'failed $cursor'"
fi
run_rbc incremental
[[ $code == 0 ]] || { fail "incremental rerun: exit $code"; cat "$work/incremental.stderr"; }
dst_digest=$(psql_q "$DST" "$(digest_sql "$dst_table")")
[[ $dst_digest == "$src_digest" ]] || fail "incremental rerun: destination differs (src: $src_digest, dst: $dst_digest)"
psql_q "$DST" "DROP TABLE public.$dst_table"

# 2. Replace: the destination holds an older copy; the failed run leaves it untouched.
write_pipeline replace full_refresh replace 0
psql_q "$SRC" "UPDATE public.$src_table SET k = -1 WHERE id <= 10" > /dev/null
run_rbc replace
[[ $code == 0 ]] || { fail "replace (first copy): exit $code"; cat "$work/replace.stderr"; }
old_digest=$(psql_q "$DST" "$(digest_sql "$dst_table")")
psql_q "$SRC" "UPDATE public.$src_table SET k = id % 1000 WHERE id <= 10" > /dev/null
rm -f "$work/killed"
start_killer "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = '$dst_db'
  AND query LIKE 'COPY %_rbc_stage_$dst_table%FROM STDIN%' AND state = 'active')"
run_rbc replace
stop_killer
if [[ ! -f $work/killed ]]; then
  fail "replace: the killer found no COPY to kill"
elif [[ $code == 0 ]]; then
  fail "replace: rbc exec exited 0 although its connection was killed"
else
  check_one_line_error "replace" "$work/replace.stderr"
  after=$(psql_q "$DST" "$(digest_sql "$dst_table")")
  [[ $after == "$old_digest" ]] || fail "replace: the destination changed after a failed run ($old_digest -> $after)"
  staging=$(psql_q "$DST" "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename LIKE '\_rbc\_stage\_${dst_table}\_%'")
  [[ $staging == 0 ]] || fail "replace: a staging table was left behind"
fi
run_rbc replace
[[ $code == 0 ]] || { fail "replace rerun: exit $code"; cat "$work/replace.stderr"; }
dst_digest=$(psql_q "$DST" "$(digest_sql "$dst_table")")
[[ $dst_digest == "$src_digest" ]] || fail "replace rerun: destination differs (src: $src_digest, dst: $dst_digest)"
psql_q "$DST" "DROP TABLE public.$dst_table"

# 3. Incremental append with retries: one kill, one retry from the last checkpoint.
rm -f "$work/killed"
write_pipeline retried incremental append 2
start_killer "SELECT EXISTS (SELECT 1 FROM public.$dst_table)"
run_rbc retried
stop_killer
if [[ ! -f $work/killed ]]; then
  fail "retried: the killer found no COPY to kill"
else
  [[ $code == 0 ]] || { fail "retried: exit $code"; cat "$work/retried.stderr"; }
  grep -Eq 'retry 1/2 in [0-9.]+ s after [a-z]+ error' "$work/retried.stderr" \
    || { fail "retried: no retry was logged"; cat "$work/retried.stderr"; }
  grep -q '"retry_count": 1' "$work/retried.json" || fail "retried: the report does not count one retry"
  grep -q 'retry after attempt 1' "$work/retried.stdout" || fail "retried: the summary does not show the retry"
  echo "retried: $(grep -m1 'retry 1/2' "$work/retried.stderr")"
  dst_digest=$(psql_q "$DST" "$(digest_sql "$dst_table")")
  [[ $dst_digest == "$src_digest" ]] || fail "retried: destination differs (src: $src_digest, dst: $dst_digest)"
  status=$(psql_q "$DST" "SELECT status || ' ' || rows_committed || ' ' || retries FROM rbc_state.runs WHERE pipeline = '${pipeline}_retried'")
  [[ $status == "succeeded $rows 1" ]] || fail "retried: run record is '$status', expected 'succeeded $rows 1'"
fi

finish
