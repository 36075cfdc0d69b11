#!/usr/bin/env bash
# Many compressed files (issue 20): FILES gzip'd CSV files "id,customer,amount,day" (ROWS rows
# in all), one glob -> sql -> one CSV file, in one run on the same machine:
#   rbc     path: "<dir>/orders-*.csv.gz", at parallelism 1 and 2 (the files' chunks are
#           claimed in name order by 1 or 2 readers; one in-order writer)
#   duckdb  read_csv('<dir>/orders-*.csv.gz') at 1 and 2 threads, COPY to CSV (node,
#           @duckdb/node-api)
#   mlr     zcat | mlr (the files' repeated header lines dropped by awk), filter and put
# The query: SELECT id, UPPER(customer) AS customer, amount * 3 AS tripled FROM input WHERE
# amount % 10 <> 0 (integers and text only, so every tool prints the same bytes). Every
# tool's output is checked against DuckDB's at 1 thread with cmp (all keep file order): a
# difference fails the run. One warm-up round (not counted; its outputs are the ones checked),
# then ROUNDS rounds that each run every configuration once, in a fixed interleaved order.
# Prints the medians of the times, the medians of the rounds' paired ratios, and PASS or MISS
# for each target (a MISS does not fail the run): rbc/duckdb <= 1.5 at equal threads;
# 2-way efficiency t(rbc 1) / t(rbc 2) / 2 >= 0.85.
#
#   bench/files.sh            (about 4 minutes on 2 idle cores; the first time about a
#                              minute more to generate the files)
# Environment: RBC (default build/rbc); FILES (default 64); ROWS (default 4000000); ROUNDS
# (default 5); TOOLS (default "rbc duckdb mlr"); CACHE (default ~/.cache/rbc-bench): the
# files are kept in $CACHE/files, keyed by file and row count, and DuckDB's npm package
# @duckdb/node-api is installed into $CACHE/duckdb (a benchmark peer, never a dependency of
# rbc). Exits 1 when a result differs or a tool fails to run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
RBC=${RBC:-$root/build/rbc}
FILES=${FILES:-64}
ROWS=${ROWS:-4000000}
ROUNDS=${ROUNDS:-5}
TOOLS=${TOOLS:-rbc duckdb mlr}
CACHE=${CACHE:-$HOME/.cache/rbc-bench}
cores=$(nproc)
uses() { [[ " $TOOLS " == *" $1 "* ]]; }
log() { echo "files: $*" >&2; }

uses rbc && { [[ -x $RBC ]] || { log "no rbc binary at $RBC (set RBC, or TOOLS=\"duckdb mlr\")"; exit 2; }; }
source "$root/bench/lib/peers.sh"

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out"

# ---- The input: FILES files of ROWS / FILES rows each, generated once (aside, then renamed).
data=$CACHE/files/orders-v1-$FILES-$ROWS
if [[ ! -f $data/done ]]; then
  log "generating $FILES files, $ROWS rows, in $data"
  rm -rf "$data.tmp"; mkdir -p "$data.tmp"
  per_file=$((ROWS / FILES))
  for ((f = 0; f < FILES; ++f)); do
    name=$(printf 'orders-%03d.csv' "$f")
    # shellcheck disable=SC2016  # the $ are awk's
    awk -v f="$f" -v rows="$per_file" 'BEGIN {
      print "id,customer,amount,day"
      for (r = 0; r < rows; r++) {
        id = f * rows + r
        printf "%d,customer_%d,%d,2026-12-%02d\n", id, (id * 7919) % 50000, (id * 104729) % 1000, 1 + f % 28
      }
    }' | gzip -6 > "$data.tmp/$name.gz"
  done
  touch "$data.tmp/done"
  rm -rf "$data"; mv "$data.tmp" "$data"
fi
input_bytes=$(cat "$data"/orders-*.csv.gz | wc -c)
sync

