#!/usr/bin/env bash
# rbc exec --metrics-addr against a real server:
#   - a following cdc run serves Prometheus text at /metrics: rows and bytes per stream,
#     batches/rows/bytes per node, errors and retries, the replication lag (0 s once caught
#     up), the autotune decision; values match what the run did; other paths are 404;
#   - a malformed address is a usage error (exit 2), a port in use is an error (exit 1),
#     both before the run does anything;
#   - a batch run serves metrics too (port 0: the log says which port).
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
command -v curl > /dev/null || { echo "skipped: no curl (scripts/install-deps installs it)"; exit 77; }
t=rbc_metrics_$$
pipeline=metrics_$$
drop_slots_on_exit "$SRC" "rbc_${pipeline}%"
drop_on_exit "$SRC" "DO \$\$ DECLARE p text; BEGIN FOR p IN SELECT pubname FROM pg_publication WHERE pubname LIKE 'rbc_${pipeline}%' LOOP EXECUTE 'DROP PUBLICATION ' || quote_ident(p); END LOOP; END \$\$"
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.$t"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.$t; DROP SCHEMA IF EXISTS ${t}_batch CASCADE;
  DELETE FROM rbc_state.cursors WHERE pipeline LIKE '${pipeline}%'; DELETE FROM rbc_state.runs WHERE pipeline LIKE '${pipeline}%'"

psql_q "$SRC" "CREATE TABLE public.$t (id int PRIMARY KEY, v text);
  INSERT INTO public.$t SELECT g, 'v' || g FROM generate_series(1, 500) g" > /dev/null
cat > "$work/cdc.yaml" <<YAML
version: "1.0"
pipeline: ${pipeline}
source:
  use: postgres
  config: {url: "$SRC"}
  streams:
    - name: public.$t
      sync_mode: cdc
destination:
  use: postgres
  config: {url: "$DST"}
  write_mode: upsert
  primary_key: [id]
state:
  backend: postgres
YAML

# metrics NAME: the value of the sample NAME (with its labels, as written) in $work/metrics.
metric() { awk -v name="$1" '$1 == name { print $2 }' "$work/metrics"; }
scrape() { curl -fsS "http://$addr/metrics" > "$work/metrics"; }

"$RBC" exec "$work/cdc.yaml" --metrics-addr 127.0.0.1:0 > "$work/cdc.out" 2> "$work/cdc.err" &
pid=$!
addr=""
for _ in $(seq 1 150); do
  addr=$(sed -n 's|.*metrics: http://\([0-9.]*:[0-9]*\)/metrics.*|\1|p' "$work/cdc.err" | head -n1)
  [[ -n $addr ]] && break
  sleep 0.2
done
[[ -n $addr ]] || { fail "no 'metrics: http://...' line in the log"; cat "$work/cdc.err"; }

# The copy (500 rows and the truncate before them), then 100 inserts, 50 updates, 10 deletes.
wait_for_destination() {  # $1 = expected count(*) || sum(length(v))
  for _ in $(seq 1 150); do
    [[ $(psql_q "$DST" "SELECT count(*) || ' ' || sum(length(v)) FROM public.$t" 2> /dev/null) == "$1" ]] && return 0
    sleep 0.2
  done
  fail "the destination did not reach '$1'"
}
wait_for_destination "$(psql_q "$SRC" "SELECT count(*) || ' ' || sum(length(v)) FROM public.$t")"
psql_q "$SRC" "INSERT INTO public.$t SELECT g, 'new' || g FROM generate_series(501, 600) g;
  UPDATE public.$t SET v = v || '!' WHERE id <= 50; DELETE FROM public.$t WHERE id > 590" > /dev/null
wait_for_destination "$(psql_q "$SRC" "SELECT count(*) || ' ' || sum(length(v)) FROM public.$t")"
# Caught up: the lag in seconds is 0 once every change read is applied (within max_batch_lag).
# The counters follow a commit, so the destination can show the rows a moment before they do.
labels="pipeline=\"$pipeline\",stream=\"public.$t\""
for _ in $(seq 1 50); do
  scrape
  [[ $(metric "rbc_cdc_lag_seconds{$labels}") == 0 && $(metric "rbc_stream_rows_written_total{$labels}") == 661 ]] && break
  sleep 0.2
done

[[ $(metric "rbc_stream_rows_read_total{$labels}") == 661 ]] ||
  fail "rows read: $(metric "rbc_stream_rows_read_total{$labels}"), expected 661 (truncate, 500 copied, 160 changes)"
[[ $(metric "rbc_stream_rows_written_total{$labels}") == 661 ]] ||
  fail "rows written: $(metric "rbc_stream_rows_written_total{$labels}"), expected 661"
