#!/usr/bin/env bash
# rbc exec, change data capture (sync_mode: cdc) against a real server, where the
# destination must equal the source after every run:
#   - the first run copies the table (in the slot's snapshot) and applies what changed since;
#     later runs apply inserts, updates (NULLs, a changed key, an unchanged TOAST value),
#     deletes and multi-statement transactions; a run with nothing new reads nothing; the
#     LSN is in rbc_state.cursors; types: numeric, timestamptz, date, bool, float8, bytea,
#     jsonb, uuid, arrays;
#   - TRUNCATE is applied (on_truncate: apply), or stops the run (on_truncate: fail);
#   - write_mode append keeps the change rows (_op, _lsn, _commit_ts);
#   - kill -9 of rbc at several points while changes arrive, and pg_terminate_backend of
#     its walsender: after a final run the destination equals the source, nothing lost
#     or applied twice;
#   - SIGINT stops a following run cleanly (exit 0, everything read is applied);
#   - a replication slot that vanished after a sync is an error that says so;
#   - rbc cdc status shows the slot; rbc cdc drop removes slot and publication and forgets
#     the position, and the next run copies the table again.
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
export PGTZ=UTC
t=rbc_cdc_$$
pipeline=cdc_$$
drop_slots_on_exit "$SRC" "rbc_${pipeline}%"
drop_on_exit "$SRC" "DROP PUBLICATION IF EXISTS dummy_$$"
drop_on_exit "$SRC" "DO \$\$ DECLARE p text; BEGIN FOR p IN SELECT pubname FROM pg_publication WHERE pubname LIKE 'rbc_${pipeline}%' LOOP EXECUTE 'DROP PUBLICATION ' || quote_ident(p); END LOOP; END \$\$"
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.${t}, public.${t}_k"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.${t}, public.${t}_k; DROP SCHEMA IF EXISTS ${t}_log CASCADE;
  DELETE FROM rbc_state.cursors WHERE pipeline LIKE '${pipeline}%';
  DELETE FROM rbc_state.runs WHERE pipeline LIKE '${pipeline}%'"

digest() {  # $1 = url, $2 = table
  psql_q "$1" "SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, ',' ORDER BY id)), '') FROM public.$2 x"
}
same_as_source() {  # $1 = label, $2 = table
  local src dst
  src=$(digest "$SRC" "$2")
  dst=$(digest "$DST" "$2")
  [[ $src == "$dst" ]] || fail "$1: destination differs from source (src: $src, dst: $dst)"
}

write_pipeline() {  # $1 = name, $2 = table, $3 = destination lines, $4 = extra source config
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: ${pipeline}_$1
source:
  use: postgres
  config: {url: "$SRC"${4:-}}
  streams:
    - name: public.$2
      sync_mode: cdc
destination:
  use: postgres
  config: {url: "$DST"}
$3
state:
  backend: postgres
resources:
  checkpoint_interval_rows: 200
YAML
}
run() {  # $1 = name, $2 = label; the run's output in $work/$1.out
  if ! "$RBC" exec "$work/$1.yaml" --until-caught-up > "$work/$1.out" 2>&1; then
    fail "$2: rbc exec failed"
    cat "$work/$1.out"
  fi
}
# run_fails NAME LABEL PATTERN: rbc exec --until-caught-up fails with a message matching PATTERN.
run_fails() {
  if "$RBC" exec "$work/$1.yaml" --until-caught-up > "$work/$1.out" 2>&1; then
    fail "$2: the run succeeded"
  elif ! grep -q "$3" "$work/$1.out"; then
    fail "$2: unexpected message"
    cat "$work/$1.out"
  fi
}
rows_read() { sed -n 's/.*rows read \([0-9]*\),.*/\1/p' "$work/$1.out" | head -n1; }

# --- copy, then changes, with many types -------------------------------------------------
ddl="(id int PRIMARY KEY, name text, price numeric(12,2), at timestamptz, day date, flag bool,
  ratio float8, blob bytea, doc jsonb, ident uuid, tags text[], big text)"
# big is stored out of line uncompressed, so an update that leaves it alone does not send it.
psql_q "$SRC" "CREATE TABLE public.$t $ddl; ALTER TABLE public.$t ALTER COLUMN big SET STORAGE EXTERNAL;
  INSERT INTO public.$t SELECT g, 'name ' || g, g * 1.25, '2024-01-01 00:00:00+00'::timestamptz + g * interval '17 minutes',
    '2024-01-01'::date + g, g % 3 = 0, g / 7.0, decode(md5(g::text), 'hex'), jsonb_build_object('g', g, 'odd', g % 2 = 1),
    md5(g::text)::uuid, ARRAY['a' || g, 'b'], CASE WHEN g <= 40 THEN repeat(md5(g::text), 400) END
  FROM generate_series(1, 3000) g" > /dev/null
