#!/usr/bin/env bash
# Change data capture: rbc against PostgreSQL's own logical replication, applying the same
# backlog of changes. Each round, after both have synced the (empty) table:
#   1. the subscription is disabled, and the source receives CHANGES changes (default
#      1,000,000) in transactions of 10,000: inserts of 62.5% of them as new rows, then
#      updates of half those rows, then deletes of a tenth;
#   2. rbc   rbc exec --until-caught-up of a cdc pipeline (write_mode upsert, state in the
#            destination) into rbc_dst, timed from start to exit;
#      sub   ALTER SUBSCRIPTION ... ENABLE of a subscription into database rbc_sub on the
#            same server, timed until the table's count and sums equal the source's;
#   (the order alternates between rounds), then both destinations are checked row for row.
# Prints each round, the medians and the median of the rounds' ratios rbc/sub
# (target: at most 1.0). Then the lag under a steady load: rbc follows changes while the
# source commits RATE changes a second (default 10,000, in transactions of 100) for 10 s;
# the destination stamps each row as it arrives, and the median and p99 of stamp minus
# commit time are printed (target: below 1 s).
#
#   RBC=build/rbc bench/cdc.sh     # RBC defaults to build/rbc; ROUNDS (default 5), CHANGES
# Starts its own server with scripts/pg-test-server (wal_level logical), and stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
RBC=${RBC:-$root/build/rbc}
ROUNDS=${ROUNDS:-5}
CHANGES=${CHANGES:-1000000}
RATE=${RATE:-10000}
table=bench_cdc
[[ -x $RBC ]] || { echo "cdc: no rbc binary at $RBC (set RBC)" >&2; exit 2; }

