#!/usr/bin/env bash
# Keyed aggregation (GROUP BY in a sql transform), file -> file, rbc against DuckDB and
# Miller on the same files and queries, in one run on the same machine:
#   1brc      ROWS "station;temperature" lines (413 stations with their yearly means, the
#             1BRC list in bench/data/weather_stations.csv; temperatures normal around the
#             mean with sd 10, one decimal), SELECT station, MIN, AVG, MAX ... GROUP BY
#             station: rbc at 1 and 2 lanes, DuckDB at 1 and 2 threads, Miller stats1
#   highcard  HC_ROWS rows "k,v" with HC_ROWS/2 distinct keys (each key twice),
#             SELECT k, COUNT(*), SUM(v) ... GROUP BY k: rbc 1 and 2 lanes, DuckDB 1 and 2
#   distinct  HC_ROWS rows "g,u", 100 groups, SELECT g, COUNT(DISTINCT u) ... GROUP BY g:
#             rbc 1 and 2 lanes, DuckDB 1 and 2
#   scaling   rbc on the 1brc file at LANES lanes: rows/s, and the efficiency
#             speed-up / min(lanes, cores) (part of the 1brc workload)
#   windows   WIN_ROWS event rows "ts,k,v" (ts epoch milliseconds over about 2 hours, rising
#             with up to 2 s of jitter; 5,000 keys k; v 0..99), event-time windows:
#             SELECT window_start, k, COUNT(*), SUM(v) ... GROUP BY k WINDOW TUMBLING(ts, 1m):
#             rbc 1 and 2 lanes (strategy hash, no watermark: windows close when the input
#             ends), rbc at 2 lanes with watermark {allowed_lateness: 10s} (windows close as
#             the input goes; the run must report no late rows), DuckDB 1 and 2 threads with
#             (ts // 60000) * 60000 AS window_start ... GROUP BY ALL
# Every tool's result is checked against DuckDB's (the same keys, for windows the pairs
# (window_start, k); 1brc min and max exactly, means within 0.05 after rounding to one
# decimal; counts and sums exactly): a difference fails the run. One warm-up round (not counted; its results are the ones checked), then
# ROUNDS rounds that each run every configuration once, in a fixed interleaved order.
# Prints the medians of the times, the median of the rounds' paired ratios (rbc/duckdb at
# equal threads, rbc/mlr), rbc's peak RSS on 1brc, and PASS or MISS for each target (a MISS
# does not fail the run): 1brc rbc/duckdb <= 1.5 at equal threads; 2-lane efficiency
# >= 0.85; 8 lanes at most 10% slower than 2; peak RSS < 300 MB; windows rbc/duckdb <= 1.5
# at equal threads and 2-lane efficiency >= 0.85 (the watermark's cost, rbc with it / rbc
# without at 2 lanes, is printed without a target). Every run is a whole
# process, timed from outside (rbc exec; node running DuckDB; mlr); the table's "startup"
# row is DuckDB's fixed share of that (node, the library, an empty query), and "cpu s" the
# user + system seconds of a run (rbc's reader, router and lanes overlap: one lane may keep
# more than one core busy).
#
#   bench/keyed.sh      (about 3 minutes on 2 idle cores with the defaults for all but
#                        windows, a third of it Miller's; the first time about 15 s more to
#                        generate the inputs, and about 15 s for the windows input)
#   ROUNDS=5 WORKLOADS=windows bench/keyed.sh     (the windows workload alone)
# Environment: RBC (default build/rbc); WORKLOADS (default "1brc highcard distinct
# windows"; the ones to run, the inputs generated only for those); ROWS (1brc rows, default
# 10000000); HC_ROWS (highcard and distinct rows, default 2000000); WIN_ROWS (windows rows,
# default 10000000); ROUNDS (default 5); LANES (the scaling
# lanes, default "1 2 4 8"); STRATEGY (rbc's aggregation strategy: hash, two_phase or
# single; default: the aggregation pass decides, hash for windows); TOOLS (default "rbc duckdb mlr"; TOOLS="duckdb mlr" runs the peers
# alone); CACHE (default ~/.cache/rbc-bench): the generated inputs are kept in
# $CACHE/keyed, keyed by row count, so that a rerun skips generating them, and DuckDB's npm
# package @duckdb/node-api is installed into $CACHE/duckdb (a benchmark peer, never a
# dependency of rbc). Exits 1 when a result differs or a tool fails to run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
RBC=${RBC:-$root/build/rbc}
ROWS=${ROWS:-10000000}
HC_ROWS=${HC_ROWS:-2000000}
WIN_ROWS=${WIN_ROWS:-10000000}
WORKLOADS=${WORKLOADS:-1brc highcard distinct windows}
ROUNDS=${ROUNDS:-5}
LANES=${LANES:-1 2 4 8}
STRATEGY=${STRATEGY:-}
TOOLS=${TOOLS:-rbc duckdb mlr}
CACHE=${CACHE:-$HOME/.cache/rbc-bench}
cores=$(nproc)
uses() { [[ " $TOOLS " == *" $1 "* ]]; }
runs() { [[ " $WORKLOADS " == *" $1 "* ]]; }
log() { echo "keyed: $*" >&2; }

