#!/usr/bin/env bash
# rbc exec, event-time windows end to end (CSV files in, CSV files out):
#   - no watermark: TUMBLING(t, 10s), HOPPING(t, 10s, 4s) and SESSION(t, 5s) give exactly
#     the batch GROUP BY of (window, key) that python computes from the file, whatever the
#     row order (in order, reversed, two halves interleaved), at 1 and 3 lanes;
#   - watermark {allowed_lateness: 1s}: for each input order (in order, reversed,
#     interleaved, jittered), lanes 1, 2 and 4 give identical sorted output and identical
#     late-row counts (run report JSON and text); in order nothing is late and the output is
#     the batch GROUP BY; otherwise some rows are late, and for TUMBLING and SESSION the
#     counts written plus the late rows are every row; so too with a time that is an
#     expression (t - 3000), which the router evaluates;
#   - a SESSION's state bytes (APPROX_COUNT_DISTINCT, a long MAX) never wrap below zero;
#   - 4 readers of the file in order (4 source partitions): nothing late, the batch GROUP BY;
#   - late_rows: dlq writes exactly the late rows (a NULL time among them) with their
#     reasons to <pipeline>.dlq.jsonl, or to destination.dlq_path, at lanes 1 and 4;
#   - late_rows: fail stops the run with a non-zero exit and the "late row: ..." message;
#   - a bad watermark (unknown key, bad duration, bad late_rows, watermark on a query
#     with no WINDOW) is a located compile error (exit 2, file:line:col).
set -euo pipefail
: "${RBC:?path to the rbc binary}"
export LC_ALL=C
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
# json FILE EXPR: a value from a JSON report (Python expression over `r`).
json() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

