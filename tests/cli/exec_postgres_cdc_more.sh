#!/usr/bin/env bash
# rbc exec, change data capture against a real server, beyond exec_postgres_cdc.sh:
#   - a file destination (JSON Lines, append) keeps the change rows of each run;
#   - a keyed aggregation (GROUP BY _op) consumes change rows, into a CSV file;
#   - kill -9 during the initial copy, then a new run: the destination equals the source;
#   - a column added to the source table while a run follows it: with schema_evolution
#     add_columns the run starts again, adds the column to the destination and applies its
#     values; with fail it stops with an error naming the column and the table;
#   - max_slot_wal: rbc cdc status and rbc check flag a slot that holds more WAL, and a run
#     whose lag goes past it warns.
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
export PGTZ=UTC
t=rbc_cdcm_$$
pipeline=cdcm_$$
drop_slots_on_exit "$SRC" "rbc_${pipeline}%"
drop_on_exit "$SRC" "DO \$\$ DECLARE p text; BEGIN FOR p IN SELECT pubname FROM pg_publication WHERE pubname LIKE 'rbc_${pipeline}%' LOOP EXECUTE 'DROP PUBLICATION ' || quote_ident(p); END LOOP; END \$\$"
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.$t, public.${t}_big, public.${t}_s, public.${t}_f"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.$t, public.${t}_big, public.${t}_s, public.${t}_f;
  DELETE FROM rbc_state.cursors WHERE pipeline LIKE '${pipeline}%'; DELETE FROM rbc_state.runs WHERE pipeline LIKE '${pipeline}%'"

digest() {  # $1 = url, $2 = table
  psql_q "$1" "SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, ',' ORDER BY id)), '') FROM public.$2 x"
}
same_as_source() {  # $1 = label, $2 = table
  local src dst
  src=$(digest "$SRC" "$2")
  dst=$(digest "$DST" "$2")
  [[ $src == "$dst" ]] || fail "$1: destination differs from source (src: $src, dst: $dst)"
}
# write_pipeline NAME TABLE DESTINATION [TRANSFORMS] [SOURCE CONFIG]: $work/NAME.yaml
write_pipeline() {
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: ${pipeline}_$1
source:
  use: postgres
  config: {url: "$SRC"${5:-}}
  streams:
    - name: public.$2
      sync_mode: cdc
${4:-}
destination:
$3
state:
  backend: postgres
  config: {url: "$DST"}
YAML
}
run() {  # $1 = name, $2 = label
  if ! "$RBC" exec "$work/$1.yaml" --until-caught-up > "$work/$1.out" 2>&1; then
    fail "$2: rbc exec failed"
    cat "$work/$1.out"
  fi
}

# --- change rows into a file, and a GROUP BY over them --------------------------------------
psql_q "$SRC" "CREATE TABLE public.$t (id int PRIMARY KEY, v text);
  INSERT INTO public.$t SELECT g, 'v' || g FROM generate_series(1, 20) g" > /dev/null
write_pipeline jsonl "$t" "  use: file
  config: {path: $work/jsonl/, format: jsonl}
  write_mode: append"