for w in $WORKLOADS; do
  case $w in 1brc | highcard | distinct | windows) ;; *) log "unknown workload $w in WORKLOADS"; exit 2 ;; esac
done
uses rbc && { [[ -x $RBC ]] || { log "no rbc binary at $RBC (set RBC, or TOOLS=\"duckdb mlr\")"; exit 2; }; }
source "$root/bench/lib/peers.sh"

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out"

# ---- The inputs, generated once per row count (written aside, then renamed into place).
# Park-Miller's generator is exact in doubles, so every awk writes the same bytes.
uniform='function uniform() { state = (state * 16807) % 2147483647; return state / 2147483647 }'
data=$CACHE/keyed
brc_dir=$data/brc-v1-$ROWS hc_dir=$data/highcard-v1-$HC_ROWS distinct_dir=$data/distinct-v1-$HC_ROWS
win_dir=$data/windows-v1-$WIN_ROWS
generate() {  # generate DIR FILE ROWS AWK-PROGRAM [INPUT...]: DIR/FILE, the program's output
  local dir=$1 file=$2 rows=$3 program=$4; shift 4
  [[ -s $dir/$file ]] && return
  log "generating $dir/$file"
  mkdir -p "$dir"
  awk -v seed=42 -v rows="$rows" "$uniform $program" "$@" > "$dir/$file.tmp"
  mv "$dir/$file.tmp" "$dir/$file"
}
# A temperature is rounded to tenths, written without a "-0.0", clamped to +-99.9.
# shellcheck disable=SC2016  # awk programs: the $ are awk's
runs 1brc && generate "$brc_dir" measurements.csv "$ROWS" '
  { split($0, field, ";"); name[++n] = field[1]; mean[n] = field[2] + 0 }
  END {
    state = seed
    for (i = 0; i < rows; i++) {
      s = int(uniform() * n) + 1
      u1 = uniform(); u2 = uniform()
      t = mean[s] + 10 * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2)
      tenths = t < 0 ? int(t * 10 - 0.5) : int(t * 10 + 0.5)
      if (tenths > 999) tenths = 999; else if (tenths < -999) tenths = -999
      if (tenths < 0) print name[s] ";-" int(-tenths / 10) "." (-tenths % 10)
      else print name[s] ";" int(tenths / 10) "." (tenths % 10)
    }
  }' "$root/bench/data/weather_stations.csv"
# k = i * 7919 mod keys visits every key once in `keys` rows (7919 is a prime).
runs highcard && generate "$hc_dir" pairs.csv "$HC_ROWS" '
  BEGIN { state = seed; keys = int(rows / 2); for (i = 0; i < rows; i++) print (i * 7919) % keys "," int(uniform() * 1000) }'
runs distinct && generate "$distinct_dir" visits.csv "$HC_ROWS" '
  BEGIN { state = seed; for (i = 0; i < rows; i++) print int(uniform() * 100) "," int(uniform() * 200000) }'