psql_q "$DST" "CREATE TABLE public.$t $ddl" > /dev/null
write_pipeline main "$t" "  write_mode: upsert
  primary_key: [id]"
run main "first run"
same_as_source "first run (copy)" "$t"
[[ $(rows_read main) == 3001 ]] || fail "first run: read $(rows_read main) rows, expected 3000 and the truncate before them"
lsn=$(psql_q "$DST" "SELECT cursor_value FROM rbc_state.cursors WHERE pipeline = '${pipeline}_main'")
[[ $lsn =~ ^[0-9A-F]+/[0-9A-F]+$ ]] || fail "first run: no LSN saved in rbc_state.cursors (got '$lsn')"

psql_q "$SRC" "INSERT INTO public.$t (id, name, price) SELECT g, 'new ' || g, g FROM generate_series(3001, 3500) g;
  UPDATE public.$t SET price = price + 1, flag = NULL WHERE id % 3 = 0;
  DELETE FROM public.$t WHERE id % 10 = 0;
  UPDATE public.$t SET id = id + 100000 WHERE id IN (7, 11);
  UPDATE public.$t SET name = 'toast unchanged' WHERE id <= 30;
  BEGIN; INSERT INTO public.$t (id, name) VALUES (-1, 'in a transaction'); UPDATE public.$t SET name = NULL WHERE id = -1;
    DELETE FROM public.$t WHERE id = 5; INSERT INTO public.$t (id, name) VALUES (5, 'back again'); COMMIT" > /dev/null
run main "second run"
same_as_source "second run (changes)" "$t"
big=$(psql_q "$DST" "SELECT count(*) FROM public.$t WHERE id <= 30 AND big IS NOT NULL AND name = 'toast unchanged'")
[[ $big == 24 ]] || fail "unchanged TOAST values: $big rows kept their big value, expected 24"
run main "third run"
same_as_source "third run (nothing new)" "$t"
[[ $(rows_read main) == 0 ]] || fail "third run: read $(rows_read main) rows, expected none"

# --- truncate -----------------------------------------------------------------------------
psql_q "$SRC" "TRUNCATE public.$t; INSERT INTO public.$t (id, name) VALUES (1, 'after truncate'), (2, 'x')" > /dev/null
run main "after truncate"
same_as_source "on_truncate apply" "$t"

psql_q "$SRC" "CREATE TABLE public.${t}_k (id bigint PRIMARY KEY, v text);
  INSERT INTO public.${t}_k SELECT g, 'v' || g FROM generate_series(1, 100) g" > /dev/null
write_pipeline strict "${t}_k" "  write_mode: upsert
  primary_key: [id]" ", on_truncate: fail"
run strict "strict copy"
psql_q "$SRC" "TRUNCATE public.${t}_k" > /dev/null
run_fails strict "on_truncate fail" "was truncated (transaction at LSN .*), and on_truncate is fail"

# --- the change rows kept as rows ---------------------------------------------------------
psql_q "$SRC" "INSERT INTO public.${t}_k SELECT g, 'v' || g FROM generate_series(1, 10) g" > /dev/null
cat > "$work/log.yaml" <<YAML
version: "1.0"
pipeline: ${pipeline}_log
source:
  use: postgres
  config: {url: "$SRC"}
  streams:
    - name: public.${t}_k
      sync_mode: cdc
transforms:
  - use: sql
    config: {query: "SELECT id, v, _op, _lsn, _commit_ts FROM input WHERE _op <> 'truncate'"}
destination:
  use: postgres
  config: {url: "$DST", schema: ${t}_log}
  write_mode: append
state:
  backend: postgres
YAML
run log "change log copy"
psql_q "$SRC" "UPDATE public.${t}_k SET v = 'w' WHERE id <= 4; DELETE FROM public.${t}_k WHERE id > 8" > /dev/null
run log "change log"
got=$(psql_q "$DST" "SELECT string_agg(_op || '=' || n, ' ' ORDER BY _op) FROM (SELECT _op, count(*) n FROM ${t}_log.${t}_k GROUP BY _op) c")
[[ $got == "delete=2 insert=10 update=4" ]] || fail "change log: $got"
stamps=$(psql_q "$DST" "SELECT count(*) FROM ${t}_log.${t}_k WHERE _op <> 'insert' AND _commit_ts > now() - interval '1 hour' AND _lsn > 0")
[[ $stamps == 6 ]] || fail "change log: $stamps changes carry their commit time and LSN, expected 6"

