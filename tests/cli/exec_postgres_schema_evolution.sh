#!/usr/bin/env bash
# schema_evolution against a real server: the destination table exists with fewer
# columns than the stream. fail stops before writing anything, with one line naming the
# missing columns; ignore writes the columns the table has (also through upsert's
# staging table); add_columns (the default) adds the missing columns and writes them.
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
table=rbc_evolve_$$
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.$table"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.$table"

psql_q "$SRC" "CREATE TABLE public.$table (id bigint PRIMARY KEY, a text, b numeric(8,2), c date);
INSERT INTO public.$table SELECT g, 'a' || g, g / 4.0, date '2026-01-01' + g FROM generate_series(1, 100) g"
reset_destination() {
  psql_q "$DST" "DROP TABLE IF EXISTS public.$table; CREATE TABLE public.$table (id bigint PRIMARY KEY, a text)"
}
run() {  # $1 = schema_evolution, $2 = write_mode; sets $code
  cat > "$work/p.rbc" <<RBC
pipeline evolve {
  postgres(url: "$SRC").stream("public.$table")
      |> postgres(url: "$DST").table(write_mode: $2, primary_key: [id], schema_evolution: $1)
  resources { parallelism: 1 }
}
RBC
  set +e
  "$RBC" exec --no-catalog "$work/p.rbc" > "$work/out" 2> "$work/err"
  code=$?
  set -e
}
columns() { psql_q "$DST" "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '$table'"; }

reset_destination
run fail append
[[ $code == 1 ]] || fail "fail: exit $code, expected 1"
grep -q "^rbc: error: .*public\\.$table has no column b, c of the stream (schema_evolution: fail)" "$work/err" ||
  { fail "fail: message"; cat "$work/err"; }
[[ $(psql_q "$DST" "SELECT count(*) FROM public.$table") == 0 ]] || fail "fail: rows were written"
[[ $(columns) == "id,a" ]] || fail "fail: the table changed: $(columns)"

for mode in append upsert; do
  reset_destination
  run ignore "$mode"
  [[ $code == 0 ]] || { fail "ignore/$mode: exit $code"; cat "$work/err"; }
  [[ $(columns) == "id,a" ]] || fail "ignore/$mode: the table changed: $(columns)"
  [[ $(psql_q "$DST" "SELECT count(*) || ' ' || md5(string_agg(id || a, ',' ORDER BY id)) FROM public.$table") == \
     $(psql_q "$SRC" "SELECT count(*) || ' ' || md5(string_agg(id || a, ',' ORDER BY id)) FROM public.$table") ]] ||
    fail "ignore/$mode: rows differ"
done

reset_destination
run add_columns append
[[ $code == 0 ]] || { fail "add_columns: exit $code"; cat "$work/err"; }
[[ $(columns) == "id,a,b,c" ]] || fail "add_columns: columns are $(columns)"
digest="SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM public.$table t"
[[ $(psql_q "$DST" "$digest") == $(psql_q "$SRC" "$digest") ]] || fail "add_columns: rows differ"

finish "schema_evolution: fail, ignore (append and upsert) and add_columns behave"