query='SELECT id, UPPER(customer) AS customer, amount * 3 AS tripled FROM input WHERE amount % 10 <> 0'
rbc_pipeline() {  # rbc_pipeline PARALLELISM
  cat > "$work/rbc-$1.yaml" <<YAML
version: "1.0"
pipeline: files_bench
resources:
  parallelism: $1
  # fixed readers, as DuckDB's threads are fixed (the autotuner would choose them)
  autotune: {enabled: false}
source:
  use: file
  config: {path: "$data/orders-*.csv.gz"}
  streams:
    - name: orders
transforms:
  - use: sql
    config: {query: "$query"}
destination:
  use: file
  config: {path: $work/out/rbc-$1.csv}
  # append (the file is removed before each run): replace would make the stream not
  # partition-eligible, and one reader would read every file
YAML
}
if uses duckdb; then
  cat > "$duckdb_dir/files_run.cjs" <<'JS'
// node files_run.cjs THREADS GLOB QUERY OUT_CSV (written by rbc's bench/files.sh)
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const [threads, glob, query, out] = process.argv.slice(2);
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  await connection.run(`SET threads = ${Number(threads)}`);
  await connection.run(`CREATE VIEW input AS SELECT * FROM read_csv('${glob}')`);
  await connection.run(`COPY (${query}) TO '${out}' (HEADER, DELIMITER ',')`);
})().catch((error) => { console.error(error.message); process.exit(1); });
JS
fi
command_of() {  # command_of TOOL N: sets cmd and stdout; the output lands in $work/out/TOOL-N.csv
  local out=$work/out/$1-$2.csv
  stdout=$work/$1-$2.log
  case $1 in
    rbc) rm -f "$out"; cmd=("$RBC" exec "$work/rbc-$2.yaml") ;;
    duckdb) cmd=(node "$duckdb_dir/files_run.cjs" "$2" "$data/orders-*.csv.gz" "$query" "$out") ;;
    mlr)
      # zcat | mlr: one stream, the files' repeated header lines dropped (mlr's own
      # --prepipe zcat lost rows of some files here)
      # shellcheck disable=SC2016  # the $ are mlr's and awk's
      cmd=(bash -c 'zcat "$@" | awk '"'"'NR == 1 { header = $0 } NR == 1 || $0 != header'"'"' | mlr --icsv --ocsv filter '"'"'$amount % 10 != 0'"'"' then put '"'"'$customer = toupper($customer); $tripled = $amount * 3'"'"' then cut -o -f id,customer,tripled' zcat-mlr "$data"/orders-*.csv.gz)
      stdout=$out ;;
  esac
}

configs=()
for n in 1 2; do
  uses rbc && { configs+=("rbc $n"); rbc_pipeline "$n"; }
  uses duckdb && configs+=("duckdb $n")
done
uses mlr && configs+=("mlr 1")

failed=0
measure() {  # measure ROUND TOOL N: appends the seconds to $work/TOOL-N.times, the CPU seconds to .cpu (not round 0)
  local round=$1 key="$2-$3" t0 t1 seconds cmd stdout user system
  [[ -f $work/$key.failed ]] && return
  command_of "$2" "$3"
  t0=$(date +%s.%N)
  if ! /usr/bin/time -f '%U %S' -o "$work/$key.usage" "${cmd[@]}" > "$stdout" 2> "$work/$key.err"; then
    log "$2 $3 failed (round $round):"; tail -n 8 "$work/$key.err" >&2
    touch "$work/$key.failed"; failed=1; return
  fi
  t1=$(date +%s.%N)
  seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
  log "round $round: $2 $3: $seconds s"
  if ((round > 0)); then
    echo "$seconds" >> "$work/$key.times"
    read -r user system < <(tail -n 1 "$work/$key.usage")
    awk -v u="$user" -v s="$system" 'BEGIN {printf "%.2f\n", u + s}' >> "$work/$key.cpu"
  fi
  return 0
}
check_results() {  # every output equals the reference's bytes
  local reference="" config tool n
  for config in "${configs[@]}"; do
    read -r tool n <<< "$config"
    [[ -f $work/$tool-$n.failed ]] && continue
    if [[ -z $reference || ($tool == duckdb && $reference != duckdb-*) ]]; then reference=$tool-$n; fi
  done
  for config in "${configs[@]}"; do
    read -r tool n <<< "$config"
    [[ -f $work/$tool-$n.failed || $tool-$n == "$reference" ]] && continue
    if ! cmp -s "$work/out/$reference.csv" "$work/out/$tool-$n.csv"; then
      log "$tool $n: output differs from $reference's:"
      cmp "$work/out/$reference.csv" "$work/out/$tool-$n.csv" >&2 || true
      trap - EXIT; log "outputs kept in $work/out"; exit 1
    fi
  done
  log "outputs agree ($(($(wc -l < "$work/out/$reference.csv") - 1)) rows, compared with $reference)"
}

