#!/usr/bin/env bash
# rbc exec with the runtime autotuner against a real server: a 400k-row stream is probed
# over windows of its heap blocks (a partition key with NULLs and gaps, with or without an
# index) and then read with the winner; a partitioned table, over key windows; the
# destination holds exactly the source rows; the decision is in the log, the summary and
# the JSON report (candidates, windows, probe cost within budget). Pinned knobs and
# `autotune.enabled: false` skip the probe and say why; a replace stream (one reader)
# probes only what applies to it. A candidate that fails falls back to the baseline.
#
# Needs RBC_PG_SRC_URL / RBC_PG_DST_URL (see scripts/pg-test-server); skipped (exit 77) without.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
table=rbc_autotune_$$
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.$table"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.$table"

psql_q "$SRC" "
CREATE TABLE public.$table (id bigint PRIMARY KEY, k int, u int, payload text);
INSERT INTO public.$table
SELECT g, CASE WHEN g % 997 = 0 THEN NULL WHEN g BETWEEN 100000 AND 120000 THEN NULL ELSE g * 3 END,
       g, md5(g::text) || md5((g * 7)::text)
FROM generate_series(1, 400000) g;
CREATE INDEX ON public.$table (k);
ANALYZE public.$table;"
digest_sql="SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM public.$table t"
src_digest=$(psql_q "$SRC" "$digest_sql")

write_pipeline() {  # $1 = file, $2 = write mode, $3 = resources block (optional), $4 = key
  cat > "$1" <<YAML
version: "1.0"
pipeline: exec_postgres_autotune
source:
  use: postgres
  config: {url: "$SRC"}
  streams:
    - name: public.$table
      sync_mode: full_refresh
      partition_key: ${4:-k}
destination:
  use: postgres
  config: {url: "$DST"}
  write_mode: $2
  primary_key: [id]
${3:+resources: $3}
YAML
}

run() {  # $1 = name: runs $work/$1.yaml into an empty destination and checks its rows
  psql_q "$DST" "SET client_min_messages = warning; DROP TABLE IF EXISTS public.$table"
  if ! "$RBC" exec "$work/$1.yaml" --report "$work/$1.json" > "$work/$1.out" 2> "$work/$1.err"; then
    fail "$1: rbc exec failed"
    cat "$work/$1.err"
    return
  fi
  local got
  got=$(psql_q "$DST" "$digest_sql")
  [[ $got == "$src_digest" ]] || fail "$1: destination $got, source $src_digest"
}
json() { jq -r "$2" "$work/$1.json"; }

# Probed: parallelism {1, 2, 3} (capped by the cores), mode {mod, range}, flush {4, 8, 16} MiB.
write_pipeline "$work/probed.yaml" append
run probed
grep -q "autotune-decision stream=\"public.$table\" winner: parallelism=" "$work/probed.err" ||
  fail "probed: no autotune-decision line in the log"
grep -q "^  autotune \"public.$table\": parallelism=[0-9]* partition_mode=[a-z]* copy_flush_bytes=[0-9]*mb after [0-9]* probe windows" \
  "$work/probed.out" || fail "probed: no autotune line in the summary"
[[ $(json probed '.autotune[0].event') == autotune-decision ]] || fail "probed: report event"
[[ $(json probed '.autotune[0].probe.window_unit') == "heap blocks" ]] || fail "probed: windows not of heap blocks"
grep -q "probe cost [0-9]* windows of heap blocks" "$work/probed.err" || fail "probed: log lacks the window unit"
# The overhead is what the windows took beyond their rows at the winner's rate: no more than they took.
[[ $(json probed '.autotune[0].probe | .overhead_seconds >= 0 and .overhead_seconds <= .seconds') == true ]] ||
  fail "probed: probe $(json probed '.autotune[0].probe')"
probe_rows=$(json probed '.autotune[0].probe.rows')
((probe_rows > 0 && probe_rows <= 60000)) || fail "probed: probe read $probe_rows rows, budget 15% of 400000"
# Every candidate of the parallelism knob ran at least two windows, and the winner is one of them.
[[ $(json probed '[.autotune[0].candidates[] | select(.partition_mode == "mod" and .copy_flush_bytes == 4194304) | .windows >= 2] | all') == true ]] ||
  fail "probed: a parallelism candidate ran fewer than 2 windows"
winner=$(json probed '.autotune[0].winner.parallelism')
[[ $(json probed "[.autotune[0].candidates[] | .parallelism] | index($winner) != null") == true ]] ||
  fail "probed: winner parallelism $winner is not a candidate"
# The source node reports the readers the winner kept, and a reader waiting for its next
# window (or, not kept, for the end of the run) is waiting, not busy: after the probe only
# the winner's readers can be busy.
[[ $(json probed '.nodes[0].tuned_concurrency') == "$winner" ]] ||
  fail "probed: source tuned_concurrency $(json probed '.nodes[0].tuned_concurrency'), winner $winner"
