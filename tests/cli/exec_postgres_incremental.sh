#!/usr/bin/env bash
# rbc exec incremental syncs and upserts against a real server:
#   - by integer id (state in rbc_state of the destination, checkpoints every 300 rows):
#     the second run reads only the new rows, the cursor in rbc_state.cursors is the
#     last id, the run records say succeeded with their row counts;
#   - by timestamp without a tie-breaker (many rows share a timestamp, small batches),
#     upsert: the second run reads only rows changed or added after the cursor, the
#     updated row is updated, no duplicates;
#   - by timestamp with a tie-breaker, state in a JSON file;
#   - full-refresh upsert run twice after updating a source row;
#   - an unreachable server and a missing table: one error line, non-zero exit (a missing
#     table is a located error first, from the catalog check; one run line with --no-catalog).
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
export PGTZ=UTC
table=rbc_inc_$$
pipeline=inc_$$
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.$table"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.$table;
  DELETE FROM rbc_state.cursors WHERE pipeline LIKE '${pipeline}%';
  DELETE FROM rbc_state.runs WHERE pipeline LIKE '${pipeline}%'"

digest_sql="SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') FROM public.$table t"
same_as_source() {  # $1 = label
  local src dst
  src=$(psql_q "$SRC" "$digest_sql")
  dst=$(psql_q "$DST" "$digest_sql")
  [[ $src == "$dst" ]] || fail "$1: destination differs from source (src: $src, dst: $dst)"
}
reset_tables() {
  psql_q "$SRC" "DROP TABLE IF EXISTS public.$table" > /dev/null
  psql_q "$DST" "DROP TABLE IF EXISTS public.$table" > /dev/null
}

write_pipeline() {  # $1 = name, $2 = stream lines, $3 = write mode, $4 = state block
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: ${pipeline}_$1
source:
  use: postgres
  config: {url: "$SRC"}
  streams:
    - name: public.$table
$2
destination:
  use: postgres
  config: {url: "$DST"}
  write_mode: $3
  primary_key: [id]
resources: {max_batch_bytes: 64KiB, checkpoint_interval_rows: 300}
state: $4
YAML
}

run_rbc() {  # $1 = name, $2 = label
  if ! "$RBC" exec "$work/$1.yaml" --report "$work/$1.json" > "$work/$1.stdout" 2> "$work/$1.stderr"; then
    fail "$2: rbc exec exited non-zero"
    cat "$work/$1.stderr"
  fi
}
rows_read() { grep -m1 '"rows_read"' "$work/$1.json" | tr -dc '0-9'; }

# --- by integer id, state in rbc_state of the destination ---------------------------
reset_tables
psql_q "$SRC" "CREATE TABLE public.$table (id bigint PRIMARY KEY, v text);
INSERT INTO public.$table SELECT g, 'row ' || g FROM generate_series(1, 5000) g"
write_pipeline by_id "      sync_mode: incremental
      cursor_field: id" append "{backend: postgres}"
