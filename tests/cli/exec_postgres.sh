#!/usr/bin/env bash
# rbc exec: PostgreSQL -> PostgreSQL full refresh against a real server. The destination
# holds exactly the source rows with parallelism 1 and 4, in append and replace mode,
# replace run twice leaves no duplicates, and a wrong password fails with a one-line
# error that does not contain the password.
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
table=rbc_e2e_$$
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.$table, public.${table}_nopk"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.$table"

psql_q "$SRC" "
CREATE TABLE public.$table (
  id bigint PRIMARY KEY,
  n int,
  s text,
  amount numeric(12,2),
  x float8,
  flag bool,
  at timestamptz
);
INSERT INTO public.$table
SELECT g,
       CASE WHEN g % 7 = 0 THEN NULL ELSE (g * 37) % 100000 - 50000 END,
       CASE WHEN g % 11 = 0 THEN NULL WHEN g % 13 = 0 THEN '' ELSE 'row ' || g || E' \"q\",\\\\x' END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE round(((g * 7919) % 1000000)::numeric / 100 - 5000, 2) END,
       CASE WHEN g % 9 = 0 THEN NULL ELSE g / 3.0 - 1000.125 END,
       CASE WHEN g % 4 = 0 THEN NULL ELSE g % 2 = 0 END,
       CASE WHEN g % 6 = 0 THEN NULL ELSE timestamptz '2020-01-01 00:00:00+00' + g * interval '1 minute 1.5 second' END
FROM generate_series(1, 5000) g;
"
digest_sql="SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') FROM public.$table t"
src_digest=$(psql_q "$SRC" "$digest_sql")

write_pipeline() {  # $1 = parallelism, $2 = write mode, $3 = source url, $4 = file
  local key=""
  [[ $2 == replace ]] && key="
  primary_key: [id]"
  cat > "$4" <<YAML
version: "1.0"
pipeline: exec_postgres
source:
  use: postgres
  config: {url: "$3"}
  streams:
    - name: public.$table
      sync_mode: full_refresh
      partition_key: id
destination:
  use: postgres
  config: {url: "$DST"}
  write_mode: $2$key
resources: {parallelism: $1}
YAML
}

run_and_check() {  # $1 = parallelism, $2 = write mode, $3 = label
  write_pipeline "$1" "$2" "$SRC" "$work/p.yaml"
  if ! "$RBC" exec "$work/p.yaml" > "$work/stdout" 2> "$work/stderr"; then
    fail "$3: rbc exec exited non-zero"; cat "$work/stderr"; return
  fi
  local dst_digest
  dst_digest=$(psql_q "$DST" "$digest_sql" 2>&1) || true
  if [[ $dst_digest != "$src_digest" ]]; then
    fail "$3: destination differs from source (src: $src_digest, dst: $dst_digest)"
  fi
}

# Append into a fresh destination (rbc creates the table), with parallelism 1 and 4.
run_and_check 1 append "append, parallelism 1"
psql_q "$DST" "TRUNCATE public.$table" > /dev/null
run_and_check 4 append "append, parallelism 4"

# Replace twice: the second run swaps in a fresh copy, no duplicates, and the table
# keeps the primary key declared on the destination.
run_and_check 1 replace "replace, parallelism 1"
run_and_check 4 replace "replace, parallelism 4 (second replace)"
dups=$(psql_q "$DST" "SELECT count(*) - count(DISTINCT id) FROM public.$table")
[[ $dups == 0 ]] || fail "replace run twice left $dups duplicate ids"
pk=$(psql_q "$DST" "SELECT count(*) FROM pg_catalog.pg_constraint WHERE conrelid = 'public.$table'::regclass AND contype = 'p'")
[[ $pk == 1 ]] || fail "replace run twice: the destination has no primary key (id)"

# Without partition_key and without the catalog check, the reader partitions by the
# table's integer primary key; a table without one is a one-line error, never a guess.
psql_q "$DST" "TRUNCATE public.$table" > /dev/null
write_pipeline 4 append "$SRC" "$work/nokey.yaml"
sed -i '/partition_key: id/d' "$work/nokey.yaml"
if "$RBC" exec --no-catalog "$work/nokey.yaml" > "$work/stdout" 2> "$work/stderr"; then
  [[ $(psql_q "$DST" "$digest_sql") == "$src_digest" ]] || fail "no partition_key: destination differs from source"
  grep -Eq 'source postgres .* x[2-9]' "$work/stdout" || fail "no partition_key: not read in partitions"
else
  fail "no partition_key: rbc exec failed"; cat "$work/stderr"
fi
psql_q "$SRC" "CREATE TABLE public.${table}_nopk AS SELECT * FROM public.$table" > /dev/null
sed "s/public\.$table\b/public.${table}_nopk/" "$work/nokey.yaml" > "$work/nopk.yaml"
if "$RBC" exec --no-catalog "$work/nopk.yaml" > "$work/stdout" 2> "$work/stderr"; then
  fail "no primary key and no partition_key: rbc exec succeeded"
fi
grep -q "^rbc: error: .*has no partition_key and no single-column integer primary key" "$work/stderr" ||
  { fail "no primary key: unexpected error"; cat "$work/stderr"; }
psql_q "$SRC" "DROP TABLE public.${table}_nopk" > /dev/null

# A wrong password: non-zero exit, a one-line error, and the password is not echoed.
bad_password=wrong-pw-$$-Zq9
bad_url=$(sed -E "s#^(postgres(ql)?://[^:/@]+):[^@]*@#\\1:$bad_password@#" <<< "$SRC")
if [[ $bad_url != *"$bad_password"* ]]; then
  fail "cannot put a password into $SRC"
else
  write_pipeline 1 append "$bad_url" "$work/bad.yaml"
  set +e
  "$RBC" exec "$work/bad.yaml" > "$work/bad.stdout" 2> "$work/bad.stderr"
  code=$?
  set -e
  errors=$(grep -ci 'error' "$work/bad.stderr" || true)
  grep -q '^rbc: error: ' "$work/bad.stderr" || errors=0
  if [[ $code == 0 ]]; then
    fail "wrong password: rbc exec exited 0"
  fi
  if [[ $errors != 1 ]]; then
    fail "wrong password: expected one error line, got $errors:"; cat "$work/bad.stderr"
  fi
  if grep -qF "$bad_password" "$work/bad.stdout" "$work/bad.stderr"; then
    fail "wrong password: the password appears in rbc's output"
  fi
  if ! grep -qi 'password\|authentication' "$work/bad.stderr"; then
    fail "wrong password: the error does not say what went wrong:"; cat "$work/bad.stderr"
  fi
fi

finish