[[ $(json probed '.nodes[0].busy_seconds <= .duration_seconds * .nodes[0].tuned_concurrency
                  + .autotune[0].probe.seconds * .nodes[0].copies') == true ]] ||
  fail "probed: source busy $(json probed '.nodes[0].busy_seconds') s in a $(json probed '.duration_seconds') s run"
if ((winner != $(json probed '.nodes[0].concurrency'))); then
  grep -q "^    %0 source postgres \"public.$table\" x[0-9]* ($winner after the autotune probe):" "$work/probed.out" ||
    fail "probed: the summary's source line does not show the tuned readers"
fi

# Every knob pinned: nothing to probe, the pins are used and listed.
write_pipeline "$work/pinned.yaml" append \
  "{autotune: {pin_parallelism: 2, pin_source_partition_mode: range, pin_copy_flush_bytes: 8mb}}"
run pinned
grep -q "autotune-skipped stream=\"public.$table\" reason=\"nothing to tune: every knob is pinned\" pinned=\[parallelism,partition_mode,copy_flush_bytes\] baseline: parallelism=2 partition_mode=range copy_flush_bytes=8mb" \
  "$work/pinned.err" || { fail "pinned: autotune-skipped line"; grep autotune "$work/pinned.err"; }

# range over block windows: each reader scans its own part of a window's blocks (and of
# the rest, when steady), NULL keys and all; every row still arrives once (run checks).
write_pipeline "$work/ranged.yaml" append "{autotune: {pin_source_partition_mode: range}}"
run ranged
[[ $(json ranged '[.autotune[0].candidates[] | select(.parallelism > 1 and .partition_mode == "range") | .windows >= 2] | (length > 0 and all)') == true ]] ||
  fail "ranged: no range candidate with 2 windows: $(json ranged '.autotune[0]')"
write_pipeline "$work/ranged2.yaml" append "{autotune: {pin_parallelism: 2, pin_source_partition_mode: range}}"
run ranged2
[[ $(json ranged2 '.autotune[0].winner | .parallelism == 2 and .partition_mode == "range"') == true ]] ||
  fail "ranged2: $(json ranged2 '.autotune[0]')"

# The escape hatch.
write_pipeline "$work/disabled.yaml" append "{autotune: {enabled: false}}"
run disabled
[[ $(json disabled '.autotune[0].event') == autotune-skipped ]] || fail "disabled: event"
[[ $(json disabled '.autotune[0].reason') == "disabled (autotune.enabled: false): baseline values" ]] ||
  fail "disabled: reason $(json disabled '.autotune[0].reason')"

# A key without an index: block windows need none.
write_pipeline "$work/unindexed.yaml" append "" u
run unindexed
[[ $(json unindexed '.autotune[0].event') == autotune-decision ]] ||
  fail "unindexed: not probed: $(json unindexed '.autotune[0].reason')"
[[ $(json unindexed '.autotune[0].probe.window_unit') == "heap blocks" ]] || fail "unindexed: window unit"

# A partitioned table has no one heap: key windows, through the key's index (the
# partitions' primary keys); every row still arrives once.
psql_q "$SRC" "
CREATE TABLE public.${table}_p (id bigint PRIMARY KEY, k int, u int, payload text) PARTITION BY RANGE (id);
CREATE TABLE public.${table}_p1 PARTITION OF public.${table}_p FOR VALUES FROM (MINVALUE) TO (200000);
CREATE TABLE public.${table}_p2 PARTITION OF public.${table}_p FOR VALUES FROM (200000) TO (MAXVALUE);
INSERT INTO public.${table}_p SELECT * FROM public.$table;
ANALYZE public.${table}_p;"
drop_on_exit "$SRC" "DROP TABLE IF EXISTS public.${table}_p"
drop_on_exit "$DST" "DROP TABLE IF EXISTS public.${table}_p"
sed "s/public\.$table\b/public.${table}_p/" > "$work/parted.yaml" < <(write_pipeline /dev/stdout append "" id)
if "$RBC" exec "$work/parted.yaml" --report "$work/parted.json" > "$work/parted.out" 2> "$work/parted.err"; then
  [[ $(json parted '.autotune[0].probe.window_unit') == keys ]] ||
    fail "parted: window unit $(json parted '.autotune[0].probe.window_unit'): $(json parted '.autotune[0].reason')"
  got=$(psql_q "$DST" "SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM public.${table}_p t")
  [[ $got == "$src_digest" ]] || fail "parted: destination $got, source $src_digest"
else
  fail "parted: rbc exec failed"
  cat "$work/parted.err"
fi

# replace is not partition-eligible: one reader, so only the flush threshold is a knob.
write_pipeline "$work/replace.yaml" replace
run replace
[[ $(json replace '.autotune[0].winner.parallelism') == 1 ]] || fail "replace: parallelism"
[[ $(json replace '[.autotune[0].candidates[] | .parallelism == 1] | all') == true ]] ||
  fail "replace: probed a parallelism other than 1"

# A candidate whose slices fail (the test hook of docs/autotune.md, Faults: every slice of a
# 1-reader window) is invalidated; the stream falls back to the baseline, 2 readers, and the
# destination still holds exactly the source rows, without a retried attempt.
write_pipeline "$work/fault.yaml" append "{parallelism: 2}"
export RBC_TEST_AUTOTUNE_FAIL=1
run fault
unset RBC_TEST_AUTOTUNE_FAIL
[[ $(json fault '.autotune[0].reason') == *"candidate parallelism 1 partition_mode mod invalidated in probe window 0: RBC_TEST_AUTOTUNE_FAIL"*"fell back to the baseline"* ]] ||
  fail "fault: reason $(json fault '.autotune[0].reason')"
[[ $(json fault '.autotune[0].winner.parallelism') == 2 ]] || fail "fault: ran $(json fault '.autotune[0].winner')"
[[ $(json fault '.retry_count') == 0 ]] || fail "fault: the attempt was retried"

finish