rows=20000
# gen ORDER: the CSV k,v,t of $rows rows (t epoch ms, strictly increasing with n, with a
# 20 s gap every 500 rows; v NULL every 50th row) in ORDER: ordered, reversed, interleaved
# (the two halves alternating) or jittered (shuffled within blocks of 300 rows, ~11 s of event time).
gen() {
  python3 - "$1" "$rows" <<'PY'
import random, sys
order, n = sys.argv[1], int(sys.argv[2])
rows = [("k%02d" % ((i * 7) % 13), "" if i % 50 == 0 else str(i % 97), i * 37 + (i // 500) * 20000) for i in range(n)]
if order == "reversed":
    rows.reverse()
elif order == "interleaved":
    half = (n + 1) // 2
    a, b = rows[:half], rows[half:]
    rows = [r for pair in zip(a, b + [None]) for r in pair if r is not None]
elif order == "jittered":
    rng = random.Random(7)
    blocks = [rows[i:i + 300] for i in range(0, n, 300)]
    for block in blocks:
        rng.shuffle(block)
    rows = [r for block in blocks for r in block]
print("k,v,t")
for k, v, t in rows:
    print("%s,%s,%d" % (k, v, t))
PY
}

# expected FILE KIND SIZE [ADVANCE]: the batch GROUP BY (window, k) of FILE as sorted CSV
# lines window_start,window_end,k,n,s (KIND tumbling, hopping or session; ms).
expected() {
  python3 - "$@" <<'PY'
import csv, sys
from collections import defaultdict
path, kind, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
advance = int(sys.argv[4]) if len(sys.argv) > 4 else size
groups = defaultdict(list)  # (start, end, k) -> v values (None for NULL)
rows = list(csv.DictReader(open(path)))
if kind == "session":
    by_key = defaultdict(list)
    for r in rows:
        by_key[r["k"]].append((int(r["t"]), r["v"]))
    for k, items in by_key.items():
        items.sort()
        start = end = None
        members = []
        for t, v in items + [(None, None)]:
            if t is not None and end is not None and t <= end:  # [t, t+gap) touches [start, end)
                end = max(end, t + size)
                members.append(v)
                continue
            if end is not None:
                groups[(start, end, k)] = members
            if t is not None:
                start, end, members = t, t + size, [v]
else:
    for r in rows:
        t = int(r["t"])
        start = (t // advance) * advance
        while start - advance > t - size:
            start -= advance
        while start <= t:
            if t < start + size:
                groups[(start, start + size, r["k"])].append(r["v"])
            start += advance
lines = []
for (start, end, k), vs in groups.items():
    values = [int(v) for v in vs if v != ""]
    lines.append("%d,%d,%s,%d,%s" % (start, end, k, len(vs), sum(values) if values else ""))
print("\n".join(sorted(lines)))
PY
}

# pipeline NAME INPUT QUERY LANES [WATERMARK]: NAME.yaml reading INPUT/events.csv, writing out_NAME/.
pipeline() {
  cat > "$1.yaml" <<YAML
version: "1.0"
pipeline: $1
source:
  use: file
  config: {path: $work/$2/}
  streams:
    - name: events
      columns: [{name: k, type: text}, {name: v, type: int64}, {name: t, type: int64}]
transforms:
  - use: sql
    config:
      query: "$3"
${5:+      watermark: $5}
destination:
  use: file
  config: {path: $work/out_$1/}
resources:
  parallelism: ${par:-1}
  max_batch_bytes: 64kb
  aggregation: {lanes: $4}
YAML
}
run() {  # run NAME [exec options]
  local name=$1; shift
  "$RBC" exec "$name.yaml" "$@" > "$name.log" 2>&1 || { cat "$name.log"; fail "$name did not run"; }
}
# The sorted data lines (no header) of NAME's output.
output() {
  [ "$(head -1 "out_$1/events.csv")" = "window_start,window_end,k,n,s" ] || fail "$1: header $(head -1 "out_$1/events.csv")"
  tail -n +2 "out_$1/events.csv" | sort
}

select="SELECT window_start, window_end, k, COUNT(*) AS n, SUM(v) AS s FROM input GROUP BY k"
declare -A window=([tumbling]="TUMBLING(t, 10s)" [hopping]="HOPPING(t, INTERVAL '10' SECOND, 4s)" [session]="SESSION(t, 5s)")
declare -A sizes=([tumbling]="10000" [hopping]="10000 4000" [session]="5000")

for order in ordered reversed interleaved jittered; do
  mkdir "in_$order"
  gen "$order" > "in_$order/events.csv"
  [ "$(wc -l < "in_$order/events.csv")" -eq $((rows + 1)) ] || fail "gen $order"
done
cmp -s <(sort in_ordered/events.csv) <(sort in_interleaved/events.csv) || fail "the orders do not hold the same rows"
for kind in tumbling hopping session; do
  # shellcheck disable=SC2086
  expected in_ordered/events.csv "$kind" ${sizes[$kind]} > "expected_$kind.csv"
  [ "$(wc -l < "expected_$kind.csv")" -gt 100 ] || fail "expected_$kind: too few groups"
done
# The independent computation is not trivially empty or degenerate: sessions split at the gaps.
[ "$(grep -c ',k03,' expected_session.csv)" -eq 40 ] || fail "expected 40 sessions of k03, python found $(grep -c ',k03,' expected_session.csv)"

# --- No watermark: the batch GROUP BY whatever the order -----------------------------------
for kind in tumbling hopping session; do
  for order in ordered reversed interleaved; do
    for lanes in 1 3; do
      name=${kind}_${order}_$lanes
      pipeline "$name" "in_$order" "$select WINDOW ${window[$kind]}" "$lanes"
      run "$name" --cores 8
      output "$name" | cmp -s "expected_$kind.csv" - ||
        { output "$name" | diff -u "expected_$kind.csv" - | head -20; fail "$name differs from the batch GROUP BY"; }
    done
  done
done
"$RBC" compile tumbling_ordered_3.yaml --cores 8 > plan3.txt 2>&1 || { cat plan3.txt; fail "tumbling_ordered_3 does not compile"; }
grep -q 'router hash(k) x3' plan3.txt || { cat plan3.txt; fail "tumbling_ordered_3: not 3 hash lanes"; }

# --- A watermark: every lane count gives the same rows and the same late rows ---------------
late_of() {  # late_of NAME: the late rows the report JSON counts over all lanes
  json "$1.json" 'sum(l["late_rows"] for n in r["nodes"] for l in n.get("lanes", []))'
}
for kind in tumbling hopping session; do
  for order in ordered reversed interleaved jittered; do
    for lanes in 1 2 4; do
      name=wm_${kind}_${order}_$lanes
      pipeline "$name" "in_$order" "$select WINDOW ${window[$kind]}" "$lanes" "{allowed_lateness: 1s}"
      run "$name" --cores 8 --report "$name.json"
      output "$name" > "$name.sorted"
      late_of "$name" > "$name.late"
      # The text report says the same per lane.
      text_late=$({ grep -E '^ +lane [0-9]+:' "$name.log" | grep -o 'late rows [0-9]*' || true; } | awk '{ s += $3 } END { print s + 0 }')
      node_late=$({ grep -E '^ +%[0-9]+ transform' "$name.log" | grep -o 'late rows [0-9]*' || true; } | awk '{ s += $3 } END { print s + 0 }')
      [ "$node_late" -eq "$text_late" ] || fail "$name: the node line says $node_late late rows, its lanes $text_late"
      [ "$text_late" -eq "$(cat "$name.late")" ] || { cat "$name.log"; fail "$name: text report says $text_late late rows, JSON $(cat "$name.late")"; }
    done
    base=wm_${kind}_${order}_1
    for lanes in 2 4; do
      name=wm_${kind}_${order}_$lanes
      cmp -s "$base.sorted" "$name.sorted" || { diff -u "$base.sorted" "$name.sorted" | head -20; fail "$name: rows differ from 1 lane"; }
      cmp -s "$base.late" "$name.late" || fail "$name: $(cat "$name.late") late rows, 1 lane $(cat "$base.late")"
    done
    late=$(cat "$base.late")
    if [ "$order" = ordered ]; then
      [ "$late" -eq 0 ] || fail "$base: $late late rows in time order"
      cmp -s "expected_$kind.csv" "$base.sorted" || { diff -u "expected_$kind.csv" "$base.sorted" | head; fail "$base: in time order, not the batch GROUP BY"; }
    else
      [ "$late" -gt 0 ] || fail "$base: no late rows out of order"
      if [ "$kind" != hopping ]; then  # each row is in one window: counted once or late
        counted=$(awk -F, '{ s += $4 } END { print s }' "$base.sorted")
        [ $((counted + late)) -eq "$rows" ] || fail "$base: $counted rows counted + $late late != $rows"
      fi
    fi
  done
done
# A time that is an expression: the router evaluates it to stamp each batch's largest time.
for lanes in 1 4; do
  name=wm_expr_$lanes
  pipeline "$name" in_jittered "$select WINDOW TUMBLING(t - 3000, 10s)" "$lanes" "{allowed_lateness: 1s}"
  run "$name" --cores 8 --report "$name.json"
  output "$name" > "$name.sorted"
  late_of "$name" > "$name.late"
done
cmp -s wm_expr_1.sorted wm_expr_4.sorted || { diff -u wm_expr_1.sorted wm_expr_4.sorted | head; fail "wm_expr_4: rows differ from 1 lane"; }
cmp -s wm_expr_1.late wm_expr_4.late || fail "wm_expr_4: $(cat wm_expr_4.late) late rows, 1 lane $(cat wm_expr_1.late)"
[ "$(cat wm_expr_1.late)" -gt 0 ] || fail "wm_expr_1: no late rows"
grep -q '^-10000,0,' wm_expr_1.sorted || fail "wm_expr_1: no window [-10 s, 0) for t - 3 s"
# SESSION state bytes: the states that grow after a session starts (a sketch, a long MAX)
# are given back when it closes; the report's lanes never show a wrapped-around size.
pipeline session_bytes in_jittered "SELECT window_start, k, APPROX_COUNT_DISTINCT(v) AS d, MAX(k || '-' || CAST(v AS text) || '-padding-past-the-small-string-buffer') AS m FROM input GROUP BY k WINDOW SESSION(t, 5s)" 2 "{allowed_lateness: 1s, late_rows: drop}"
run session_bytes --cores 8 --report session_bytes.json
[ "$(json session_bytes.json 'max(l["state_bytes"] for n in r["nodes"] for l in n.get("lanes", []))')" -lt $((1 << 30)) ] ||
  { json session_bytes.json '[l["state_bytes"] for n in r["nodes"] for l in n.get("lanes", [])]'; fail "session_bytes: a lane reports more than 1 GiB of state"; }
# Several readers: the file in order, cut into chunks that 4 readers (4 source partitions)
# take in file order. The watermark is the slowest partition's, so no row is late and the
# result is the batch GROUP BY.
for kind in tumbling session; do
  name=readers_$kind
  par=4 pipeline "$name" in_ordered "$select WINDOW ${window[$kind]}" 4 "{allowed_lateness: 0s}"
  # (partitions: the plan opens more readers when autotune probes the file)
  "$RBC" compile "$name.yaml" --cores 8 | grep -q 'partitions 4: ' || { "$RBC" compile "$name.yaml" --cores 8; fail "$name: not 4 readers"; }
  run "$name" --cores 8 --report "$name.json"
  [ "$(late_of "$name")" -eq 0 ] || fail "$name: $(late_of "$name") late rows in time order"
  output "$name" | cmp -s "expected_$kind.csv" - || { output "$name" | diff -u "expected_$kind.csv" - | head; fail "$name: not the batch GROUP BY"; }
done
# Reversed, nearly every row comes after its window closed.
[ "$(cat wm_tumbling_reversed_1.late)" -gt $((rows / 2)) ] || fail "reversed: only $(cat wm_tumbling_reversed_1.late) late rows"
# One reader feeds a router into 4 lanes: one read order for every lane count.
"$RBC" compile wm_tumbling_ordered_4.yaml --cores 8 > wm_plan.txt 2>&1 || { cat wm_plan.txt; fail "wm plan"; }
grep -q 'partitions 1: ' wm_plan.txt && grep -q 'router hash(k) x4' wm_plan.txt && grep -q 'lanes 4: pinned' wm_plan.txt ||
  { cat wm_plan.txt; fail "wm_tumbling_ordered_4: not 1 reader into 4 hash lanes"; }

# --- late_rows: dlq and fail ----------------------------------------------------------------
# 7000 rows at 100 s fill the first batch (64kb), so the watermark stands at 100 s before
# the last batch, which holds five more rows: four late (one with a NULL time), one not.
mkdir in_late
{
  echo "k,v,t"
  for ((i = 0; i < 7000; i++)); do echo "kf,1,100000"; done
  printf 'a,1,5000\nb,2,\na,3,99999\nb,4,100001\nc,5,95000\n'
} > in_late/events.csv
cat > late_expected.jsonl <<'JSONL'
{"pipeline":"PIPE","stream":"events","record":{"k":"a","v":1,"t":5000},"error":"late row: event time 5000 is behind the watermark 100000: its window [0, 10000) had closed"}
{"pipeline":"PIPE","stream":"events","record":{"k":"b","v":2,"t":null},"error":"its event time is NULL, so it belongs to no window"}
{"pipeline":"PIPE","stream":"events","record":{"k":"a","v":3,"t":99999},"error":"late row: event time 99999 is behind the watermark 100000: its window [90000, 100000) had closed"}
{"pipeline":"PIPE","stream":"events","record":{"k":"c","v":5,"t":95000},"error":"late row: event time 95000 is behind the watermark 100000: its window [90000, 100000) had closed"}
JSONL
for lanes in 1 4; do
  name=late_dlq_$lanes
  pipeline "$name" in_late "$select WINDOW TUMBLING(t, 10s)" "$lanes" "{late_rows: dlq}"
  run "$name" --cores 8
  [ -f "$name.dlq.jsonl" ] || fail "$name: no dead-letter file $name.dlq.jsonl"
  sed "s/PIPE/$name/" late_expected.jsonl | sort > "$name.expected"
  sort "$name.dlq.jsonl" | cmp -s "$name.expected" - || { diff -u "$name.expected" <(sort "$name.dlq.jsonl"); fail "$name: the dead-letter file differs"; }
  printf '100000,110000,b,1,4\n100000,110000,kf,7000,7000\n' | cmp -s - <(output "$name") ||
    { output "$name"; fail "$name: the output is not the one open window"; }
  grep -q 'late rows' "$name.log" || { cat "$name.log"; fail "$name: the report does not count late rows"; }
  [ "$({ grep -E '^ +lane [0-9]+:' "$name.log" | grep -o 'late rows [0-9]*' || true; } | awk '{ s += $3 } END { print s + 0 }')" -eq 4 ] || { cat "$name.log"; fail "$name: not 4 late rows"; }
done
# The order within one lane is the batch's row order.
sed "s/PIPE/late_dlq_1/" late_expected.jsonl | cmp -s - late_dlq_1.dlq.jsonl || fail "late_dlq_1: the dead-letter rows are not in row order"
# destination.dlq_path
pipeline late_path in_late "$select WINDOW TUMBLING(t, 10s)" 2 "{late_rows: dlq}"
sed -i "s|config: {path: $work/out_late_path/}|config: {path: $work/out_late_path/}\n  dlq_path: $work/elsewhere/late.jsonl|" late_path.yaml
mkdir elsewhere
run late_path --cores 8
[ ! -e late_path.dlq.jsonl ] || fail "late_path: wrote the default dead-letter file despite dlq_path"
sed "s/PIPE/late_path/" late_expected.jsonl | sort | cmp -s - <(sort elsewhere/late.jsonl) || { cat elsewhere/late.jsonl; fail "late_path: dlq_path differs"; }
# drop (the default): counted, no file.
pipeline late_drop in_late "$select WINDOW TUMBLING(t, 10s)" 1 "{allowed_lateness: 0}"
run late_drop --cores 8
[ ! -e late_drop.dlq.jsonl ] || fail "late_drop wrote a dead-letter file"
grep -q 'late rows 4' late_drop.log || { cat late_drop.log; fail "late_drop: not 4 late rows"; }
# allowed_lateness 10s keeps [90 s, 100 s) open: only 5 s and the NULL time are late.
pipeline late_lenient in_late "$select WINDOW TUMBLING(t, 10s)" 1 "{allowed_lateness: 10s, late_rows: dlq}"
run late_lenient --cores 8
[ "$(wc -l < late_lenient.dlq.jsonl)" -eq 2 ] || { cat late_lenient.dlq.jsonl; fail "late_lenient: not 2 late rows"; }
grep -q '"error":"late row: event time 5000 is behind the watermark 90000: its window \[0, 10000) had closed"' late_lenient.dlq.jsonl ||
  { cat late_lenient.dlq.jsonl; fail "late_lenient: the reason for 5 s"; }
output late_lenient | grep -qx '90000,100000,a,1,3' || { output late_lenient; fail "late_lenient: 99.999 s not in [90 s, 100 s)"; }
for lanes in 1 3; do
  name=late_fail_$lanes
  pipeline "$name" in_late "$select WINDOW TUMBLING(t, 10s)" "$lanes" "{late_rows: fail}"
  if "$RBC" exec "$name.yaml" --cores 8 > "$name.log" 2>&1; then cat "$name.log"; fail "$name: exited 0"; fi
  grep -q 'late row: event time [0-9]* is behind the watermark 100000: its window \[[0-9]*, [0-9]*) had closed (watermark.late_rows: fail); the row: {"k":' "$name.log" ||
    { cat "$name.log"; fail "$name: no late-row message"; }
done
grep -qF 'late row: event time 5000 is behind the watermark 100000: its window [0, 10000) had closed (watermark.late_rows: fail); the row: {"k":"a","v":1,"t":5000}' late_fail_1.log ||
  { cat late_fail_1.log; fail "late_fail_1: not the first late row"; }

# --- A bad watermark is a located compile error -----------------------------------------------
bad() {  # bad NAME QUERY WATERMARK EXPECTED-LINE: compile exits 2 and prints EXPECTED-LINE
  pipeline "$1" in_ordered "$2" 1 "$3"
  local code=0
  "$RBC" compile "$1.yaml" > "$1.out" 2>&1 || code=$?
  [ "$code" -eq 2 ] || { cat "$1.out"; fail "$1: compile exited $code, expected 2"; }
  grep -qF "$4" "$1.out" || { cat "$1.out"; fail "$1: expected '$4'"; }
}
tumbling="$select WINDOW TUMBLING(t, 10s)"
bad bad_key "$tumbling" "{lateness: 1s}" "bad_key.yaml:13:18: error: unknown watermark setting 'lateness'"
bad bad_duration "$tumbling" "{allowed_lateness: soon}" \
  'bad_duration.yaml:13:18: error: watermark.allowed_lateness must be a duration (500ms, 30s, 5m, 1h, 1d), not "soon"'
bad bad_idle "$tumbling" "{idle_timeout: -3}" \
  'bad_idle.yaml:13:18: error: watermark.idle_timeout must be a duration (500ms, 30s, 5m, 1h, 1d), not -3'
bad bad_mode "$tumbling" "{late_rows: ignore}" \
  'bad_mode.yaml:13:18: error: watermark.late_rows must be drop, dlq or fail, not "ignore"'
bad bad_shape "$tumbling" "[1s]" "bad_shape.yaml:13:18: error: watermark must be a map"
bad no_window "SELECT k, COUNT(*) AS n FROM input GROUP BY k" "{allowed_lateness: 1s}" \
  "no_window.yaml:13:18: error: watermark applies to a windowed aggregation, and this query has no WINDOW"
bad bad_window "$select WINDOW TUMBLING(t, 10s, 5s)" "" "in sql query: TUMBLING takes a time and one duration"

# --- A stream's watermark ------------------------------------------------------------------
# The same late file with the watermark on the stream instead of the aggregation: the same
# late rows, and the plan says whose watermark it is.
pipeline stream_wm in_late "$select WINDOW TUMBLING(t, 10s)" 2 ""
sed -i 's|^      columns: \(.*\)$|      columns: \1\n      watermark: {allowed_lateness: 0s, late_rows: dlq}|' stream_wm.yaml
"$RBC" compile stream_wm.yaml | grep -qF "watermark: stream \"events\"'s watermark: allowed_lateness 0; late rows: dlq" ||
  { "$RBC" compile stream_wm.yaml; fail "stream_wm: the plan does not name the stream's watermark"; }
run stream_wm --cores 8
sed "s/PIPE/stream_wm/" late_expected.jsonl | sort | cmp -s - <(sort stream_wm.dlq.jsonl) ||
  { cat stream_wm.dlq.jsonl; fail "stream_wm: the dead-letter rows differ from the aggregation's watermark's"; }
# A bad stream watermark is a located error read through the key table.
sed 's|allowed_lateness: 0s|allowed_lateness: soon|' stream_wm.yaml > stream_bad.yaml
code=0; "$RBC" compile stream_bad.yaml > stream_bad.out 2>&1 || code=$?
[ "$code" -eq 2 ] && grep -q "stream_bad.yaml:[0-9]*:[0-9]*: error: watermark.allowed_lateness must be a duration such as 500ms, 30s, 5m or 1h, got 'soon'" stream_bad.out ||
  { cat stream_bad.out; fail "stream_bad: expected a located duration error"; }

# --- Two sources into one window: one that has read nothing yet holds the watermark back -----
# The .rbc program merges a file with times from 100 s on and one with times from 0 s: without
# the second source holding the watermark back until it reads, its rows would all be late.
mkdir -p two_a two_b
{ echo "k,v,t"; for i in $(seq 0 1999); do echo "a,1,$((100000 + i * 10))"; done; } > two_a/a.csv
{ echo "k,v,t"; for i in $(seq 0 1999); do echo "b,1,$((i * 10))"; done; } > two_b/b.csv
cat > two.rbc <<RBC
pipeline two {
  let agg = sql("SELECT k, COUNT(*) AS n FROM input GROUP BY k WINDOW TUMBLING(t, 1h)", watermark: {allowed_lateness: 0s})
  file(path: "$work/two_a/", format: csv).stream("a", columns: [k: text, v: int64, t: int64]) |> agg
  file(path: "$work/two_b/", format: csv).stream("b", columns: [k: text, v: int64, t: int64]) |> agg
  agg |> file(path: "$work/out_two/", format: csv).table(write_mode: replace)
  resources { max_batch_bytes: 64kb }
}
RBC
for attempt in 1 2 3; do
  "$RBC" exec two.rbc --report two.json > two.log 2>&1 || { cat two.log; fail "two did not run"; }
  [ "$(json two.json 'sum(l["late_rows"] for n in r["nodes"] for l in n.get("lanes", []))')" -eq 0 ] ||
    { cat two.log; fail "two: rows of the source that read second were late"; }
  [ "$(sort out_two/*.csv | tr '\n' ' ')" = "a,2000 b,2000 k,n " ] || { cat out_two/*.csv; fail "two: wrong counts"; }
done

echo "windows: batch GROUP BY in any order, lanes agree on rows and late rows, dlq/fail, located watermark errors"
