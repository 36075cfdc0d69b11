#!/usr/bin/env bash
# rbc exec, keyed aggregation end to end (files in, files out):
#   - N lanes are 1 lane: a GROUP BY over 20k rows (~300 keys, NULL among them) with the
#     common aggregates gives byte-identical sorted output with strategy hash and two_phase
#     at lanes 1, 2, 3, 4 and 8 (pinned by resources.aggregation and resources.parallelism;
#     two_phase has one partial aggregate per arriving lane, so --cores 32 lets the file be
#     read by as many readers as lanes);
#     each plan says the strategy and lanes asked for; with 4 hash lanes the report shows
#     every lane got rows and the lanes' groups add up to the distinct keys;
#   - many keys (300k rows over 150k keys): two_phase's lanes find their first rows make a
#     group per row and shuffle (each folds every row into the lane owning its key); at 2
#     and 4 lanes the output is still byte-identical to 1 lane, each key leaves once, and the
#     summary and report say what the lanes decided and why;
#   - EMIT CHANGES (60k rows, up to 4 readers): each group's rows come in the same order at
#     lanes 1, 2 and 4, and its last row is the EMIT FINAL row;
#   - a global aggregate over no rows (WHERE removes all) writes exactly one row;
#   - float keys: -0 and 0 are one group, as they are in one lane;
#   - GROUP BY k where k is also an aggregate's alias groups by the column k, in 3 lanes too;
#   - .rbc: a program's own route(by: hash(k)) before GROUP BY k is honoured; one by
#     another column is a located compile error;
#   - resources.max_state_bytes: too many groups fail the run, naming groups and bytes,
#     and no output file is left;
#   - a hot key: the report's warning names the lane that got it.
# No float AVG: its sum depends on the order rows are added in, which lanes change; AVG of
# an integer is exact (a decimal), so it must be identical.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
export LC_ALL=C
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*"; exit 1; }
# json FILE EXPR: a value from a JSON report (Python expression over `r`).
json() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# rows N: key k (~300 distinct, every 50th row NULL), a word t, int i, float f and
# decimal d, each NULL now and then.
rows() {
  awk -v rows="$1" 'BEGIN {
  print "k,t,i,f,d"
  for (n = 1; n <= rows; n++) {
    k = (n % 50 == 0) ? "" : sprintf("key_%03d", (n * 7919) % 301)
    t = (n % 37 == 0) ? "" : sprintf("w%05d", (n * 104729) % 99991)
    i = (n % 41 == 0) ? "" : (n * 31) % 1999 - 700
    f = (n % 43 == 0) ? "" : sprintf("%.3f", ((n * 17) % 100003) / 7.0 - 3000)
    d = (n % 47 == 0) ? "" : sprintf("%d.%02d", (n * 13) % 5000 - 2500, n % 100)
    printf "%s,%s,%s,%s,%s\n", k, t, i, f, d
  } }'
}
mkdir in in_changes
rows 20000 > in/events.csv
rows 60000 > in_changes/events.csv  # more batches, read by 4 readers: more chances to reorder
distinct_keys=$(awk -F, 'NR > 1 { seen[$1] = 1 } END { print length(seen) }' in/events.csv)

columns='[{name: k, type: text}, {name: t, type: text}, {name: i, type: int64}, {name: f, type: float64}, {name: d, type: "decimal(12,2)"}]'
query="SELECT k, COUNT(*) AS n, COUNT(i) AS ni, SUM(i) AS si, SUM(d) AS sd, MIN(t) AS tmin, MAX(t) AS tmax, MIN(f) AS fmin, MAX(f) AS fmax, AVG(i) AS ai, BOOL_OR(i % 97 = 0) AS b, APPROX_COUNT_DISTINCT(t) AS dt FROM input GROUP BY k HAVING COUNT(*) > 1"