# Events: row i at 2026-01-01 00:00 + i * 7.2e6 / rows ms (2 hours in all) plus a jitter in
# [-2000, 2000) ms, so that a row is at most 4 s behind the largest time before it. %.0f:
# mawk prints an integer above 2^31 as 1.7e+12 with print, and clamps it with %d.
runs windows && generate "$win_dir" events.csv "$WIN_ROWS" '
  BEGIN {
    state = seed; base = 1767225600000; step = 7200000 / rows
    for (i = 0; i < rows; i++)
      printf "%.0f,%d,%d\n", base + int(i * step) + int(uniform() * 4000) - 2000, int(uniform() * 5000), int(uniform() * 100)
  }'
if runs 1brc; then brc_bytes=$(stat -c %s "$brc_dir/measurements.csv"); fi
if runs windows; then win_bytes=$(stat -c %s "$win_dir/events.csv"); fi
sync  # the inputs' writeback must not land inside a timed run

# ---- The workloads: input directory, stream, delimiter, columns (rbc; DuckDB), query.
declare -A dir stream delimiter rbc_columns duckdb_columns query rows
dir[1brc]=$brc_dir stream[1brc]=measurements delimiter[1brc]=';' rows[1brc]=$ROWS
rbc_columns[1brc]='[{name: station, type: text}, {name: temperature, type: float64}]'
duckdb_columns[1brc]="{'station': 'VARCHAR', 'temperature': 'DOUBLE'}"
query[1brc]='SELECT station, MIN(temperature) AS lo, AVG(temperature) AS mean, MAX(temperature) AS hi FROM input GROUP BY station'
dir[highcard]=$hc_dir stream[highcard]=pairs delimiter[highcard]=',' rows[highcard]=$HC_ROWS
rbc_columns[highcard]='[{name: k, type: int64}, {name: v, type: int64}]'
duckdb_columns[highcard]="{'k': 'BIGINT', 'v': 'BIGINT'}"
query[highcard]='SELECT k, COUNT(*) AS n, SUM(v) AS total FROM input GROUP BY k'
dir[distinct]=$distinct_dir stream[distinct]=visits delimiter[distinct]=',' rows[distinct]=$HC_ROWS
rbc_columns[distinct]='[{name: g, type: int64}, {name: u, type: int64}]'
duckdb_columns[distinct]="{'g': 'BIGINT', 'u': 'BIGINT'}"
query[distinct]='SELECT g, COUNT(DISTINCT u) AS users FROM input GROUP BY g'
# windows: rbc's query (window_start is int64 epoch ms as ts is), and DuckDB's equivalent.
dir[windows]=$win_dir stream[windows]=events delimiter[windows]=',' rows[windows]=$WIN_ROWS
rbc_columns[windows]='[{name: ts, type: int64}, {name: k, type: text}, {name: v, type: int64}]'
duckdb_columns[windows]="{'ts': 'BIGINT', 'k': 'VARCHAR', 'v': 'BIGINT'}"
query[windows]='SELECT window_start, k, COUNT(*) AS n, SUM(v) AS total FROM input GROUP BY k WINDOW TUMBLING(ts, 1m)'
duckdb_query_windows='SELECT (ts // 60000) * 60000 AS window_start, k, COUNT(*) AS n, SUM(v) AS total FROM input GROUP BY ALL'
# startup: DuckDB's fixed cost (node, the library, an empty query), timed for the report only.
stream[startup]=none rows[startup]=0 query[startup]='SELECT x FROM input'

# rbc: one pipeline per workload and lane count, lanes pinned, effective parallelism = lanes.
# TOOL rbc-wm: the same with the transform's watermark (windows).
rbc_pipeline() {  # rbc_pipeline WORKLOAD LANES [TOOL]
  local w=$1 lanes=$2 tool=${3:-rbc} strategy=$STRATEGY extra=""
  [[ $w == windows ]] && strategy=${STRATEGY:-hash}
  [[ $tool == rbc-wm ]] && extra=", watermark: {allowed_lateness: 10s}"
  cat > "$work/$w-$tool-$lanes.yaml" <<YAML
version: "1.0"
pipeline: keyed_$w
resources:
  parallelism: $lanes
  aggregation: {${strategy:+strategy: $strategy, }lanes: $lanes}
source:
  use: file
  config: {path: ${dir[$w]}/, format: csv, delimiter: "${delimiter[$w]}", header: false}
  streams:
    - name: ${stream[$w]}
      columns: ${rbc_columns[$w]}
transforms:
  - use: sql
    config: {query: "${query[$w]}"$extra}
destination:
  use: file
  config: {path: $work/out/$w-$tool-$lanes/, format: csv}
  # append (the file is removed before each run): replace would make the stream not
  # partition-eligible, and one reader would parse the whole file
YAML
}
# DuckDB: the same query over a view named input, COPY'd to a CSV file by a node process.
if uses duckdb; then
  cat > "$duckdb_dir/keyed_run.cjs" <<'JS'
