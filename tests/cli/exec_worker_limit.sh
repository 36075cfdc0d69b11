#!/usr/bin/env bash
# Effective parallelism (docs/passes.md, Sources; Transforms and routers): `parallelism: N` gives an eligible stream N readers
# whatever the core count, and the plan's worker limit bounds the source readers and
# transform batches running at once across the pipeline. The runs record how many ran at
# once (run report: runtime.peak_workers, nodes[].peak_concurrency), and every row arrives:
# more partitions than slots, one in-flight batch per reader and an in-order sink must not
# deadlock, nor may probing streams whose readers outnumber the slots.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
json() { jq -r "$2" "$work/$1.json"; }

# 1.2M rows: the generator's batches hold 65,536 rows, so each of 8 readers reads 3.
rows=1200000
write_pipeline() {  # $1 = name, $2 = resources block; generator -> sql -> one CSV file (in order)
  mkdir -p "$work/out_$1"
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: worker_limit
source:
  use: generator
  config: {rows: $rows, seed: 7}
  streams:
    - name: numbers
transforms:
  - use: sql
    config: {query: "SELECT id, value * 2 AS doubled, name FROM input"}
destination:
  use: file
  config: {path: $work/out_$1/, format: csv}
resources:
$2
YAML
}
check_rows() {  # $1 = name: every generated id once
  local got
  got=$(tail -n +2 "$work/out_$1/numbers.csv" | cut -d, -f1 | sort -n | uniq | wc -l)
  [[ $got == "$rows" ]] || fail "$1: $got distinct ids written, expected $rows"
}

# Manual: parallelism 8 on a 2-core plan is 8 readers, and a worker limit of 8.
write_pipeline manual "  parallelism: 8
  autotune: {enabled: false}"
"$RBC" compile "$work/manual.yaml" --cores 2 > "$work/manual.plan"
grep -q 'partitions 8: partition-eligible: parallelism 8 as written (manual), whatever the core count' \
  "$work/manual.plan" || { cat "$work/manual.plan"; fail "manual: the plan does not give 8 partitions"; }
grep -q '^workers 8: at most 8 source readers and transform batches run at once: effective_parallelism 8 (a semaphore' \
  "$work/manual.plan" || fail "manual: no worker limit 8 in the plan"
"$RBC" exec "$work/manual.yaml" --cores 2 --report "$work/manual.json" > "$work/manual.out" 2> "$work/manual.err" ||
  { cat "$work/manual.err"; fail "manual: rbc exec failed"; }
[[ $(json manual '.nodes[0].copies') == 8 ]] || fail "manual: $(json manual '.nodes[0].copies') readers opened, expected 8"
[[ $(json manual '.runtime.worker_limit') == 8 ]] || fail "manual: worker limit $(json manual '.runtime.worker_limit')"
peak=$(json manual '.runtime.peak_workers')
((peak >= 1 && peak <= 8)) || fail "manual: peak workers $peak"
check_rows manual

# Bounded: 8 readers pinned, but effective parallelism 2 on 2 cores: at most 2 readers and
# transform batches at once, with one batch in flight per reader (the tightest admission: it
# once ended every reader after its second batch, silently).
write_pipeline bounded "  autotune: {enabled: false, pin_parallelism: 8}
  max_inflight_batches: 1"
"$RBC" compile "$work/bounded.yaml" --cores 2 > "$work/bounded.plan"
grep -q '^workers 2: at most 2 source readers and transform batches run at once: effective_parallelism 2 (a semaphore' \
  "$work/bounded.plan" || { cat "$work/bounded.plan"; fail "bounded: no worker limit 2 in the plan"; }
timeout 120 "$RBC" exec "$work/bounded.yaml" --cores 2 --report "$work/bounded.json" > "$work/bounded.out" \
  2> "$work/bounded.err" || { cat "$work/bounded.err"; fail "bounded: rbc exec failed or hung"; }