# pipeline NAME QUERY PARALLELISM [AGGREGATION-BLOCK] [MORE-RESOURCES]: NAME.yaml, out to out_NAME/.
pipeline() {
  cat > "$1.yaml" <<YAML
version: "1.0"
pipeline: agg_$1
source:
  use: file
  config: {path: $work/${input:-in}/}
  streams:
    - name: events
      columns: $columns
transforms:
  - use: sql
    config: {query: "$2"}
destination:
  use: file
  config: {path: $work/out_$1/}
resources:
  parallelism: $3
  max_batch_bytes: 64kb
${4:+  aggregation: $4}
${5:-}
YAML
}
run() {  # run NAME [exec options]
  local name=$1; shift
  "$RBC" exec "$name.yaml" "$@" > "$name.log" 2>&1 || { cat "$name.log"; fail "$name did not run"; }
}

# --- N lanes are 1 lane -------------------------------------------------------------------
pipeline single "$query" 1
run single
sort out_single/events.csv > expected.csv
[ "$(head -1 out_single/events.csv)" = "k,n,ni,si,sd,tmin,tmax,fmin,fmax,ai,b,dt" ] || fail "header: $(head -1 out_single/events.csv)"
# Every key (the NULL one too) has many rows, so HAVING keeps them all; check a few values
# against awk.
[ "$(($(wc -l < expected.csv) - 1))" -eq "$distinct_keys" ] || fail "single lane wrote $(wc -l < expected.csv) lines for $distinct_keys keys"
awk -F, 'NR > 1 && $1 == "key_007" { n++; if ($3 != "") { ni++; si += $3 } } END { printf "key_007,%d,%d,%d\n", n, ni, si }' in/events.csv > key7.expected
grep '^key_007,' expected.csv | cut -d, -f1-4 | diff -u key7.expected - || fail "key_007's COUNT/SUM differ from awk"
awk -F, 'NR > 1 && $1 == "" { n++ } END { printf ",%d\n", n }' in/events.csv > null.expected
grep '^,' expected.csv | cut -d, -f1-2 | diff -u null.expected - || fail "the NULL key's count differs from awk"

for strategy in hash two_phase; do
  for lanes in 1 2 3 4 8; do
    name=${strategy}_$lanes
    # (autotune off: a probe would open more readers, so more arriving lanes, than N)
    pipeline "$name" "$query" "$lanes" "{strategy: $strategy, lanes: $lanes}" "  autotune: {enabled: false}"
    "$RBC" compile "$name.yaml" --cores 32 > "$name.plan" 2>&1 || { cat "$name.plan"; fail "$name does not compile"; }
    grep -q "strategy $strategy: pinned by resources.aggregation.strategy" "$name.plan" || { cat "$name.plan"; fail "$name: the plan does not say strategy $strategy"; }
    # `parallelism: N` gives the file N readers whatever the cores, so two_phase's lanes (one
    # per arriving lane) are N too.
    grep -q "lanes $lanes: " "$name.plan" || { cat "$name.plan"; fail "$name: the plan does not say lanes $lanes"; }
    report=()
    [ "$name" = hash_4 ] && report=(--report hash_4.json)
    run "$name" --cores 32 "${report[@]}"
    sort "out_$name/events.csv" | cmp -s expected.csv - || { sort "out_$name/events.csv" | diff -u expected.csv - | head -20; fail "$name differs from one lane"; }
  done
done
grep -q 'router %.*' hash_4.plan || fail "hash_4: no router in the plan"
# With 4 hash lanes, every lane got rows and each key lives in one lane.
lanes_json='[n for n in r["nodes"] if "lanes" in n][0]["lanes"]'
[ "$(json hash_4.json "len($lanes_json)")" -eq 4 ] || fail "hash_4 report: not 4 lanes"
[ "$(json hash_4.json "min(l['rows_in'] for l in $lanes_json)")" -gt 0 ] || fail "hash_4 report: a lane got no rows"
[ "$(json hash_4.json "sum(l['rows_in'] for l in $lanes_json)")" -eq 20000 ] || fail "hash_4 report: the lanes did not get 20000 rows"
[ "$(json hash_4.json "sum(l['groups'] for l in $lanes_json)")" -eq "$distinct_keys" ] || fail "hash_4 report: groups do not add up to $distinct_keys"
[ "$(json hash_4.json "max(l['rows_in'] for l in $lanes_json) * 100 // 20000")" -lt 40 ] || fail "hash_4 report: one lane got 40% or more"

# --- many keys: two_phase's lanes shuffle ----------------------------------------------------
mkdir in_many
awk 'BEGIN { print "k,t,i,f,d"
  for (n = 1; n <= 300000; n++) printf "k%06d,w%d,%d,,\n", (n * 7) % 150000, n % 13, n % 1000 }' > in_many/events.csv
