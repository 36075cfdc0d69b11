#!/usr/bin/env bash
# rbc check against a real server: every probe OK (exit 0), a missing table and a wrong
# password (exact lines, exit 1, no password shown), a column the table lacks (the
# catalog line fails, a located error on stderr, exit 2), a file state backend, and cdc
# streams (wal_level, replication privilege, free slots; a table without a replica
# identity is a problem line, exit 1); a state role without CREATE; PG* variables.
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
schema=rbc_check_$$
drop_on_exit "$SRC" "DROP SCHEMA IF EXISTS $schema CASCADE"

psql_q "$SRC" "
CREATE SCHEMA $schema;
CREATE TABLE $schema.orders (id bigint PRIMARY KEY, customer text, amount numeric(12,2));
CREATE TABLE $schema.events (at timestamptz, what text);
"

port=$(sed -E 's#.*:([0-9]+)/.*#\1#' <<< "$SRC")
normalise() {
  sed -e "s/slots free: [0-9]*/slots free: N/" -e "s/:$port\\//:PORT\\//g" -e "s/port $port /port PORT /g" -e "s/$schema/SCHEMA/g" -e "s#$work#WORK#g"
}

write_pipeline() {  # $1 = file, $2 = source url, $3 = extra stream lines, $4 = state block
  cat > "$1" <<YAML
version: "1.0"
pipeline: check_postgres
source:
  use: postgres
  config: {url: "$2", schema: $schema}
  streams:
    - name: orders
$3
destination:
  use: postgres
  config: {url: "$DST", schema: $schema}
${4:-state: {backend: postgres\}}
YAML
}

expect() {  # expect LABEL CODE FILE: rbc check FILE exits CODE and prints exactly $work/expected
  local label=$1 code=$2 file=$3 got
  set +e
  "$RBC" check "$file" > "$work/out" 2> "$work/err"
  got=$?
  set -e
  [[ $got == "$code" ]] || { fail "$label: exit $got, expected $code"; cat "$work/err"; }
  if ! diff -u "$work/expected" <(normalise < "$work/out"); then fail "$label: output differs"; fi
  if grep -q 'wrong-pw' "$work/out" "$work/err"; then fail "$label: a password is shown"; fi
}

# Everything reachable and present.
write_pipeline "$work/ok.yaml" "$SRC" ""
cat > "$work/expected" <<'EOF'
source postgres rbc@127.0.0.1:PORT/rbc_src ... OK
destination postgres rbc@127.0.0.1:PORT/rbc_dst ... OK
state postgres rbc@127.0.0.1:PORT/rbc_dst ... OK
stream SCHEMA.orders ... OK
columns, partition keys and sql against the catalog ... OK
EOF
expect "all OK" 0 "$work/ok.yaml"

# A stream whose table does not exist.
write_pipeline "$work/missing.yaml" "$SRC" "    - name: refunds"
cat > "$work/expected" <<'EOF'
source postgres rbc@127.0.0.1:PORT/rbc_src ... OK
destination postgres rbc@127.0.0.1:PORT/rbc_dst ... OK
state postgres rbc@127.0.0.1:PORT/rbc_dst ... OK
stream SCHEMA.orders ... OK
stream SCHEMA.refunds ... missing table
EOF
expect "missing table" 1 "$work/missing.yaml"

# A wrong source password: the reason on the source's line; the other probes still run.
bad_url=$(sed -E "s#^(postgres(ql)?://[^:/@]+):[^@]*@#\\1:wrong-pw-$$@#" <<< "$SRC")
write_pipeline "$work/bad.yaml" "$bad_url" ""
cat > "$work/expected" <<'EOF'
source postgres rbc@127.0.0.1:PORT/rbc_src ... connection to server at "127.0.0.1", port PORT failed: FATAL: password authentication failed for user "rbc"
destination postgres rbc@127.0.0.1:PORT/rbc_dst ... OK
state postgres rbc@127.0.0.1:PORT/rbc_dst ... OK
EOF
expect "wrong password" 1 "$work/bad.yaml"

# Reachable, but a projected column the table lacks: a located error, exit 2.
write_pipeline "$work/column.yaml" "$SRC" "      columns: [id, custmer]"
cat > "$work/expected" <<'EOF'
source postgres rbc@127.0.0.1:PORT/rbc_src ... OK
destination postgres rbc@127.0.0.1:PORT/rbc_dst ... OK
state postgres rbc@127.0.0.1:PORT/rbc_dst ... OK
stream SCHEMA.orders ... OK
columns, partition keys and sql against the catalog ... 1 error (on stderr)
EOF
expect "missing column" 2 "$work/column.yaml"
grep -qF "column.yaml:8:21: error: column 'custmer' does not exist in $schema.orders" "$work/err" ||
  { fail "missing column: no located error"; cat "$work/err"; }

# A state backend whose role may not create its schema (rbc_reader has no CREATE on the
# database), and a source whose port, user and password come from libpq's PG* variables:
# its line shows the server libpq reaches.
state_url=$(sed -E 's#//[^@]*@#//rbc_reader:rbc_reader@#' <<< "$DST")
write_pipeline "$work/privilege.yaml" "$SRC" "" "state: {backend: postgres, config: {url: \"$state_url\", schema: ${schema}_state}}"
sed -i "s#url: \"$SRC\"#host: 127.0.0.1, database: rbc_src#" "$work/privilege.yaml"
cat > "$work/expected" <<'EOF'
source postgres rbc@127.0.0.1:PORT/rbc_src ... OK
destination postgres rbc@127.0.0.1:PORT/rbc_dst ... OK
state postgres rbc_reader@127.0.0.1:PORT/rbc_dst ... cannot create schema SCHEMA_state: no CREATE privilege on database rbc_dst
stream SCHEMA.orders ... OK
EOF
PGPORT=$port PGUSER=rbc PGPASSWORD=rbc expect "state privilege, PG* variables" 1 "$work/privilege.yaml"

# A file state backend: its directory must be writable.
mkdir -p "$work/state"
write_pipeline "$work/state.yaml" "$SRC" "" "state: {backend: file, config: {path: $work/state/}}"
cat > "$work/expected" <<'EOF'
source postgres rbc@127.0.0.1:PORT/rbc_src ... OK
destination postgres rbc@127.0.0.1:PORT/rbc_dst ... OK
state file WORK/state/ ... OK
stream SCHEMA.orders ... OK
columns, partition keys and sql against the catalog ... OK
EOF
expect "file state" 0 "$work/state.yaml"

# cdc streams: what logical replication needs.
write_pipeline "$work/cdc.yaml" "$SRC" "      sync_mode: cdc
    - name: events
      sync_mode: cdc"
cat > "$work/expected" <<EOF
source postgres rbc@127.0.0.1:PORT/rbc_src ... OK
destination postgres rbc@127.0.0.1:PORT/rbc_dst ... OK
state postgres rbc@127.0.0.1:PORT/rbc_dst ... OK
stream SCHEMA.orders ... OK
replica identity of SCHEMA.orders ... OK
stream SCHEMA.events ... OK
replica identity of SCHEMA.events ... no replica identity (no primary key): its updates and deletes cannot be replicated; add a primary key, or ALTER TABLE "SCHEMA"."events" REPLICA IDENTITY FULL
wal_level logical ... OK
replication privilege of rbc ... OK
replication slots free: N ... OK
EOF
expect "cdc" 1 "$work/cdc.yaml"

finish