log "${#configs[@]} configurations, 1 warm-up round + $ROUNDS rounds, $cores cores"
for ((round = 0; round <= ROUNDS; ++round)); do
  for config in "${configs[@]}"; do
    read -r tool n <<< "$config"
    measure "$round" "$tool" "$n"
  done
  ((round == 0)) && check_results
done

median() { sort -g | awk '{v[NR] = $1} END {print NR == 0 ? "n/a" : NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
counted() { [[ ! -f $work/$1.failed && -s $work/$1.times ]]; }
seconds_of() { if counted "$1"; then median < "$work/$1.times"; else echo n/a; fi; }
paired() {  # the median over the rounds of A's time / B's time
  if ! counted "$1" || ! counted "$2"; then echo n/a; return; fi
  paste "$work/$1.times" "$work/$2.times" | awk '{printf "%.4f\n", $1 / $2}' | median | awk '{printf "%.2f", $1}'
}
verdict() {
  [[ $1 == n/a ]] && { echo "n/a "; return; }
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {ok = op == "<=" ? v <= l : v >= l; print ok ? "PASS" : "MISS"}'
}

echo
echo "$FILES gzip'd CSV files, $ROWS rows, $((input_bytes / 1000000)) MB compressed -> sql -> one CSV; median of $ROUNDS rounds on $cores cores"
# cpu s: user + system seconds; busy: cpu s / seconds, the cores a run kept busy (on a
# machine shared with other work, a run that gets less than its threads cannot scale).
printf '\n  %-7s %7s %9s %10s %7s %6s\n' tool threads seconds rows/s "cpu s" busy
for config in "${configs[@]}"; do
  read -r tool n <<< "$config"
  s=$(seconds_of "$tool-$n") cpu=n/a busy=n/a
  r=n/a; [[ $s != n/a ]] && r=$(awk -v r="$ROWS" -v s="$s" 'BEGIN {printf "%.2fM", r / s / 1e6}')
  if counted "$tool-$n"; then
    cpu=$(median < "$work/$tool-$n.cpu")
    busy=$(awk -v c="$cpu" -v s="$s" 'BEGIN {printf "%.2f", c / s}')
  fi
  printf '  %-7s %7s %9s %10s %7s %6s\n' "$tool" "$n" "$s" "$r" "$cpu" "$busy"
done
ratio_1=$(paired rbc-1 duckdb-1) ratio_2=$(paired rbc-2 duckdb-2) speedup=$(paired rbc-1 rbc-2)
efficiency=n/a; [[ $speedup != n/a ]] && efficiency=$(awk -v s="$speedup" 'BEGIN {printf "%.2f", s / 2}')
echo
echo "  paired ratios (median of the rounds' ratios; < 1: rbc is faster)"
echo "  rbc/duckdb  1 thread $ratio_1   2 threads $ratio_2"
echo "  rbc/mlr     1 thread $(paired rbc-1 mlr-1)   2 threads $(paired rbc-2 mlr-1)"
echo
echo "  targets"
echo "  $(verdict "$ratio_1" '<=' 1.5)  rbc/duckdb at 1 thread    $ratio_1 (<= 1.5)"
echo "  $(verdict "$ratio_2" '<=' 1.5)  rbc/duckdb at 2 threads   $ratio_2 (<= 1.5)"
echo "  $(verdict "$efficiency" '>=' 0.85)  rbc 2-way efficiency      $efficiency (>= 0.85; speed-up $speedup)"
((failed == 0)) || { log "a tool failed to run (see above)"; exit 1; }
