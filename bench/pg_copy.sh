#!/usr/bin/env bash
# PostgreSQL -> PostgreSQL full refresh of 2M rows (8 columns, ~140 B/row); targets: README.md, Benchmarks.
# Times, in one run on the same server, the median of $RUNS (default 3) runs each, in
# rounds of one run per tool after one warm-up round that is not counted (destination
# truncated before each run, the tools' order reversed every other round):
#   rbc       rbc exec of a full-refresh pipeline (write_mode append)
#   pipe      psql binary COPY TO STDOUT | psql binary COPY FROM STDIN
#   pgcopydb  pgcopydb copy table-data (data only, the table already exists)
# and prints the medians, rbc's peak RSS and the ratios rbc/pipe and rbc/pgcopydb of the
# medians and, less sensitive to a drifting machine, the median of the rounds' ratios
# (requirement: at most 1.1x the pipe, at most 0.7x pgcopydb). Autovacuum is off on the
# destination table and each run starts after a CHECKPOINT, so no run pays for another's.
#
#   RBC=build/rbc bench/pg_copy.sh     # RBC defaults to build/rbc
# Uses RBC_PG_SRC_URL / RBC_PG_DST_URL when set, else starts its own server with
# scripts/pg-test-server (and stops it). ROWS overrides the row count (default 2000000);
# RESOURCES adds a resources block to rbc's pipeline (e.g. RESOURCES='{parallelism: 1}').
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
RBC=${RBC:-$root/build/rbc}
ROWS=${ROWS:-2000000}
RUNS=${RUNS:-3}
table=bench_pg_copy
[[ -x $RBC ]] || { echo "pg_copy: no rbc binary at $RBC (set RBC)" >&2; exit 2; }

work=$(mktemp -d)
server_dir=""
cleanup() {
  if [[ -n ${SRC:-} ]]; then
    psql "$SRC" -X -q -c "DROP TABLE IF EXISTS public.$table" > /dev/null 2>&1 || true
    psql "$DST" -X -q -c "DROP TABLE IF EXISTS public.$table" > /dev/null 2>&1 || true
  fi
  [[ -n $server_dir ]] && "$root/scripts/pg-test-server" stop "$server_dir" > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [[ -z ${RBC_PG_SRC_URL:-} || -z ${RBC_PG_DST_URL:-} ]]; then
  server_dir=$work/pg
  eval "$("$root/scripts/pg-test-server" start "$server_dir")"
fi
SRC=$RBC_PG_SRC_URL
DST=$RBC_PG_DST_URL
q() { psql "$1" -X -q -v ON_ERROR_STOP=1 -At -c "SET client_min_messages = warning" -c "$2"; }

ddl="CREATE TABLE public.$table (
  id bigint PRIMARY KEY,
  n int,
  s text,
  amount numeric(12,2),
  x float8,
  flag bool,
  payload text,
  at timestamptz)"