# --- kill -9 and a terminated walsender while changes arrive -------------------------------
changes_in_background() {  # 40 transactions of inserts, updates and deletes, 50 ms apart
  psql "$SRC" -X -q -v ON_ERROR_STOP=1 > /dev/null <<SQL
DO \$\$ BEGIN
  FOR i IN 1..40 LOOP
    INSERT INTO public.$t (id, name, price) SELECT 10000 + i * 100 + g, 'kill ' || i, g FROM generate_series(1, 60) g;
    UPDATE public.$t SET price = coalesce(price, 0) + 1 WHERE id % 40 = i % 40;
    DELETE FROM public.$t WHERE id IN (SELECT id FROM public.$t WHERE id > 10000 ORDER BY id LIMIT 15);
    COMMIT;
    PERFORM pg_sleep(0.05);
  END LOOP;
END \$\$;
SQL
}
changes_in_background &
writer=$!
for delay in 0.3 0.8 1.3; do
  "$RBC" exec "$work/main.yaml" > "$work/killed.out" 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
done
"$RBC" exec "$work/main.yaml" > "$work/terminated.out" 2>&1 &
pid=$!
sleep 0.7
psql_q "$SRC" "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name LIKE 'rbc_${pipeline}_main%' AND active" > /dev/null
wait "$writer"
sleep 1
kill -INT "$pid" 2> /dev/null || true
wait "$pid" || true
run main "after the kills"
same_as_source "after kill -9 and a terminated walsender" "$t"

# --- SIGINT: a clean stop -----------------------------------------------------------------
"$RBC" exec "$work/main.yaml" > "$work/follow.out" 2>&1 &
pid=$!
sleep 1
psql_q "$SRC" "UPDATE public.$t SET name = 'while following' WHERE id % 5 = 1" > /dev/null
# A following run applies within resources.max_batch_lag; on a loaded machine it may start
# late, so wait (up to 30 s) for the update to arrive before stopping it.
want=$(psql_q "$SRC" "SELECT count(*) FROM public.$t WHERE name = 'while following'")
for _ in $(seq 1 150); do
  [[ $(psql_q "$DST" "SELECT count(*) FROM public.$t WHERE name = 'while following'") == "$want" ]] && break
  sleep 0.2
done
kill -INT "$pid"
if ! wait "$pid"; then
  fail "SIGINT: the run did not exit 0"
  cat "$work/follow.out"
fi
same_as_source "stopped by SIGINT" "$t"

# --- a slot that vanished -----------------------------------------------------------------
# (drop_slots waits for the stopped run's walsender to let the slot go.)
drop_slots "$SRC" "rbc_${pipeline}_main%"
run_fails main "vanished slot" "replication slot rbc_${pipeline}_main.* does not exist, but public.$t was applied up to LSN"

# --- rbc cdc status and drop ----------------------------------------------------------------
"$RBC" cdc drop "$work/main.yaml" > "$work/drop.out" 2>&1 || fail "cdc drop after the vanished slot failed"
run main "copy again"
same_as_source "copied again after rbc cdc drop" "$t"
"$RBC" cdc status "$work/main.yaml" > "$work/status.out" 2>&1 || fail "cdc status failed"
grep -qE "^public.$t: slot rbc_${pipeline}_main_${t}_[0-9a-f]{8}, confirmed up to [0-9A-F]+/[0-9A-F]+, retains .* of WAL; publication rbc_${pipeline}_main_" "$work/status.out" ||
  { fail "cdc status: unexpected output"; cat "$work/status.out"; }
"$RBC" cdc drop "$work/main.yaml" > "$work/drop.out" 2>&1 || fail "cdc drop failed"
grep -q "^public.$t: dropped slot rbc_${pipeline}_main_.*, dropped publication rbc_${pipeline}_main_" "$work/drop.out" ||
  { fail "cdc drop: unexpected output"; cat "$work/drop.out"; }
left=$(psql_q "$SRC" "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'rbc_${pipeline}_main%'")
left=$left/$(psql_q "$SRC" "SELECT count(*) FROM pg_publication WHERE pubname LIKE 'rbc_${pipeline}_main%'")
left=$left/$(psql_q "$DST" "SELECT count(*) FROM rbc_state.cursors WHERE pipeline = '${pipeline}_main'")
[[ $left == 0/0/0 ]] || fail "cdc drop left slot/publication/position: $left"
finish