run_rbc by_id "by id, first run"
[[ $(rows_read by_id) == 5000 ]] || fail "by id, first run: read $(rows_read by_id) rows, expected 5000"
psql_q "$SRC" "INSERT INTO public.$table SELECT g, 'new ' || g FROM generate_series(5001, 5700) g"
run_rbc by_id "by id, second run"
[[ $(rows_read by_id) == 700 ]] || fail "by id, second run: read $(rows_read by_id) rows, expected 700"
same_as_source "by id"
cursor=$(psql_q "$DST" "SELECT cursor_value || '|' || coalesce(tie_breaker_value, '-') FROM rbc_state.cursors
  WHERE pipeline = '${pipeline}_by_id' AND stream = 'public.$table'")
[[ $cursor == "5700|-" ]] || fail "by id: saved cursor is '$cursor', expected 5700"
runs=$(psql_q "$DST" "SELECT string_agg(status || ':' || rows_committed, ',' ORDER BY started_at) FROM rbc_state.runs
  WHERE pipeline = '${pipeline}_by_id'")
[[ $runs == "succeeded:5000,succeeded:700" ]] || fail "by id: run records are '$runs'"
checkpoints=$(psql_q "$DST" "SELECT max(checkpoints) FROM rbc_state.runs WHERE pipeline = '${pipeline}_by_id'")
((checkpoints > 1)) || fail "by id: expected several checkpoints, got $checkpoints"
run_rbc by_id "by id, third run (nothing new)"
[[ $(rows_read by_id) == 0 ]] || fail "by id, third run: read $(rows_read by_id) rows, expected 0"

# --- by timestamp, no tie-breaker, upsert -------------------------------------------
# Seven rows share each timestamp, and batches of 64 KiB end inside such groups.
reset_tables
psql_q "$SRC" "CREATE TABLE public.$table (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, v text);
INSERT INTO public.$table
SELECT g, timestamptz '2024-01-01 00:00:00+00' + (g / 7) * interval '1 second', repeat('x', 40) || g
FROM generate_series(1, 20000) g"
write_pipeline by_ts "      sync_mode: incremental
      cursor_field: updated_at" upsert "{backend: postgres}"
run_rbc by_ts "by timestamp, first run"
[[ $(rows_read by_ts) == 20000 ]] || fail "by timestamp, first run: read $(rows_read by_ts) rows"
# One row changes (its timestamp moves past the cursor), 30 are added, some of them
# sharing the changed row's timestamp.
psql_q "$SRC" "UPDATE public.$table SET v = 'changed', updated_at = timestamptz '2024-02-01 00:00:00+00' WHERE id = 42;
INSERT INTO public.$table SELECT g, timestamptz '2024-02-01 00:00:00+00' + (g % 3) * interval '1 second', 'new'
FROM generate_series(20001, 20030) g"
run_rbc by_ts "by timestamp, second run"
[[ $(rows_read by_ts) == 31 ]] || fail "by timestamp, second run: read $(rows_read by_ts) rows, expected 31"
same_as_source "by timestamp"
[[ $(psql_q "$DST" "SELECT v FROM public.$table WHERE id = 42") == changed ]] || fail "by timestamp: row 42 not updated"
[[ $(psql_q "$DST" "SELECT count(*) - count(DISTINCT id) FROM public.$table") == 0 ]] || fail "by timestamp: duplicates"
saved=$(psql_q "$DST" "SELECT cursor_value::timestamptz FROM rbc_state.cursors WHERE pipeline = '${pipeline}_by_ts'")
expected=$(psql_q "$SRC" "SELECT max(updated_at) FROM public.$table")
[[ -n $saved && $saved == "$expected" ]] || fail "by timestamp: saved cursor '$saved', expected '$expected'"

# --- by timestamp with a tie-breaker, state in a JSON file ---------------------------
psql_q "$DST" "TRUNCATE public.$table" > /dev/null
write_pipeline by_ts_tie "      sync_mode: incremental
      cursor_field: updated_at
      tie_breaker_field: id" append "{backend: file, config: {path: $work/state.json}}"
run_rbc by_ts_tie "tie-breaker, first run"
psql_q "$SRC" "INSERT INTO public.$table SELECT g, timestamptz '2024-02-01 00:00:02+00', 'tie'
FROM generate_series(20031, 20040) g"
run_rbc by_ts_tie "tie-breaker, second run"
[[ $(rows_read by_ts_tie) == 10 ]] || fail "tie-breaker, second run: read $(rows_read by_ts_tie) rows, expected 10"
same_as_source "tie-breaker"
grep -q '"tie_breaker_value": "20040"' "$work/state.json" || { fail "tie-breaker: state file lacks the position"; cat "$work/state.json"; }
grep -q '"status": "succeeded"' "$work/state.json" || fail "tie-breaker: state file lacks the run records"

# --- full-refresh upsert run twice after updating a source row -----------------------
psql_q "$DST" "TRUNCATE public.$table" > /dev/null
write_pipeline upsert "      sync_mode: full_refresh
      partition_key: id" upsert "{backend: none}"
run_rbc upsert "upsert, first run"
psql_q "$SRC" "UPDATE public.$table SET v = 'updated again' WHERE id = 7"
run_rbc upsert "upsert, second run"
same_as_source "upsert twice"
[[ $(psql_q "$DST" "SELECT v FROM public.$table WHERE id = 7") == "updated again" ]] || fail "upsert: row 7 not updated"

# --- one-line errors ------------------------------------------------------------------
expect_error() {  # $1 = name, $2 = label, $3 = regex the error line must match, then exec options
  set +e
  "$RBC" exec "$work/$1.yaml" "${@:4}" > "$work/$1.stdout" 2> "$work/$1.stderr"
  local code=$?
  set -e
  [[ $code != 0 ]] || fail "$2: rbc exec exited 0"
  local lines
  lines=$(grep -c '^rbc: error: ' "$work/$1.stderr" || true)
  [[ $lines == 1 ]] || { fail "$2: expected one error line, got $lines"; cat "$work/$1.stderr"; }
  grep '^rbc: error: ' "$work/$1.stderr" | grep -Eq "$3" || { fail "$2: unexpected error"; cat "$work/$1.stderr"; }
}
write_pipeline missing "      sync_mode: full_refresh" append "{backend: none}"
sed -i "s/public\.$table/public.${table}_missing/" "$work/missing.yaml"
# Checked against the catalog before the run: a located error in the pipeline (exit 2) ...
set +e
"$RBC" exec "$work/missing.yaml" > /dev/null 2> "$work/missing.located"
code=$?
set -e
[[ $code == 2 ]] || fail "missing table: exit $code with the catalog check, expected 2"
grep -Eq "missing\.yaml:7:13: error: table public\.${table}_missing does not exist" "$work/missing.located" ||
  { fail "missing table: no located error"; cat "$work/missing.located"; }
# ... and without it, the run's one error line.
expect_error missing "missing table" "table public\.${table}_missing does not exist" --no-catalog
unreachable=$(sed -E 's#@[^/:]+(:[0-9]+)?/#@127.0.0.1:1/#' <<< "$SRC")
write_pipeline unreachable "      sync_mode: full_refresh" append "{backend: none}"
sed -i "s#$SRC#$unreachable#; s/checkpoint_interval_rows: 300}/checkpoint_interval_rows: 300, max_retries: 1}/" "$work/unreachable.yaml"
expect_error unreachable "unreachable server" "cannot connect to .*127\.0\.0\.1:1.*SQLSTATE 08001, connection, retryable"
# A refused connection may be a server restarting: it is retried, then reported.
grep -q 'retry 1/1 in 1.0 s after connection error' "$work/unreachable.stderr" || fail "unreachable server: no retry logged"

finish