write_pipeline by_op "$t" "  use: file
  config: {path: $work/csv/, format: csv}
  write_mode: append" "transforms:
  - use: sql
    config: {query: \"SELECT _op, COUNT(*) AS n FROM input GROUP BY _op\"}"
run jsonl "jsonl copy"
run by_op "by_op copy"
psql_q "$SRC" "INSERT INTO public.$t SELECT g, 'w' || g FROM generate_series(21, 25) g;
  UPDATE public.$t SET v = 'x' WHERE id <= 3; DELETE FROM public.$t WHERE id IN (4, 5)" > /dev/null
run jsonl "jsonl changes"
run by_op "by_op changes"
file=$(ls "$work"/jsonl/*)
ops=$(grep -o '"_op":"[a-z]*"' "$file" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
[[ $ops == '"_op":"delete"=2 "_op":"insert"=25 "_op":"truncate"=1 "_op":"update"=3 ' ]] ||
  fail "jsonl: change rows by _op: $ops"
grep -q '"id":1,"v":"x","_op":"update","_lsn":[0-9]*,"_commit_ts":"20' "$file" ||
  { fail "jsonl: the update of id 1"; grep '"id":1,' "$file"; }
csv=$(ls "$work"/csv/*)
got=$(grep -v '^_op,' "$csv" | sort | tr '\n' ' ')
# The copy's run: 20 inserts and the truncate before them; the second run: its changes.
[[ $got == "delete,2 insert,20 insert,5 truncate,1 update,3 " ]] || fail "GROUP BY _op: $got"

# --- kill -9 during the initial copy --------------------------------------------------------
psql_q "$SRC" "CREATE TABLE public.${t}_big (id int PRIMARY KEY, pad text);
  INSERT INTO public.${t}_big SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 400000) g" > /dev/null
write_pipeline big "${t}_big" "  use: postgres
  config: {url: \"$DST\"}
  write_mode: upsert
  primary_key: [id]"
"$RBC" exec "$work/big.yaml" --until-caught-up > "$work/killed.out" 2>&1 &
pid=$!
# Killed once the copy has written something (the destination's rows are in an open
# transaction, so wait for the table's size to grow), or after 20 s.
for _ in $(seq 1 100); do
  size=$(psql_q "$DST" "SELECT coalesce(pg_total_relation_size(to_regclass('public.${t}_big')), 0)")
  ((size > 2000000)) && break
  sleep 0.2
done
kill -9 "$pid" 2> /dev/null || fail "kill -9 during the copy: the run had already ended"
wait "$pid" 2> /dev/null || true
psql_q "$SRC" "UPDATE public.${t}_big SET pad = 'changed' WHERE id % 1000 = 0; DELETE FROM public.${t}_big WHERE id > 399000" > /dev/null
run big "after kill -9 during the copy"
same_as_source "kill -9 during the copy, then a run" "${t}_big"

# --- a column added while a run follows the table --------------------------------------------
# follow NAME: starts a following run in the background (its pid in $pid).
follow() { "$RBC" exec "$work/$1.yaml" > "$work/$1.out" 2>&1 & pid=$!; }
wait_for() {  # $1 = label, $2 = sql on the destination, $3 = expected value
  for _ in $(seq 1 150); do
    [[ $(psql_q "$DST" "$2" 2> /dev/null) == "$3" ]] && return 0
    sleep 0.2
  done
  fail "$1: the destination did not reach '$3' for: $2"
  return 1
}
for mode in add_columns fail; do
  table=${t}_s
  [[ $mode == fail ]] && table=${t}_f
  psql_q "$SRC" "CREATE TABLE public.$table (id int PRIMARY KEY, a text);
    INSERT INTO public.$table SELECT g, 'a' || g FROM generate_series(1, 10) g" > /dev/null
  write_pipeline "$mode" "$table" "  use: postgres
  config: {url: \"$DST\"}
  write_mode: upsert
  primary_key: [id]
  schema_evolution: $mode"
  follow "$mode"
  wait_for "$mode: copy" "SELECT count(*) FROM public.$table" 10 || true
  psql_q "$SRC" "INSERT INTO public.$table VALUES (11, 'before')" > /dev/null
  psql_q "$SRC" "ALTER TABLE public.$table ADD COLUMN c int;
    INSERT INTO public.$table VALUES (12, 'after', 5); UPDATE public.$table SET c = 7 WHERE id <= 2" > /dev/null
  if [[ $mode == add_columns ]]; then
    wait_for "add_columns" "SELECT count(*) || ' ' || coalesce(sum(c), 0) FROM public.$table" "12 19" || cat "$work/$mode.out"
    psql_q "$SRC" "UPDATE public.$table SET c = 1, a = 'later' WHERE id = 10" > /dev/null
    wait_for "add_columns, a later change" "SELECT a || c FROM public.$table WHERE id = 10" "later1" || true
    kill -INT "$pid"
    wait "$pid" || { fail "add_columns: the run did not stop cleanly"; cat "$work/$mode.out"; }
    same_as_source "add_columns: a column added while following" "$table"
    grep -q "column \"c\" was added to public.$table .*compiling the pipeline again" "$work/$mode.out" ||
      { fail "add_columns: no warning"; cat "$work/$mode.out"; }
  else
    for _ in $(seq 1 150); do
      kill -0 "$pid" 2> /dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2> /dev/null; then
      fail "schema_evolution fail: the run still follows"
      kill -INT "$pid"
    fi
    code=0
    wait "$pid" || code=$?
    [[ $code == 1 ]] || fail "schema_evolution fail: exit $code, expected 1"
    grep -q "^rbc: error: .*public\.$table has no column c of the stream (schema_evolution: fail)" "$work/$mode.out" ||
      { fail "schema_evolution fail: message"; cat "$work/$mode.out"; }
    [[ $(psql_q "$DST" "SELECT count(*) FROM public.$table") == 11 ]] ||
      fail "schema_evolution fail: the changes before the new column are not all applied"
  fi
done

# --- max_slot_wal ----------------------------------------------------------------------------
write_pipeline limited "$t" "  use: postgres
  config: {url: \"$DST\"}
  write_mode: upsert
  primary_key: [id]" "" ", max_slot_wal: 1kb"
run limited "max_slot_wal copy"
psql_q "$SRC" "INSERT INTO public.$t SELECT g, repeat('z', 200) FROM generate_series(1000, 3000) g" > /dev/null
"$RBC" cdc status "$work/limited.yaml" > "$work/status.out" 2>&1 || fail "cdc status failed"
grep -q "^public.$t: slot .*, retains .* of WAL (OVER max_slot_wal 1024 bytes: " "$work/status.out" ||
  { fail "cdc status: no max_slot_wal flag"; cat "$work/status.out"; }
code=0
"$RBC" check "$work/limited.yaml" > "$work/check.out" 2>&1 || code=$?
[[ $code == 1 ]] || fail "rbc check over max_slot_wal: exit $code, expected 1"
grep -q "replication slot rbc_${pipeline}_limited.* retains .* of WAL.*more than max_slot_wal (1024 bytes)" "$work/check.out" ||
  { fail "rbc check: no max_slot_wal line"; cat "$work/check.out"; }
# A run whose lag goes past max_slot_wal says so (the backlog takes it well over 1 s to apply).
psql_q "$SRC" "INSERT INTO public.$t SELECT g, repeat('y', 200) FROM generate_series(10000, 400000) g" > /dev/null
run limited "max_slot_wal changes"
grep -q "warn.*cdc stream=\"public.$t\": the replication slot holds .* of WAL, more than max_slot_wal (1.0 KiB)" "$work/limited.out" ||
  { fail "no max_slot_wal warning during the run"; cat "$work/limited.out"; }
same_as_source "max_slot_wal" "$t"
finish "cdc: file destination, GROUP BY _op, kill -9 during the copy, schema changes, max_slot_wal"