(($(metric "rbc_stream_bytes_read_total{$labels}") > 0)) || fail "no bytes read"
grep -q "^# TYPE rbc_stream_rows_read_total counter$" "$work/metrics" || fail "no TYPE line for rbc_stream_rows_read_total"
grep -qE "^rbc_node_rows_in_total\{$labels,node=\"[0-9]+\",kind=\"sink\",description=\"sink postgres .*\"\} 661$" "$work/metrics" ||
  fail "no sink node with 661 rows in"
grep -qE "^rbc_node_batches_out_total\{$labels,node=\"0\",kind=\"source\",description=\".*\"\} [1-9][0-9]*$" "$work/metrics" ||
  fail "no source node batches"
[[ $(metric "rbc_cdc_lag_seconds{$labels}") == 0 ]] || fail "lag seconds: $(metric "rbc_cdc_lag_seconds{$labels}"), expected 0 once caught up"
[[ $(metric "rbc_cdc_lag_bytes{$labels}") =~ ^[0-9]+$ ]] || fail "no lag in bytes"
[[ $(metric "rbc_cdc_max_slot_wal_bytes{$labels}") == 10737418240 ]] || fail "max_slot_wal: expected the 10 GiB default"
grep -qE "^rbc_autotune_info\{$labels,decided=\"false\",parallelism=\"1\",partition_mode=\"[a-z]+\",copy_flush_bytes=\"[0-9]*\",reason=\"[^\"]+\"\} 1$" "$work/metrics" ||
  fail "no autotune info"
[[ $(metric "rbc_attempt{pipeline=\"$pipeline\"}") == 1 ]] || fail "attempt: $(metric "rbc_attempt{pipeline=\"$pipeline\"}")"
grep -q "^# TYPE rbc_errors_total counter$" "$work/metrics" || fail "no rbc_errors_total"
grep -q "^# TYPE rbc_retries_total counter$" "$work/metrics" || fail "no rbc_retries_total"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://$addr/other") == 404 ]] || fail "/other is not 404"
[[ $(curl -s -o /dev/null -w '%{http_code}' -X POST "http://$addr/metrics") == 405 ]] || fail "POST is not 405"
# The progress lines (every 2 s) show the lag.
for _ in $(seq 1 50); do
  grep -qE "progress public\.$t: read [0-9]+ rows .*, lag [0-9.]+ [KMG]?i?B, [0-9.]+ s$" "$work/cdc.err" && break
  sleep 0.2
done
grep -qE "progress public\.$t: read [0-9]+ rows .*, lag [0-9.]+ [KMG]?i?B, [0-9.]+ s$" "$work/cdc.err" ||
  fail "no lag in the progress line"

# The address is taken: an error before the run starts.
set +e
"$RBC" exec "$work/cdc.yaml" --metrics-addr "$addr" > "$work/taken.out" 2>&1
code=$?
set -e
[[ $code == 1 ]] || fail "port in use: exit $code, expected 1"
grep -q "^rbc: error: --metrics-addr $addr: cannot .*(another process listens there)" "$work/taken.out" ||
  { fail "port in use: message"; cat "$work/taken.out"; }

kill -INT "$pid"
if ! wait "$pid"; then
  fail "the following run did not stop cleanly"
  cat "$work/cdc.err"
fi
grep -qE "^  stream \"public\.$t\": read 661 rows .*; cdc lag [0-9.]+ [KMG]?i?B, [0-9.]+ s$" "$work/cdc.out" ||
  { fail "the summary has no cdc lag"; cat "$work/cdc.out"; }

for bad in nonsense 127.0.0.1 127.0.0.1:99999 "not-an-ip:9187"; do
  set +e
  "$RBC" exec "$work/cdc.yaml" --metrics-addr "$bad" > "$work/bad.out" 2>&1
  code=$?
  set -e
  [[ $code == 2 ]] || fail "--metrics-addr $bad: exit $code, expected 2"
  grep -q "^rbc: error: --metrics-addr '$bad'" "$work/bad.out" || { fail "--metrics-addr $bad: message"; cat "$work/bad.out"; }
done

# A batch run serves metrics too.
cat > "$work/batch.yaml" <<YAML
version: "1.0"
pipeline: ${pipeline}_batch
source:
  use: postgres
  config: {url: "$SRC"}
  streams:
    - name: public.$t
destination:
  use: postgres
  config: {url: "$DST", schema: ${t}_batch}
  write_mode: replace
YAML
if ! "$RBC" exec "$work/batch.yaml" --metrics-addr 127.0.0.1:0 > "$work/batch.out" 2>&1; then
  fail "batch run with --metrics-addr failed"
  cat "$work/batch.out"
fi
grep -q "metrics: http://127.0.0.1:[0-9]*/metrics" "$work/batch.out" || fail "batch run: no metrics line"
finish "--metrics-addr: metrics of a cdc run, address errors, a batch run"