work=$(mktemp -d)
server_dir=$work/pg
cleanup() {
  "$root/scripts/pg-test-server" stop "$server_dir" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
eval "$("$root/scripts/pg-test-server" start "$server_dir")"
SRC=$RBC_PG_SRC_URL
DST=$RBC_PG_DST_URL
ADMIN="host=127.0.0.1 port=$PGPORT user=postgres"
SUB="$ADMIN dbname=rbc_sub"
q() { psql "$1" -X -q -v ON_ERROR_STOP=1 -At -c "SET client_min_messages = warning" -c "$2"; }
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
now() { date +%s.%N; }

inserts=$((CHANGES * 5 / 8))
ddl="CREATE TABLE public.$table (id bigint PRIMARY KEY, n int, s text, amount numeric(12,2), at timestamptz)"
q "$ADMIN dbname=postgres" "CREATE DATABASE rbc_sub"
q "$SRC" "$ddl; CREATE PUBLICATION bench_pub FOR TABLE public.$table"
q "$DST" "$ddl"
q "$SUB" "$ddl"
# A subscription into the same cluster cannot create its slot itself (CREATE SUBSCRIPTION
# would wait for itself): the slot is made first.
q "$ADMIN dbname=rbc_src" "SELECT pg_create_logical_replication_slot('bench_sub', 'pgoutput')" > /dev/null
q "$SUB" "CREATE SUBSCRIPTION bench_sub CONNECTION '$ADMIN dbname=rbc_src' PUBLICATION bench_pub
  WITH (create_slot = false, slot_name = 'bench_sub', copy_data = false, enabled = false)"

cat > "$work/cdc.yaml" <<YAML
version: "1.0"
pipeline: bench_cdc
source:
  use: postgres
  config: {url: "$SRC"}
  streams:
    - {name: public.$table, sync_mode: cdc}
destination:
  use: postgres
  config: {url: "$DST"}
  write_mode: upsert
  primary_key: [id]
state:
  backend: postgres
YAML
"$RBC" exec "$work/cdc.yaml" --until-caught-up > /dev/null 2>&1  # the (empty) copy and the slot

make_changes() {  # $1 = round: new ids each round
  local base=$(($1 * inserts)) step=10000
  psql "$SRC" -X -q -v ON_ERROR_STOP=1 > /dev/null <<SQL
DO \$\$ DECLARE lo bigint; BEGIN
  FOR lo IN SELECT generate_series($base, $base + $inserts - 1, $step) LOOP
    INSERT INTO public.$table SELECT g, g % 1000, 'name-' || g, (g % 100000) / 100.0, now()
      FROM generate_series(lo, least(lo + $step, $base + $inserts) - 1) g;
    COMMIT;
  END LOOP;
  FOR lo IN SELECT generate_series($base, $base + $inserts - 1, $step * 2) LOOP
    UPDATE public.$table SET n = n + 1, s = s || '+' WHERE id >= lo AND id < lo + $step * 2 AND id % 2 = 0;
    COMMIT;
  END LOOP;
  FOR lo IN SELECT generate_series($base, $base + $inserts - 1, $step * 10) LOOP
    DELETE FROM public.$table WHERE id >= lo AND id < lo + $step * 10 AND id % 10 = 3;
    COMMIT;
  END LOOP;
END \$\$;
SQL
}
summary_sql="SELECT count(*) || ' ' || coalesce(sum(id), 0) || ' ' || coalesce(sum(n), 0) || ' ' || coalesce(sum(length(s)), 0) FROM public.$table"

time_rbc() {
  local start
  start=$(now)
  "$RBC" exec "$work/cdc.yaml" --until-caught-up > "$work/rbc.out" 2>&1 || { cat "$work/rbc.out" >&2; exit 1; }
  awk -v a="$start" -v b="$(now)" 'BEGIN {printf "%.3f\n", b - a}' >> "$work/rbc.times"
}
time_sub() {
  local start want
  want=$(q "$SRC" "$summary_sql")
  start=$(now)
  q "$SUB" "ALTER SUBSCRIPTION bench_sub ENABLE"
  until [[ $(q "$SUB" "$summary_sql") == "$want" ]]; do sleep 0.05; done
  awk -v a="$start" -v b="$(now)" 'BEGIN {printf "%.3f\n", b - a}' >> "$work/sub.times"
  q "$SUB" "ALTER SUBSCRIPTION bench_sub DISABLE"
}

echo "cdc: $ROUNDS rounds of $CHANGES changes ($inserts inserts, $((inserts / 2)) updates, $((inserts / 10)) deletes), $(nproc) cores" >&2
for round in $(seq 1 "$ROUNDS"); do
  make_changes "$round"
  q "$SRC" "CHECKPOINT"
  if ((round % 2)); then time_rbc; time_sub; else time_sub; time_rbc; fi
  want=$(q "$SRC" "$summary_sql")
  [[ $(q "$DST" "$summary_sql") == "$want" ]] || { echo "cdc: rbc's destination differs from the source" >&2; exit 1; }
  [[ $(q "$SUB" "$summary_sql") == "$want" ]] || { echo "cdc: the subscription differs from the source" >&2; exit 1; }
  echo "round $round: rbc $(tail -n1 "$work/rbc.times") s, subscription $(tail -n1 "$work/sub.times") s" >&2
done

rbc_s=$(median < "$work/rbc.times")
sub_s=$(median < "$work/sub.times")
paired=$(paste "$work/rbc.times" "$work/sub.times" | awk '{printf "%.4f\n", $1 / $2}' | median)
echo "CDC catch-up of $CHANGES changes, median of $ROUNDS rounds, $(nproc) cores"
echo "  rbc (rbc exec --until-caught-up, upsert)   $rbc_s s"
echo "  PostgreSQL subscription (same server)      $sub_s s"
printf '  rbc/sub %.2f   (target <= 1.00; median of the rounds'"'"' ratios)\n' "$paired"

# Lag under a steady load: rows carry their commit time (at), the destination stamps
# their arrival (arrived); both clocks are the server's.
q "$SRC" "CREATE TABLE public.lag (id bigint PRIMARY KEY, at timestamptz)"
q "$DST" "CREATE TABLE public.lag (id bigint PRIMARY KEY, at timestamptz, arrived timestamptz DEFAULT clock_timestamp())"
sed "s/public.$table/public.lag/; s/pipeline: bench_cdc/pipeline: bench_cdc_lag/" "$work/cdc.yaml" > "$work/lag.yaml"
"$RBC" exec "$work/lag.yaml" --until-caught-up > /dev/null 2>&1
"$RBC" exec "$work/lag.yaml" > "$work/lag.out" 2>&1 &
follower=$!
sleep 1
per_tx=100
psql "$SRC" -X -q -v ON_ERROR_STOP=1 > /dev/null <<SQL
DO \$\$ DECLARE started timestamptz := clock_timestamp(); n bigint := 0; BEGIN
  WHILE clock_timestamp() < started + interval '10 seconds' LOOP
    INSERT INTO public.lag SELECT n + g, clock_timestamp() FROM generate_series(1, $per_tx) g;
    n := n + $per_tx;
    COMMIT;
    PERFORM pg_sleep(greatest(0, extract(epoch FROM started + n * interval '1 second' / $RATE - clock_timestamp())));
  END LOOP;
END \$\$;
SQL
sleep 3
kill -INT "$follower"
wait "$follower" || { cat "$work/lag.out" >&2; exit 1; }
lag=$(q "$DST" "SELECT count(*) || ' rows, lag median ' || round(extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY arrived - at))::numeric, 3) || ' s, p99 ' || round(extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY arrived - at))::numeric, 3) || ' s' FROM public.lag")
echo "  steady $RATE changes/s for 10 s: $lag (target: below 1 s; resources.max_batch_lag 500ms)"