// node keyed_run.cjs THREADS INPUT_VIEW_SQL QUERY OUT_CSV (written by rbc's bench/keyed.sh)
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const [threads, view, query, out] = process.argv.slice(2);
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  await connection.run(`SET threads = ${Number(threads)}`);
  await connection.run(view);
  await connection.run(`COPY (${query}) TO '${out}' (HEADER, DELIMITER ',')`);
})().catch((error) => { console.error(error.message); process.exit(1); });
JS
fi
# command_of WORKLOAD TOOL N: sets cmd, the command line of that configuration, and stdout,
# the file its standard output goes to; its result lands in $work/out/WORKLOAD-TOOL-N/.
command_of() {
  local w=$1 n=$3 out=$work/out/$1-$2-$3
  mkdir -p "$out"
  stdout=$work/$w-$2-$n.log
  case $2 in
    rbc | rbc-wm)
      rm -f "$out/${stream[$w]}.csv"
      cmd=("$RBC" exec "$work/$w-$2-$n.yaml") ;;
    duckdb)
      local view="CREATE VIEW input AS SELECT 1 AS x" q=${query[$w]}
      [[ $w == startup ]] ||
        view="CREATE VIEW input AS SELECT * FROM read_csv('${dir[$w]}/${stream[$w]}.csv', delim = '${delimiter[$w]}', header = false, columns = ${duckdb_columns[$w]})"
      [[ $w == windows ]] && q=$duckdb_query_windows
      cmd=(node "$duckdb_dir/keyed_run.cjs" "$n" "$view" "$q" "$out/${stream[$w]}.csv") ;;
    mlr)
      cmd=(mlr --icsv --ocsv --ifs ';' --implicit-csv-header stats1 -a 'min,mean,max' -f 2 -g 1 "${dir[$w]}/${stream[$w]}.csv")
      stdout=$out/${stream[$w]}.csv ;;
  esac
}

# ---- The configurations ("workload tool n"), in the order every round runs them.
configs=()
uses duckdb && configs+=("startup duckdb 1")
read -r -a scaling_lanes <<< "$LANES"
mapfile -t brc_lanes < <(printf '%s\n' 1 2 "${scaling_lanes[@]}" | sort -n -u)
if runs 1brc; then
  for n in 1 2; do
    uses rbc && configs+=("1brc rbc $n")
    uses duckdb && configs+=("1brc duckdb $n")
  done
  uses mlr && configs+=("1brc mlr 1")
  for n in "${brc_lanes[@]}"; do ((n > 2)) && uses rbc && configs+=("1brc rbc $n"); done
  for n in "${brc_lanes[@]}"; do rbc_pipeline 1brc "$n"; done
fi
for w in highcard distinct windows; do
  runs "$w" || continue
  for n in 1 2; do
    uses rbc && configs+=("$w rbc $n")
    uses duckdb && configs+=("$w duckdb $n")
  done
  rbc_pipeline "$w" 1; rbc_pipeline "$w" 2
done
if runs windows && uses rbc; then configs+=("windows rbc-wm 2"); rbc_pipeline windows 2 rbc-wm; fi

