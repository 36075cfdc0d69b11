#!/usr/bin/env bash
# Catalog-backed compile checks against a real server (`rbc compile --catalog`, and
# `rbc exec`, which consults the catalog by default):
#   - a text partition key and an eligible stream without any integer key: exact located errors
#   - a projected column and a sql column the table lacks: exact located errors
#   - no partition_key: the table's integer primary key becomes the key, the plan says
#     so, and `rbc exec` reads with 2 partitions using it
#   - the server down: the plan still compiles, with one note
#   - without --catalog nothing connects: the same bad pipeline compiles
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
schema=rbc_catalog_$$
drop_on_exit "$SRC" "DROP SCHEMA IF EXISTS $schema CASCADE"

psql_q "$SRC" "
CREATE SCHEMA $schema;
CREATE TABLE $schema.events (id bigint PRIMARY KEY, name text, amount numeric(10,2), created_at timestamptz);
INSERT INTO $schema.events SELECT g, 'n' || g, g, now() FROM generate_series(1, 1000) g;
CREATE TABLE $schema.nokey (code text, n int);
"
cd "$work"
port=$(sed -E 's#.*:([0-9]+)/.*#\1#' <<< "$SRC")
normalise() { sed -e "s/:$port\\//:PORT\\//g" -e "s/$schema/SCHEMA/g"; }

write_pipeline() {  # $1 = file, $2 = source url, $3 = stream lines, $4 = transforms block
  cat > "$1" <<YAML
version: "1.0"
pipeline: compile_catalog
source:
  use: postgres
  config: {url: "$2", schema: $schema}
  streams:
$3
${4:-}
destination:
  use: file
  config: {path: out/}
resources: {parallelism: 2}
YAML
}

expect_errors() {  # $1 = pipeline: `rbc compile --catalog` exits 2 with exactly $work/expected on stderr
  local code=0
  "$RBC" compile --catalog "$1" > /dev/null 2> "$1.err" || code=$?
  [[ $code == 2 ]] || fail "$1: exit $code, expected 2"
  if ! diff -u expected <(normalise < "$1.err"); then fail "$1: diagnostics differ"; fi
}

# Partition keys: a text column, and an eligible stream whose table has no integer key.
write_pipeline keys.yaml "$SRC" "    - name: events
      partition_key: name
    - name: nokey"
cat > expected <<'EOF'
keys.yaml:8:22: error: partition_key 'name' of SCHEMA.events is text, not an integer
        partition_key: name
                       ^
  note: partitioned reads split an integer key; the primary key 'id' is one
keys.yaml:9:13: error: partition-eligible stream 'nokey' has no partition_key, and SCHEMA.nokey has no single-column integer primary key
      - name: nokey
              ^
  note: name an integer column, e.g. partition_key: id, or read with one reader (resources: {parallelism: 1})
2 errors in keys.yaml
EOF
expect_errors keys.yaml

# Without --catalog the compiler connects to nothing, so the same file compiles.
"$RBC" compile keys.yaml > /dev/null 2>&1 || fail "keys.yaml: rbc compile without --catalog failed"

# Columns the table lacks: in the projection, and in a sql query over the table.
write_pipeline columns.yaml "$SRC" "    - name: events
      columns: [id, nam, amount]"
cat > expected <<'EOF'
columns.yaml:8:21: error: column 'nam' does not exist in SCHEMA.events
        columns: [id, nam, amount]
                      ^
  note: did you mean 'name'?
1 error in columns.yaml
EOF
expect_errors columns.yaml

write_pipeline sql.yaml "$SRC" "    - name: events" "transforms:
  - use: sql
    config: {query: \"SELECT id, amout * 2 AS double, UPPER(amount) AS loud FROM input\"}"
cat > expected <<'EOF'
sql.yaml:10:33: error: in sql query: unknown column 'amout'; did you mean 'amount'?
      config: {query: "SELECT id, amout * 2 AS double, UPPER(amount) AS loud FROM input"}
                                  ^
  note: at offset 11 of the query
sql.yaml:10:60: error: in sql query: UPPER needs text, not decimal(10,2)
      config: {query: "SELECT id, amout * 2 AS double, UPPER(amount) AS loud FROM input"}
                                                             ^
  note: at offset 38 of the query
2 errors in sql.yaml
EOF
expect_errors sql.yaml

# No partition_key: the integer primary key is the key; the plan says so and exec uses it.
write_pipeline default.yaml "$SRC" "    - name: events"
"$RBC" compile --catalog default.yaml > default.plan 2> default.err || { fail "default.yaml: compile failed"; cat default.err; }
grep -qF "      remark: partition key 'id': the integer primary key of $schema.events (from the catalog)" default.plan ||
  { fail "default.yaml: the plan does not name the default partition key"; cat default.plan; }
grep -qE "^      partitions 2: " default.plan || { fail "default.yaml: not planned with 2 partitions"; cat default.plan; }
if "$RBC" exec default.yaml > default.out 2> default.err; then
  rows=$(($(wc -l < out/events.csv) - 1))
  [[ $rows == 1000 ]] || fail "default.yaml: exec wrote $rows rows, expected 1000"
  grep -qF '%0 source postgres "events" x2' default.out || fail "default.yaml: exec did not read with 2 partitions"
else
  fail "default.yaml: exec failed"; cat default.err
fi

# The server down: the plan compiles, with one note saying what was skipped and why.
write_pipeline down.yaml "postgresql://rbc:secret-$$@127.0.0.1:1/rbc_src" "    - name: events
      partition_key: name"
code=0
"$RBC" compile --catalog down.yaml > down.plan 2> down.err || code=$?
[[ $code == 0 ]] || { fail "server down: exit $code, expected 0"; cat down.err; }
[[ $(wc -l < down.err) == 1 ]] || { fail "server down: expected one line on stderr"; cat down.err; }
grep -q '^note: catalog checks skipped: postgres: cannot connect to rbc@127.0.0.1:1/rbc_src: .*refused' down.err ||
  { fail "server down: unexpected note"; cat down.err; }
grep -q "secret-$$" down.err down.plan && fail "server down: the password is shown"
grep -qF 'stream "events"' down.plan || fail "server down: no plan on stdout"

finish