[[ $(json bounded '.nodes[0].copies') == 8 ]] || fail "bounded: expected 8 readers"
batches=$(json bounded '.nodes[0].batches_out')
((batches >= 16)) || fail "bounded: only $batches batches (expected two or more per reader)"
[[ $(json bounded '.runtime.worker_limit') == 2 ]] || fail "bounded: worker limit $(json bounded '.runtime.worker_limit')"
# Eight readers on eight threads would overlap; the semaphore keeps it at two, and so
# reaches two.
[[ $(json bounded '.runtime.peak_workers') == 2 ]] || fail "bounded: peak workers $(json bounded '.runtime.peak_workers'), limit 2"
reader_peak=$(json bounded '.nodes[0].peak_concurrency')
((reader_peak >= 1 && reader_peak <= 2)) || fail "bounded: $reader_peak readers at once, limit 2"
grep -q 'workers at most 2 at once (peak 2)' "$work/bounded.out" || fail "bounded: no worker line in the summary"
check_rows bounded

# Pinned node concurrency: the sql transform runs one batch at a time although two readers
# feed it, and the tuner does not probe that knob.
write_pipeline nc_pinned "  parallelism: 2
  autotune: {pin_node_concurrency: 1}"
"$RBC" compile "$work/nc_pinned.yaml" --cores 2 > "$work/nc_pinned.plan"
grep -q '^      concurrency 1: pinned by autotune.pin_node_concurrency$' "$work/nc_pinned.plan" ||
  { cat "$work/nc_pinned.plan"; fail "nc_pinned: the plan does not pin the transform's concurrency"; }
"$RBC" exec "$work/nc_pinned.yaml" --cores 2 --report "$work/nc_pinned.json" > "$work/nc_pinned.out" \
  2> "$work/nc_pinned.err" || { cat "$work/nc_pinned.err"; fail "nc_pinned: rbc exec failed"; }
[[ $(json nc_pinned '.nodes[1].peak_concurrency') == 1 ]] ||
  fail "nc_pinned: the transform ran $(json nc_pinned '.nodes[1].peak_concurrency') batches at once, pinned 1"
[[ $(json nc_pinned '.autotune[0].pinned | index("node_concurrency") != null') == true ]] ||
  fail "nc_pinned: node_concurrency is not listed as pinned: $(json nc_pinned '.autotune[0]')"
check_rows nc_pinned

# Probing: three generator streams on 2 cores, each probed with readers {1, 2}: 6 readers,
# 5 slots (effective 2 + 3 probe readers). A reader waiting for its next window gives its
# slot back; the run ends with every row.
cat > "$work/probed.yaml" <<YAML
version: "1.0"
pipeline: worker_limit_probed
source:
  use: generator
  config: {rows: 400000, seed: 3}
  streams:
    - name: a
    - name: b
    - name: c
destination:
  use: file
  config: {path: $work/out_probed/, format: csv}
resources:
  max_inflight_batches: 2
YAML
mkdir -p "$work/out_probed"
"$RBC" compile "$work/probed.yaml" --cores 2 > "$work/probed.plan"
grep -q '^workers 5: at most 5 source readers and transform batches run at once: effective_parallelism 2 + 3 for the probes' "$work/probed.plan" ||
  { cat "$work/probed.plan"; fail "probed: no worker limit 5 in the plan"; }
timeout 300 "$RBC" exec "$work/probed.yaml" --cores 2 --report "$work/probed.json" > "$work/probed.out" \
  2> "$work/probed.err" || { cat "$work/probed.err"; fail "probed: rbc exec failed or hung"; }
[[ $(json probed '[.autotune[] | .event == "autotune-decision"] | all') == true ]] ||
  fail "probed: a stream was not probed: $(json probed '.autotune')"
peak=$(json probed '.runtime.peak_workers')
((peak >= 1 && peak <= 5)) || fail "probed: peak workers $peak, limit 5"
for s in a b c; do
  got=$(tail -n +2 "$work/out_probed/$s.csv" | cut -d, -f1 | sort -n | uniq | wc -l)
  [[ $got == 400000 ]] || fail "probed: stream $s wrote $got distinct ids"
done
echo ok