many="SELECT k, COUNT(*) AS n, SUM(i) AS si, MIN(t) AS tmin FROM input GROUP BY k"
input=in_many pipeline many_1 "$many" 1
run many_1
sort out_many_1/events.csv > many.expected
[ "$(wc -l < many.expected)" -eq 150001 ] || fail "many_1: not one row per key"
for lanes in 2 4; do
  input=in_many pipeline "many_$lanes" "$many" "$lanes" "{strategy: two_phase}" "  autotune: {enabled: false}"
  run "many_$lanes" --cores 32 --report "many_$lanes.json"
  sort "out_many_$lanes/events.csv" | cmp -s many.expected - || fail "many_$lanes differs from one lane"
  note=$(json "many_$lanes.json" '[n for n in r["nodes"] if "lanes_note" in n][0]["lanes_note"]')
  [[ "$note" =~ ^lane\ [0-9]\'s\ first\ [0-9]+\ rows\ made\ [0-9]+\ groups\ \((0\.[5-9][0-9]|1\.00)\ per\ row.*from\ then\ on\ each\ lane\ folds\ every\ row\ into\ the\ lane\ that\ owns\ its\ key$ ]] ||
    fail "many_$lanes: the report's lanes_note: $note"
  grep -qF "      lanes: $note" "many_$lanes.log" || { cat "many_$lanes.log"; fail "many_$lanes: the summary does not say what the lanes decided"; }
  [ "$(json "many_$lanes.json" "sum(l['groups'] for l in $lanes_json)")" -eq 150000 ] || fail "many_$lanes: the lanes do not hold each key once"
done

# --- EMIT CHANGES ---------------------------------------------------------------------------
changes="SELECT k, COUNT(*) AS n, SUM(i) AS si, MAX(t) AS tmax, SUM(d) AS sd FROM input GROUP BY k"
input=in_changes pipeline final "$changes" 1
run final
for lanes in 1 2 4; do
  input=in_changes pipeline "changes_$lanes" "$changes EMIT CHANGES" "$lanes" "{strategy: hash, lanes: $lanes}"
  run "changes_$lanes" --cores 32
  [ "$(wc -l < "out_changes_$lanes/events.csv")" -eq 60001 ] || fail "changes_$lanes: not one row per input row"
  # Each group's rows in output order (a stable sort by the key alone).
  tail -n +2 "out_changes_$lanes/events.csv" | sort -s -t, -k1,1 > "changes_$lanes.by_group"
  awk -F, '{ last[$1] = $0 } END { for (k in last) print last[k] }' "out_changes_$lanes/events.csv" | sort > "changes_$lanes.last"
  sort out_final/events.csv | cmp -s - "changes_$lanes.last" || { sort out_final/events.csv | diff -u - "changes_$lanes.last" | head; fail "changes_$lanes: the last row per group is not the FINAL row"; }
done
cmp -s changes_1.by_group changes_2.by_group || fail "EMIT CHANGES: a group's rows differ between lanes 1 and 2"
cmp -s changes_1.by_group changes_4.by_group || fail "EMIT CHANGES: a group's rows differ between lanes 1 and 4"
# The running count climbs 1, 2, 3, ... in each group.
awk -F, '$1 != k { k = $1; want = 0 } { if ($2 != ++want) { print "group " k ": count " $2 ", expected " want; exit 1 } }' changes_4.by_group || fail "EMIT CHANGES: a group's count does not climb by one"

# --- A global aggregate over no rows --------------------------------------------------------
for p in 1 4; do
  pipeline "empty_$p" "SELECT COUNT(*) AS n, SUM(i) AS s FROM input WHERE i < -100000" "$p"
  run "empty_$p"
  printf 'n,s\n0,\n' | cmp -s - "out_empty_$p/events.csv" || { cat "out_empty_$p/events.csv"; fail "empty_$p: not exactly one row 0,"; }
done

# --- Float keys: -0 and 0 are one group -----------------------------------------------------
mkdir fin
awk 'BEGIN { print "x,i"; for (n = 1; n <= 400; n++) printf "%s,%d\n", (n % 2 ? "0" : "-0"), n }' > fin/zeros.csv
for lanes in 1 4; do
  cat > "zeros_$lanes.yaml" <<YAML
version: "1.0"
pipeline: zeros_$lanes
source:
  use: file
  config: {path: $work/fin/}
  streams:
    - name: zeros
      columns: [{name: x, type: float64}, {name: i, type: int64}]
transforms:
  - use: sql
    config: {query: "SELECT x, COUNT(*) AS n FROM input GROUP BY x"}
destination:
  use: file
  config: {path: $work/out_zeros_$lanes/}
resources:
  parallelism: $lanes
  aggregation: {strategy: hash, lanes: $lanes}
YAML
  run "zeros_$lanes"
  [ "$(tail -n +2 "out_zeros_$lanes/zeros.csv" | cut -d, -f2)" = 400 ] || { cat "out_zeros_$lanes/zeros.csv"; fail "zeros_$lanes: -0 and 0 are not one group of 400"; }
done

# --- GROUP BY a name that is an input column and an aggregate's alias: the column -------
alias_query="SELECT COUNT(*) AS k, MIN(t) AS tmin FROM input GROUP BY k"
pipeline alias_1 "$alias_query" 1
# (hash pinned: with `parallelism: 3` the file arrives in 3 lanes, where two_phase needs no router)
pipeline alias_3 "$alias_query" 3 "{strategy: hash}"
"$RBC" compile alias_3.yaml | grep -q 'router hash(k) x3' || { "$RBC" compile alias_3.yaml; fail "alias_3: not routed by the column k"; }
run alias_1
run alias_3
[ "$(head -1 out_alias_1/events.csv)" = k,tmin ] || fail "alias_1: header"
grep -v '^k,' expected.csv | cut -d, -f2,6 | sort | cmp -s - <(tail -n +2 out_alias_1/events.csv | sort) || fail "alias_1: not one row per key k"
sort out_alias_1/events.csv | cmp -s - <(sort out_alias_3/events.csv) || fail "alias_3 differs from alias_1"

# --- .rbc: the program's own hash route --------------------------------------------------
program() {  # program NAME ROUTE-KEY
  cat > "$1.rbc" <<RBC
pipeline $1 {
  file(path: "$work/in/").stream("events")
    |> route(by: hash($2), into: 3)
    |> sql("SELECT k, COUNT(*) AS n, SUM(i) AS si FROM input GROUP BY k")
    |> file(path: "$work/out_$1/").table(write_mode: replace)
  resources { parallelism: 3 }
}
RBC
}
program routed k
"$RBC" compile routed.rbc > routed.plan 2>&1 || { cat routed.plan; fail "routed.rbc does not compile"; }
grep -q 'strategy hash: the program routes by hash(k) into 3 lanes, a subset of the group keys: each lane owns its groups' routed.plan || { cat routed.plan; fail "routed.rbc: the plan does not honour the route"; }
grep -q "lanes 3: the program's route" routed.plan || { cat routed.plan; fail "routed.rbc: not 3 lanes"; }
[ "$(grep -c 'router hash' routed.plan)" -eq 1 ] || { cat routed.plan; fail "routed.rbc: a second router was inserted"; }
"$RBC" exec routed.rbc > routed.log 2>&1 || { cat routed.log; fail "routed.rbc did not run"; }
sort out_routed/events.csv | diff -u <(cut -d, -f1,2,4 expected.csv) - || fail "routed.rbc's groups differ from one lane's"
program misrouted t
code=0; "$RBC" compile misrouted.rbc > misrouted.plan 2> misrouted.err || code=$?
[ "$code" -eq 2 ] || fail "a route by a column that is not a GROUP BY key: compile exited with $code, expected 2"
diff -u - misrouted.err <<'EXPECTED' || fail "misrouted.rbc: diagnostic"
misrouted.rbc:3:8: error: the rows reach this aggregation split by hash(t), but 't' is not a GROUP BY key (k): rows of one group would land in several lanes and be aggregated apart
      |> route(by: hash(t), into: 3)
         ^
  note: route by a subset of the GROUP BY keys, or drop the route and let the compiler choose
1 error in misrouted.rbc
EXPECTED
if "$RBC" exec misrouted.rbc > misrouted.log 2>&1; then fail "misrouted.rbc ran"; fi
[ ! -e out_misrouted ] || fail "misrouted.rbc left output"

# --- resources.max_state_bytes ------------------------------------------------------------
mkdir many
awk 'BEGIN { print "k,i"; for (n = 1; n <= 200000; n++) printf "u%06d,%d\n", n, n % 10 }' > many/keys.csv
cat > many.yaml <<YAML
version: "1.0"
pipeline: many
source:
  use: file
  config: {path: $work/many/}
  streams:
    - name: keys
transforms:
  - use: sql
    config: {query: "SELECT k, SUM(i) AS s FROM input GROUP BY k"}
destination:
  use: file
  config: {path: $work/out_many/}
resources:
  parallelism: 2
  max_state_bytes: 1mb
YAML
"$RBC" compile many.yaml | grep -q 'max_state_bytes 1mb: resources.max_state_bytes' || { "$RBC" compile many.yaml; fail "many.yaml: the plan does not show max_state_bytes"; }
if "$RBC" exec many.yaml > many.log 2>&1; then fail "200k groups ran within max_state_bytes 1mb"; fi
grep -Eq "the aggregation's groups need more memory than resources.max_state_bytes allows: [0-9]+ groups hold [0-9.]+ MiB \(the limit is 1.0 MiB\)" many.log || { cat many.log; fail "max_state_bytes: message"; }
[ ! -e out_many/keys.csv ] || fail "max_state_bytes: a failed run left out_many/keys.csv"

# --- A hot key ----------------------------------------------------------------------------
mkdir hot
awk 'BEGIN { print "k,i"; for (n = 1; n <= 20000; n++) printf "%s,%d\n", (n % 20 ? "hot" : sprintf("cold_%02d", n % 97)), n }' > hot/clicks.csv
cat > hot.yaml <<YAML
version: "1.0"
pipeline: hot
source:
  use: file
  config: {path: $work/hot/}
  streams:
    - name: clicks
transforms:
  - use: sql
    config: {query: "SELECT k, COUNT(*) AS n FROM input GROUP BY k"}
destination:
  use: file
  config: {path: $work/out_hot/}
resources:
  parallelism: 4
  aggregation: {strategy: hash, lanes: 4}
YAML
"$RBC" exec hot.yaml --report hot.json > hot.log 2>&1 || { cat hot.log; fail "hot.yaml did not run"; }
hot_lane=$(json hot.json "max(range(4), key=lambda l: $lanes_json[l]['rows_in'])")
[ "$(json hot.json "$lanes_json[$hot_lane]['rows_in']")" -ge 19000 ] || fail "hot: the hot lane got fewer than 19000 rows"
warning=$(json hot.json '[n for n in r["nodes"] if "lanes" in n][0].get("warning", "")')
[[ $warning == "lane $hot_lane received 9"[5-9]"% of the rows, more than twice the mean: a hot key keeps the other lanes idle" ]] || fail "hot: warning '$warning' does not name lane $hot_lane"
grep -q "warning: lane $hot_lane received" hot.log || { cat hot.log; fail "hot: the summary has no warning"; }
grep -q '^hot,19000$' out_hot/clicks.csv || fail "hot: the hot key's count"

echo "aggregation: lanes agree, EMIT CHANGES keeps each group's order, empty global aggregate, float zeros"