failed=0
# One timed run of a configuration: appends its seconds to $work/KEY.times, its peak RSS
# (KiB) to $work/KEY.rss and its CPU seconds (user + system) to $work/KEY.cpu (round 0 is
# not kept), or marks it failed for the rest of the run.
measure() {  # measure ROUND WORKLOAD TOOL N
  local round=$1 key="$2-$3-$4" t0 t1 seconds cmd stdout kib user system
  [[ -f $work/$key.failed ]] && return
  command_of "$2" "$3" "$4"
  t0=$(date +%s.%N)
  if ! /usr/bin/time -f '%M %U %S' -o "$work/$key.usage" "${cmd[@]}" > "$stdout" 2> "$work/$key.err"; then
    log "$2 $3 $4 failed (round $round):"
    tail -n 8 "$work/$key.err" >&2
    touch "$work/$key.failed"; failed=1; return
  fi
  t1=$(date +%s.%N)
  # With a watermark, the result equals the one without only when no row came late: rbc's
  # summary (its standard output) then has lane lines and none of them counts late rows.
  if [[ $3 == rbc-wm ]] && { ! grep -q '^ *lane [0-9]*: rows in' "$stdout" || grep -q 'late rows' "$stdout"; }; then
    log "$2 $3 $4 (round $round): late rows, or no lane lines in its summary:"
    grep '^ *lane [0-9]*:' "$stdout" >&2 || cat "$stdout" >&2
    touch "$work/$key.failed"; failed=1; return
  fi
  seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
  log "round $round: $2 $3 $4: $seconds s"
  if ((round > 0)); then
    echo "$seconds" >> "$work/$key.times"
    read -r kib user system < <(tail -n 1 "$work/$key.usage")
    echo "$kib" >> "$work/$key.rss"
    awk -v u="$user" -v s="$system" 'BEGIN {printf "%.2f\n", u + s}' >> "$work/$key.cpu"
  fi
}

# ---- The results, checked after the warm-up round against DuckDB's (or, without DuckDB,
# the first tool's). Each result becomes "key<TAB>values" lines: Miller reads the CSV (a
# station name may hold a comma, so it may be quoted) and drops the header.
as_tsv() { mlr --icsv --otsv --headerless-tsv-output cat "$1"; }
check_results() {  # check_results WORKLOAD
  local w=$1 reference="" config key cw tool n approx=0 keys=1 bad=0
  [[ $w == 1brc ]] && approx=3  # the mean: compared after rounding to one decimal
  [[ $w == windows ]] && keys=2  # a group is (window_start, k)
  for config in "${configs[@]}"; do
    read -r cw tool n <<< "$config"
    key="$cw-$tool-$n"
    [[ $cw == "$w" && ! -f $work/$key.failed ]] || continue
    if ! as_tsv "$work/out/$key/${stream[$w]}.csv" > "$work/$key.tsv"; then
      log "$key: its result $work/out/$key/${stream[$w]}.csv is not a CSV file with a header (kept)"
      trap - EXIT; exit 1
    fi
    if [[ -z $reference || ($tool == duckdb && $reference != *duckdb*) ]]; then reference=$key; fi
  done
  [[ -n $reference ]] || return 0
  for config in "${configs[@]}"; do
    read -r cw tool n <<< "$config"
    key="$cw-$tool-$n"
    [[ $cw == "$w" && $key != "$reference" && -f $work/$key.tsv ]] || continue
    if ! awk -F'\t' -v approx="$approx" -v keys="$keys" -v ref="$reference" -v got="$key" '
        function key_of() { return keys == 2 ? $1 " " $2 : $1 }
        FNR == NR { want[key_of()] = $0; next }
        function fail(why) { if (++bad <= 5) print "keyed: " got " differs from " ref ": " why > "/dev/stderr" }
        {
          k = key_of()
          if (!(k in want)) { fail("unexpected key " k); next }
          if (k in seen) { fail("key " k " twice"); next }
          n = split(want[k], w, "\t"); seen[k] = 1
          if (NF != n) { fail("key " k ": " NF " fields, expected " n); next }
          for (i = keys + 1; i <= n; i++) {
            if (i == approx) same = (sprintf("%.1f", $i) - sprintf("%.1f", w[i]))^2 <= 0.0500001^2
            else same = ($i + 0 == w[i] + 0)
            if (!same) fail("key " k ", field " i ": " $i ", expected " w[i])
          }
        }
        END {
          for (k in want) if (!(k in seen)) fail("missing key " k)
          exit (bad > 0)
        }' "$work/$reference.tsv" "$work/$key.tsv"; then
      bad=1
    fi
  done
  ((bad == 0)) || { log "$w: results differ (outputs in $work/out, kept)"; trap - EXIT; exit 1; }
  log "$w: results agree ($(wc -l < "$work/$reference.tsv") groups)"
}

