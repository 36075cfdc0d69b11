#!/usr/bin/env bash
# The autotuner applies to file sources (docs/autotune.md, Files): a glob of CSV files (plain
# and gzip) large enough to probe is read in windows of its records, each window's readers
# claiming its chunks in file order; the report and the log show the decision; the file
# written is byte-identical to one written by one reader with autotune off, every row once.
# A candidate whose probe slices fail is invalidated and the baseline reads the rest, still
# every row once, in order. A GROUP BY after a probed stream gets rows in every partial
# aggregate. A small glob is a tiny stream, and says so. `parallelism: 2` on a 4-core plan
# probes {1, 2, 3}.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
json() { jq -r "$2" "$work/$1.json"; }

files=4
per_file=80000
rows=$((files * per_file))
mkdir -p "$work/in" "$work/small"
for ((f = 0; f < files; ++f)); do
  name=$(printf '%s/in/orders-%d.csv' "$work" "$f")
  awk -v f="$f" -v rows="$per_file" 'BEGIN {
    print "id,customer,amount"
    for (r = 0; r < rows; r++) { id = f * rows + r; printf "%d,customer_%d,%d\n", id, (id * 7919) % 50000, (id * 104729) % 1000 }
  }' > "$name"
  head -n 11 "$name" > "$work/small/orders-$f.csv"
  if ((f % 2 == 0)); then gzip "$name"; fi
done

write_pipeline() {  # $1 = name, $2 = input folder, $3 = parallelism, $4 = autotune block
  mkdir -p "$work/out_$1"
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: file_autotune
source:
  use: file
  config: {path: "$work/$2/orders-*", format: csv}
  streams:
    - name: orders
destination:
  use: file
  config: {path: $work/out_$1/, format: csv}
resources:
  parallelism: $3
  autotune: $4
YAML
}
run() {  # $1 = name; the environment passes through
  timeout 120 "$RBC" exec "$work/$1.yaml" --cores 4 --report "$work/$1.json" > "$work/$1.out" 2> "$work/$1.err" ||
    { cat "$work/$1.err"; fail "$1: rbc exec failed"; }
}
same_output() {  # $1 = name: the baseline's bytes, every row once
  cmp "$work/out_baseline/orders.csv" "$work/out_$1/orders.csv" || fail "$1: the output differs from the baseline's"
  [[ $(tail -n +2 "$work/out_$1/orders.csv" | wc -l) == "$rows" ]] || fail "$1: not $rows rows"
}

# The plan shows the candidates and why the stream is probed.
write_pipeline tuned in 2 "{enabled: true}"
timeout 60 "$RBC" compile "$work/tuned.yaml" --cores 4 > "$work/plan.txt"
grep -q 'autotune: parallelism {1, 2, 3}; partition_mode {mod}$' "$work/plan.txt" ||
  { cat "$work/plan.txt"; fail "compile: no file candidates"; }
grep -q "autotuned yes: probes its candidates over windows of the files' records" "$work/plan.txt" ||
  { cat "$work/plan.txt"; fail "compile: the stream is not probed"; }
grep -q 'partitions 2: a glob of 4 CSV files (.*2 gzip) matching' "$work/plan.txt" ||
  { cat "$work/plan.txt"; fail "compile: no split reason"; }

# One reader, autotune off: the bytes every other run must write.
write_pipeline baseline in 1 "{enabled: false}"
run baseline
[[ $(json baseline '.autotune[0].event') == autotune-skipped ]] || fail "baseline: event"
[[ $(tail -n +2 "$work/out_baseline/orders.csv" | wc -l) == "$rows" ]] || fail "baseline: not $rows rows"

# Probed: a decision over probe windows, in the report and the log.
run tuned
[[ $(json tuned '.status') == ok ]] || fail "tuned: status $(json tuned '.status')"
[[ $(json tuned '.autotune[0].event') == autotune-decision ]] ||
  fail "tuned: event $(json tuned '.autotune[0].event'): $(json tuned '.autotune[0].reason')"
[[ $(json tuned '.autotune[0].probe.windows > 0 and .autotune[0].probe.rows > 0') == true ]] ||
  fail "tuned: probe $(json tuned '.autotune[0].probe')"
[[ $(json tuned '.autotune[0].reason') == *"parallelism "[123]" at "* ]] ||
  fail "tuned: reason $(json tuned '.autotune[0].reason')"
[[ $(json tuned '[.autotune[0].candidates[] | .windows >= 1] | all and length == 3') == true ]] ||
  fail "tuned: candidates $(json tuned '.autotune[0].candidates')"
