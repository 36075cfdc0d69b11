#!/usr/bin/env bash
# rbc discover against a real server: the text listing of a schema with two tables
# (several types, a primary key, an analyzed and a never-analyzed table) line by line,
# the same as JSON checked with jq, and a wrong password: exit 1, one line, no password.
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
schema=rbc_discover_$$
drop_on_exit "$SRC" "DROP SCHEMA IF EXISTS $schema CASCADE"

psql_q "$SRC" "
CREATE SCHEMA $schema;
CREATE TABLE $schema.orders (
  id bigint PRIMARY KEY,
  customer text NOT NULL,
  amount numeric(12,2),
  placed_at timestamptz,
  paid boolean,
  code char(3),
  tags text[]
);
INSERT INTO $schema.orders SELECT g, 'c' || g, g * 1.5, now(), true, 'abc', '{x}' FROM generate_series(1, 3) g;
ANALYZE $schema.orders;
CREATE TABLE $schema.pairs (a int, b smallint, note varchar(20), PRIMARY KEY (b, a));
"

write_pipeline() {  # $1 = source url, $2 = file
  cat > "$2" <<YAML
version: "1.0"
pipeline: discover_postgres
source:
  use: postgres
  config: {url: "$1", schema: $schema}
  streams:
    - name: orders
destination:
  use: file
  config: {path: $work/out/}
YAML
}
write_pipeline "$SRC" "$work/p.yaml"

# Port and schema vary from run to run; the rest is exact.
port=$(sed -E 's#.*:([0-9]+)/.*#\1#' <<< "$SRC")
normalise() { sed -e "s/:$port\\//:PORT\\//g" -e "s/port $port /port PORT /g" -e "s/$schema/SCHEMA/g"; }

if ! "$RBC" discover "$work/p.yaml" > "$work/text" 2> "$work/text.err"; then
  fail "rbc discover exited non-zero"; cat "$work/text.err"
fi
cat > "$work/expected" <<'EOF'
source postgres rbc@127.0.0.1:PORT/rbc_src, schema SCHEMA: 2 tables

table SCHEMA.orders: ~3 rows, primary key (id)
  column     type                      nullable  rbc type       key
  id         bigint                    no        int64          PK
  customer   text                      no        text
  amount     numeric(12,2)             yes       decimal(12,2)
  placed_at  timestamp with time zone  yes       timestamptz
  paid       boolean                   yes       bool
  code       character(3)              yes       text
  tags       text[]                    yes       text

table SCHEMA.pairs: rows unknown (never analyzed), primary key (b, a)
  column  type                   nullable  rbc type  key
  a       integer                no        int32     PK
  b       smallint               no        int16     PK
  note    character varying(20)  yes       text
EOF
if ! diff -u "$work/expected" <(normalise < "$work/text"); then fail "discover text differs"; fi

# --json: the same facts for machines.
if ! "$RBC" discover "$work/p.yaml" --json > "$work/json" 2> "$work/json.err"; then
  fail "rbc discover --json exited non-zero"; cat "$work/json.err"
fi
jq_check() {  # $1 = jq expression that must be true, $2 = what it checks
  jq -e "$1" "$work/json" > /dev/null || fail "discover --json: $2"
}
jq_check '.source == {"connector": "postgres", "database": "rbc@127.0.0.1:'"$port"'/rbc_src", "schema": "'"$schema"'"}' "source"
jq_check '[.tables[].name] == ["'"$schema"'.orders", "'"$schema"'.pairs"]' "table names"
jq_check '.tables[0].row_estimate == 3 and .tables[1].row_estimate == null' "row estimates"
jq_check '.tables[0].primary_key == ["id"] and .tables[1].primary_key == ["b", "a"]' "primary keys"
jq_check '.tables[0].columns[0] == {"name": "id", "rbc_type": "int64", "nullable": false, "type": "bigint", "primary_key": true}' "column id"
jq_check '.tables[0].columns[2] == {"name": "amount", "rbc_type": "decimal(12,2)", "nullable": true, "type": "numeric(12,2)", "primary_key": false}' "column amount"
jq_check '[.tables[0].columns[].name] == ["id", "customer", "amount", "placed_at", "paid", "code", "tags"]' "column order"

# A wrong password: exit 1, one line on stderr, nothing on stdout, the password not shown.
bad_password=wrong-pw-$$-Zq9
bad_url=$(sed -E "s#^(postgres(ql)?://[^:/@]+):[^@]*@#\\1:$bad_password@#" <<< "$SRC")
write_pipeline "$bad_url" "$work/bad.yaml"
set +e
"$RBC" discover "$work/bad.yaml" > "$work/bad.out" 2> "$work/bad.err"
code=$?
set -e
[[ $code == 1 ]] || fail "wrong password: exit $code, expected 1"
[[ $(wc -l < "$work/bad.err") == 1 ]] || { fail "wrong password: expected one line:"; cat "$work/bad.err"; }
[[ ! -s $work/bad.out ]] || fail "wrong password: something on stdout"
grep -qF "$bad_password" "$work/bad.out" "$work/bad.err" && fail "wrong password: the password is shown"
expected_err="rbc: error: postgres: cannot connect to rbc@127.0.0.1:PORT/rbc_src: connection to server at \"127.0.0.1\", port PORT failed: FATAL: password authentication failed for user \"rbc\" [SQLSTATE 28P01, permission, not retryable]"
[[ $(normalise < "$work/bad.err") == "$expected_err" ]] || { fail "wrong password line:"; cat "$work/bad.err"; }

finish