# ---- Round 0 warms up and checks the results; rounds 1..ROUNDS are counted.
log "${#configs[@]} configurations, 1 warm-up round + $ROUNDS rounds, $cores cores"
for ((round = 0; round <= ROUNDS; ++round)); do
  for config in "${configs[@]}"; do
    read -r w tool n <<< "$config"
    measure "$round" "$w" "$tool" "$n"
  done
  if ((round == 0)); then
    for w in $WORKLOADS; do check_results "$w"; done
  fi
done

# ---- Report.
median() { sort -g | awk '{v[NR] = $1} END {print NR == 0 ? "n/a" : NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
counted() { [[ ! -f $work/$1.failed && -s $work/$1.times ]]; }
seconds_of() { if counted "$1"; then median < "$work/$1.times"; else echo n/a; fi; }
# paired A B: the median over the rounds of A's time / B's time (a drifting machine cancels
# out within a round), or n/a.
paired() {
  if ! counted "$1" || ! counted "$2"; then echo n/a; return; fi
  paste "$work/$1.times" "$work/$2.times" | awk '{printf "%.4f\n", $1 / $2}' | median | awk '{printf "%.2f", $1}'
}
# verdict VALUE OP LIMIT: PASS, MISS, or n/a when VALUE is.
verdict() {
  [[ $1 == n/a ]] && { echo "n/a "; return; }
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {ok = op == "<=" ? v <= l : op == "<" ? v < l : v >= l; print ok ? "PASS" : "MISS"}'
}
rate() {  # rate SECONDS ROWS: millions of rows per second
  if [[ $1 == n/a ]]; then echo n/a; elif [[ $2 == 0 ]]; then echo -; else awk -v r="$2" -v s="$1" 'BEGIN {printf "%.2fM", r / s / 1e6}'; fi
}

echo
echo "keyed aggregation, file -> file; median of $ROUNDS rounds on $cores cores (rbc strategy ${STRATEGY:-chosen by the aggregation pass, hash for windows})"
runs 1brc && echo "  1brc      $ROWS rows, $((brc_bytes / 1000000)) MB, $(wc -l < "$root/bench/data/weather_stations.csv") stations"
runs highcard && echo "  highcard  $HC_ROWS rows, $((HC_ROWS / 2)) keys"
runs distinct && echo "  distinct  $HC_ROWS rows, 100 groups"
runs windows && echo "  windows   $WIN_ROWS rows, $((win_bytes / 1000000)) MB, 5000 keys, 2 hours in 1-minute tumbling windows; rbc-wm: watermark {allowed_lateness: 10s}"
# threads: rbc's lanes, DuckDB's threads; cpu: user + system seconds (rbc's reader, router
# and lanes overlap, so one lane may keep more than one core busy).
printf '\n  %-9s %-7s %7s %9s %9s %7s %12s\n' workload tool threads seconds rows/s "cpu s" "peak RSS MB"
for config in "${configs[@]}"; do
  read -r w tool n <<< "$config"
  key="$w-$tool-$n"; s=$(seconds_of "$key"); rss=n/a cpu=n/a
  if counted "$key"; then
    rss=$(sort -g "$work/$key.rss" | tail -n 1 | awk '{printf "%.0f", $1 * 1024 / 1e6}')
    cpu=$(median < "$work/$key.cpu")
  fi
  printf '  %-9s %-7s %7s %9s %9s %7s %12s\n' "$w" "$tool" "$n" "$s" "$(rate "$s" "${rows[$w]}")" "$cpu" "$rss"
done

echo
echo "  paired ratios (median of the rounds' ratios; < 1: rbc is faster)"
for w in $WORKLOADS; do
  printf '  %-9s rbc/duckdb  1 thread %5s   2 threads %5s\n' "$w" "$(paired "$w-rbc-1" "$w-duckdb-1")" "$(paired "$w-rbc-2" "$w-duckdb-2")"
done
if runs 1brc; then
  printf '  %-9s rbc/mlr     1 lane   %5s   2 lanes   %5s\n' 1brc "$(paired 1brc-rbc-1 1brc-mlr-1)" "$(paired 1brc-rbc-2 1brc-mlr-1)"
fi
if runs windows; then
  printf '  %-9s rbc-wm/duckdb         2 threads %5s\n' windows "$(paired windows-rbc-wm-2 windows-duckdb-2)"
  printf '  %-9s rbc-wm/rbc (the watermark'"'"'s cost at 2 lanes) %5s\n' windows "$(paired windows-rbc-wm-2 windows-rbc-2)"
  # rbc's reader, router and lane overlap: when 1 lane already keeps B cores busy, lanes can
  # speed it up at most cores / B, and the 2-lane efficiency is capped at that / 2.
  if counted windows-rbc-1; then
    awk -v cpu="$(median < "$work/windows-rbc-1.cpu")" -v s="$(seconds_of windows-rbc-1)" -v c="$cores" 'BEGIN {
      busy = cpu / s; cap = c / busy; if (cap > 2) cap = 2
      printf "  %-9s rbc at 1 lane keeps %.2f cores busy: on %d cores 2 lanes can be at most %.2fx as fast (efficiency <= %.2f)\n", "windows", busy, c, cap, cap / (c < 2 ? c : 2)
    }'
  fi