grep -q 'autotune-decision stream="orders" winner: parallelism=[123] ' "$work/tuned.err" ||
  { cat "$work/tuned.err"; fail "tuned: no autotune-decision line in the log"; }
same_output tuned

# Every slice of a window with 3 readers fails: that candidate is invalidated, the baseline
# (2 readers) reads the rest from where the failed window began.
write_pipeline fault in 2 "{enabled: true}"
RBC_TEST_AUTOTUNE_FAIL=3 run fault
[[ $(json fault '.autotune[0].reason') == *"candidate parallelism 3 partition_mode mod invalidated in probe window "*"; fell back to the baseline"* ]] ||
  fail "fault: reason $(json fault '.autotune[0].reason')"
[[ $(json fault '.autotune[0].winner.parallelism') == 2 ]] || fail "fault: ran $(json fault '.autotune[0].winner')"
[[ $(json fault '.retry_count') == 0 ]] || fail "fault: the attempt was retried"
grep -q 'autotune-fallback reader=[0-2] probe window [0-9]* failed: RBC_TEST_AUTOTUNE_FAIL' "$work/fault.err" ||
  fail "fault: no warning in the log"
same_output fault

# A GROUP BY after a probed stream merges its partial aggregates (two_phase), one per reader
# of the largest candidate (3): the readers deal their batches over its lanes, so that each
# partial aggregate gets its share of the rows whichever candidate reads (here the baseline's
# 2 readers, after the candidate with 3 fails), and the groups are those of one reader with
# autotune off. A tuned run that decides gets them too.
write_groups() {  # $1 = name, $2 = parallelism, $3 = autotune block
  mkdir -p "$work/out_$1"
  cat > "$work/$1.yaml" <<YAML
version: "1.0"
pipeline: file_autotune_groups
source:
  use: file
  config: {path: "$work/in/orders-*", format: csv}
  streams:
    - name: orders
transforms:
  - use: sql
    config: {query: "SELECT customer, COUNT(*) AS n, SUM(amount) AS total FROM input GROUP BY customer"}
destination:
  use: file
  config: {path: $work/out_$1/, format: csv}
resources:
  parallelism: $2
  autotune: $3
YAML
}
write_groups groups_tuned 2 "{enabled: true}"
timeout 60 "$RBC" compile "$work/groups_tuned.yaml" --cores 4 > "$work/groups_plan.txt"
grep -q '^      deals lanes yes: its batches are dealt over the 3 lanes by sequence number' "$work/groups_plan.txt" ||
  { cat "$work/groups_plan.txt"; fail "groups: the plan does not deal the lanes"; }
grep -q '^      copies 3 over 3 lanes: one partial aggregate per lane' "$work/groups_plan.txt" ||
  { cat "$work/groups_plan.txt"; fail "groups: not 3 partial aggregates"; }
write_groups groups_baseline 1 "{enabled: false}"
run groups_baseline
sort "$work/out_groups_baseline/orders.csv" > "$work/groups_baseline.sorted"
[[ $(wc -l < "$work/groups_baseline.sorted") == 50001 ]] || fail "groups: not 50000 groups"
write_groups groups_fault 2 "{enabled: true}"
RBC_TEST_AUTOTUNE_FAIL=3 run groups_fault
[[ $(json groups_fault '.autotune[0].winner.parallelism') == 2 ]] || fail "groups: ran $(json groups_fault '.autotune[0]')"
# Each of the 3 lanes holds about a third of the rows (whole batches: at least a fifth).
[[ $(json groups_fault "[.nodes[] | select(.lanes) | .lanes[] | .rows_in > $rows / 5] | length == 3 and all") == true ]] ||
  fail "groups: the lanes' rows are not dealt: $(json groups_fault '[.nodes[] | select(.lanes) | .lanes[].rows_in]')"
run groups_tuned
for name in groups_fault groups_tuned; do
  sort "$work/out_$name/orders.csv" | cmp - "$work/groups_baseline.sorted" ||
    fail "$name: the groups differ from one reader's"
done
[[ $(json groups_tuned '.autotune[0].event') == autotune-decision ]] || fail "groups: not probed"

# A small glob: too few records for a probe window.
write_pipeline small small 2 "{enabled: true}"
run small
[[ $(json small '.autotune[0].event') == autotune-skipped ]] || fail "small: event"
[[ $(json small '.autotune[0].reason') == "tiny stream: about "*" rows, a probe window would hold fewer than 2000" ]] ||
  fail "small: reason $(json small '.autotune[0].reason')"
[[ $(tail -n +2 "$work/out_small/orders.csv" | wc -l) == 40 ]] || fail "small: not 40 rows"
echo ok