echo "pg_copy: generating $ROWS rows in rbc_src.public.$table" >&2
q "$SRC" "DROP TABLE IF EXISTS public.$table; $ddl;
INSERT INTO public.$table
SELECT g, (g * 37) % 1000000, 'name-' || g, round(((g * 7919) % 10000000)::numeric / 100, 2),
       g / 7.0, g % 3 = 0,
       substr(md5(g::text) || md5((g + 1)::text), 1, 64),
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
FROM generate_series(1::bigint, $ROWS) g"
q "$SRC" "VACUUM ANALYZE public.$table"
q "$DST" "DROP TABLE IF EXISTS public.$table; $ddl"
# Every tool loads 2M rows into this table: an autovacuum started by one load would run
# during the next tool's timed run, so it is off for this table (for every tool alike).
q "$DST" "ALTER TABLE public.$table SET (autovacuum_enabled = false)"
size=$(q "$SRC" "SELECT pg_size_pretty(pg_table_size('public.$table')) || ', ' ||
                 round(pg_table_size('public.$table')::numeric / $ROWS) || ' B/row on disk'")
echo "pg_copy: source table $size" >&2

cat > "$work/p.yaml" <<YAML
version: "1.0"
pipeline: bench_pg_copy
source:
  use: postgres
  config: {url: "$SRC"}
  streams:
    - name: public.$table
      sync_mode: full_refresh
      partition_key: id
destination:
  use: postgres
  config: {url: "$DST"}
  write_mode: append
${RESOURCES:+resources: $RESOURCES}
YAML
cat > "$work/filters.ini" <<INI
[include-only-table]
public.$table
INI

run_rbc() {
  /usr/bin/time -v -o "$work/time.txt" "$RBC" exec "$work/p.yaml" > "$work/rbc.out" 2> "$work/rbc.err"
  local kb
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  echo "$kb" >> "$work/rss.txt"
}
run_pipe() {
  psql "$SRC" -X -q -v ON_ERROR_STOP=1 -c "COPY public.$table TO STDOUT (FORMAT binary)" |
    psql "$DST" -X -q -v ON_ERROR_STOP=1 -c "COPY public.$table FROM STDIN (FORMAT binary)"
}
run_pgcopydb() {
  rm -rf "$work/pgcopydb"
  pgcopydb copy table-data --source "$SRC" --target "$DST" --dir "$work/pgcopydb" \
    --filters "$work/filters.ini" > "$work/pgcopydb.log" 2>&1
}

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# One timed run of run_$1 into the truncated destination; appends its seconds to
# $work/$1.times (run 0, the warm-up, is not kept), or marks the tool failed when the run
# fails or the destination does not end up with exactly $ROWS rows.
time_run() {
  local tool=$1 i=$2 t0 t1 got
  [[ -f $work/$tool.failed ]] && return
  q "$DST" "TRUNCATE public.$table"
  # Each run starts without the previous run's dirty pages to write (best effort: needs
  # pg_checkpoint, which scripts/pg-test-server grants).
  q "$DST" "CHECKPOINT" > /dev/null 2>&1 || true
  t0=$(now)
  if ! "run_$tool"; then
    echo "pg_copy: $tool run $i failed" >&2
    touch "$work/$tool.failed"; return
  fi
  t1=$(now)
  got=$(q "$DST" "SELECT count(*) FROM public.$table")
  if [[ $got != "$ROWS" ]]; then
    echo "pg_copy: $tool run $i left $got rows in the destination, expected $ROWS" >&2
    touch "$work/$tool.failed"; return
  fi
  local seconds chosen=""
  seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
  if [[ $tool == rbc ]]; then
    chosen=$(grep -o 'autotune "[^"]*": [^(]*' "$work/rbc.out" | head -1 | sed 's/^autotune "[^"]*": / /' || true)
  fi
  if ((i == 0)); then
    echo "pg_copy: $tool warm-up run: $seconds s (not counted)$chosen" >&2
  else
    echo "$seconds" >> "$work/$tool.times"
    echo "pg_copy: $tool run $i: $seconds s$chosen" >&2
  fi
}
# The median seconds of a tool's runs, or n/a.
result() {
  if [[ -f $work/$1.failed || ! -s $work/$1.times ]]; then echo n/a; else median < "$work/$1.times"; fi
}

tools=(rbc pipe)
pgcopydb_why=""
if command -v pgcopydb > /dev/null; then tools+=(pgcopydb); else pgcopydb_why="pgcopydb is not installed"; fi
# Rounds of one run per tool, so that a machine that speeds up or slows down during the
# benchmark affects every tool alike; odd rounds run the tools in reverse order, so that no
# tool always runs right after the same other one (pgcopydb ends with a VACUUM ANALYZE).
# Round 0 warms up: a fresh server creates its WAL files and fills its caches during the
# first runs.
for ((i = 0; i <= RUNS; ++i)); do
  order=("${tools[@]}")
  ((i % 2 == 1)) && order=($(printf '%s\n' "${tools[@]}" | tac))
  for tool in "${order[@]}"; do time_run "$tool" "$i"; done
  ((i == 0)) && rm -f "$work/rss.txt"  # peak RSS of the counted runs
done
rbc_s=$(result rbc)
[[ $rbc_s == n/a ]] && { echo "rbc failed:"; tail -5 "$work/rbc.err"; }
pipe_s=$(result pipe)
pgcopydb_s=n/a
if [[ -z $pgcopydb_why ]]; then
  pgcopydb_s=$(result pgcopydb)
  if [[ $pgcopydb_s == n/a ]]; then
    pgcopydb_why="pgcopydb failed: $(grep -E 'ERROR|FATAL' "$work/pgcopydb.log" | head -3 | tr '\n' ' ')"
  fi
fi

ratio() { [[ $1 == n/a || $2 == n/a ]] && echo n/a || awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
# The median of the per-round ratios rbc/$1 (each round's runs are minutes apart at most,
# so a drifting machine cancels out), or n/a.
paired() {
  [[ $(result rbc) == n/a || $(result "$1") == n/a ]] && { echo n/a; return; }
  paste "$work/rbc.times" "$work/$1.times" | awk '{printf "%.4f\n", $1 / $2}' | median | awk '{printf "%.2f", $1}'
}
rss_mib=n/a
[[ -s $work/rss.txt ]] && rss_mib=$(sort -g "$work/rss.txt" | tail -1 | awk '{printf "%.1f", $1 / 1024}')
echo "PostgreSQL -> PostgreSQL full refresh, $ROWS rows ($size), median of $RUNS, $(nproc) cores"
printf '  %-9s %8s s   peak RSS %s MiB\n' rbc "$rbc_s" "$rss_mib"
printf '  %-9s %8s s\n' pipe "$pipe_s"
printf '  %-9s %8s s%s\n' pgcopydb "$pgcopydb_s" "${pgcopydb_why:+   ($pgcopydb_why)}"
decision=$(grep -o 'autotune-[a-z]* stream=.*' "$work/rbc.err" | tail -1 || true)
[[ -n $decision ]] && echo "  rbc's last run: $decision"
echo "  rbc/pipe     $(ratio "$rbc_s" "$pipe_s")   (requirement <= 1.10; median of the rounds' ratios $(paired pipe))"
echo "  rbc/pgcopydb $(ratio "$rbc_s" "$pgcopydb_s")   (requirement <= 0.70; median of the rounds' ratios $(paired pgcopydb))"