fi

efficiency() {  # efficiency WORKLOAD LANES: the rounds' median of t(1 lane) / t(lanes) / min(lanes, cores)
  local speedup; speedup=$(paired "$1-rbc-1" "$1-rbc-$2")
  if [[ $speedup == n/a ]]; then echo n/a; else awk -v s="$speedup" -v l="$2" -v c="$cores" 'BEGIN {printf "%.2f", s / (l < c ? l : c)}'; fi
}
if runs 1brc; then
  echo
  echo "  lane scaling (1brc, rbc): speed-up = the rounds' median of t(1 lane) / t(lanes)"
  printf '  %-6s %9s %9s %9s\n' lanes rows/s speed-up efficiency
  for n in "${brc_lanes[@]}"; do
    printf '  %-6s %9s %9s %9s\n' "$n" "$(rate "$(seconds_of "1brc-rbc-$n")" "$ROWS")" \
      "$(paired 1brc-rbc-1 "1brc-rbc-$n")" "$(efficiency 1brc "$n")"
  done
fi

peak=n/a
if uses rbc && cat "$work"/1brc-rbc-*.rss > /dev/null 2>&1; then
  peak=$(cat "$work"/1brc-rbc-*.rss | sort -g | tail -n 1 | awk '{printf "%.0f", $1 * 1024 / 1e6}')
fi
ratio_1=$(paired 1brc-rbc-1 1brc-duckdb-1) ratio_2=$(paired 1brc-rbc-2 1brc-duckdb-2)
slowdown_8=$(paired 1brc-rbc-8 1brc-rbc-2)
echo
echo "  targets"
if runs 1brc; then
  echo "  $(verdict "$ratio_1" '<=' 1.5)  1brc rbc/duckdb at 1 thread      $ratio_1 (<= 1.5)"
  echo "  $(verdict "$ratio_2" '<=' 1.5)  1brc rbc/duckdb at 2 threads     $ratio_2 (<= 1.5)"
  efficiency_2=$(efficiency 1brc 2)
  echo "  $(verdict "$efficiency_2" '>=' 0.85)  1brc 2-lane efficiency           $efficiency_2 (>= 0.85)"
  echo "  $(verdict "$slowdown_8" '<=' 1.10)  1brc 8 lanes / 2 lanes           $slowdown_8 (<= 1.10)"
  echo "  $(verdict "$peak" '<' 300)  rbc peak RSS on 1brc             $peak MB (< 300)"
fi
if runs windows; then
  wratio_1=$(paired windows-rbc-1 windows-duckdb-1) wratio_2=$(paired windows-rbc-2 windows-duckdb-2)
  wefficiency_2=$(efficiency windows 2)
  echo "  $(verdict "$wratio_1" '<=' 1.5)  windows rbc/duckdb at 1 thread   $wratio_1 (<= 1.5)"
  echo "  $(verdict "$wratio_2" '<=' 1.5)  windows rbc/duckdb at 2 threads  $wratio_2 (<= 1.5)"
  echo "  $(verdict "$wefficiency_2" '>=' 0.85)  windows 2-lane efficiency        $wefficiency_2 (>= 0.85)"
fi
((failed == 0)) || { log "a tool failed to run (see above)"; exit 1; }
