#!/usr/bin/env bash
# rbc exec runs the plan rbc compile prints: for every node, the readers, operator copies,
# router lanes and writers that the run report counts are the ones the plan decided, and
# the arena's threads are the plan's. Covers a probed (autotuned) generator stream, a hash
# router with a stateful operator per lane, and a file sink behind a sequencer.
set -euo pipefail
: "${RBC:?path to the rbc binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > lanes.rbc <<'RBC'
pipeline follows_plan {
  let gen = generator(rows: 200000, seed: 7)
  let events = gen.stream("events", columns: [{name: id, type: int64}, {name: user_id, type: int64}])
  let lanes = events |> sql("SELECT id, user_id % 100 AS bucket FROM input") |> route(by: hash(id), into: 3)
  lanes |> validate(rules: [{assert_unique: [id]}]) |> file(path: "out/", format: csv)
  resources { parallelism: 4 }
}
RBC

"$RBC" compile lanes.rbc --emit json > plan.json
"$RBC" exec lanes.rbc --report report.json > exec.out 2>&1 || { cat exec.out; exit 1; }

fail() { echo "FAIL: $*"; exit 1; }
plan() { jq -r "$1" plan.json; }
report() { jq -r "$1" report.json; }

# What each node ran with: readers for sources, flow-graph copies for the others.
[[ $(plan '.nodes[0].step.readers.value') == $(report '.nodes[0].copies') ]] ||
  fail "source: plan readers $(plan '.nodes[0].step.readers.value'), run opened $(report '.nodes[0].copies')"
[[ $(plan '.nodes[3].step.copies.value') == 3 ]] || fail "validate: not one copy per hash lane in the plan"
[[ $(report '.nodes[3].copies') == 3 ]] || fail "validate: the run built $(report '.nodes[3].copies') copies, not 3"
[[ $(plan '.nodes[4].step.writers.value') == 1 && $(report '.nodes[4].copies') == 1 ]] ||
  fail "file sink: plan $(plan '.nodes[4].step.writers.value') writers, run $(report '.nodes[4].copies')"
[[ $(plan '.run.arena_threads.value') == $(report '.runtime.arena_concurrency') ]] ||
  fail "threads: plan $(plan '.run.arena_threads.value'), run $(report '.runtime.arena_concurrency')"
# Every row arrives once whatever lane it took.
[[ $(($(wc -l < out/events.csv) - 1)) == 200000 ]] || fail "rows written: $(($(wc -l < out/events.csv) - 1))"
echo "exec follows the plan"
