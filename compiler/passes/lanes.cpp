// lanes: how many readers, operator copies, router outputs and writers each node runs, how
// the lanes between them connect, which streams the autotuner probes, and how many
// threads the run's oneTBB arena gets. These are the decisions the runtime used to make
// on its own; here each gets its reason, and the runtime only follows them.
#include <algorithm>
#include <numeric>

#include "compiler/passes/passes.h"

namespace rbc {
namespace {

// The arena never grows past this many threads, so the probes' extra readers and
// writers must fit under it.
constexpr int kMaxArenaThreads = 512;

// Why this stream alone cannot be probed ("" when it can).
std::string stream_not_tunable(const PhysicalPlan& plan, const SourceStep& step) {
  if (!step.autotune_note.empty()) return step.autotune_note;
  if (!step.autotune) return "no autotune candidates in the plan: baseline values";
  if (plan.run.dry_run) return "dry run: baseline values";
  if (step.sync_mode == SyncMode::incremental)
    return "an incremental stream is read in cursor order, not in key windows: baseline values";
  if (step.sync_mode == SyncMode::cdc)
    return "a cdc stream is read in commit order, not in key windows: baseline values";
  // A split file is read in windows of its records (docs/autotune.md, Files).
  if (!step.partitioned_reads && step.split.empty()) {
    if (!step.eligibility_reason.empty())
      return "a " + step.connector + " stream that is not partition-eligible (" + step.eligibility_reason +
             ") is not read in windows: baseline values";
    return "a " + step.connector + " source cannot be read in key windows: baseline values";
  }
  return "";
}

// A probed stream's readers: enough for its largest parallelism candidate.
int probe_readers(const SourceStep& step) {
  int64_t most = std::max(1, step.partitions.value);
  for (int64_t p : step.autotune->parallelism) most = std::max(most, p);
  return static_cast<int>(most);
}

// Threads a run needs: the compute workers, and one per reader and writer (they block in
// I/O); with `probe`, every stream that can be probed has its probe's readers, and as
// many writers in each sink it feeds.
struct Threads {
  int compute = 0;
  int partitions = 0;  // the partitions of every source and sink
  int probes = 0;      // the probed streams' extra readers, and as many writers in each sink they feed
  int total() const { return compute + partitions + probes; }
};
Threads threads_needed(const PhysicalPlan& plan, bool probe) {
  const LogicalGraph& graph = plan.graph;
  Threads threads;
  // `effective` threads for transforms and routers; a plan without any needs none (idle
  // arena threads are not free: oneTBB workers spin looking for work, on the cores the
  // database servers need).
  for (NodeId id : graph.node_ids()) {
    NodeKind kind = graph.node(id).kind;
    if (kind == NodeKind::transform || kind == NodeKind::router) {
      threads.compute = std::max(1, plan.parallelism->effective);
      break;
    }
  }
  // A probed transform concurrency above effective needs its threads too.
  for (NodeId id : graph.nodes_of_kind(NodeKind::source)) {
    const SourceStep& step = plan.step<SourceStep>(id);
    if (probe && step.autotune && step.autotune->node_concurrency.size() > 1 &&
        stream_not_tunable(plan, step).empty())
      threads.compute = std::max(threads.compute, static_cast<int>(step.autotune->node_concurrency.back()));
  }
  for (NodeId id : graph.node_ids()) {
    NodeKind kind = graph.node(id).kind;
    if (kind == NodeKind::sink) threads.partitions += std::max(1, plan.step<SinkStep>(id).partitions.value);
    if (kind != NodeKind::source) continue;
    const SourceStep& step = plan.step<SourceStep>(id);
    threads.partitions += step.partitions.value;
    if (!probe || !stream_not_tunable(plan, step).empty()) continue;
    int extra = std::max(0, probe_readers(step) - step.partitions.value);
    threads.probes += extra;
    for (NodeId next : graph.reachable_from(id))
      threads.probes += extra * (graph.node(next).kind == NodeKind::sink);
  }
  return threads;
}

// Sources joined by edges (through any node) share one sequence counter, so that a node
// fed by several sources still sees one contiguous range of batch numbers.
void assign_sequence_groups(PhysicalPlan& plan) {
  const LogicalGraph& graph = plan.graph;
  std::vector<NodeId> parent(graph.node_count());
  std::iota(parent.begin(), parent.end(), NodeId{0});
  auto find = [&parent](NodeId id) {
    while (parent[id] != id) id = parent[id] = parent[parent[id]];
    return id;
  };
  for (const auto& edge : graph.edges()) parent[find(edge.from)] = find(edge.to);
  std::vector<int> group_of_root(graph.node_count(), -1);
  int groups = 0;
  for (NodeId id : graph.nodes_of_kind(NodeKind::source)) {
    int& group = group_of_root[find(id)];
    if (group < 0) group = groups++;
    plan.step<SourceStep>(id).sequence_group = group;
  }
}

// How many writers only one lane of `source` feeds: one per sink that has a writer per lane
// and gets the lanes as the source reads them (no router between). While that lane's
// reader waits, its autotuner may park as many arena threads; a writer that other lanes
// feed too must keep its thread.
int lane_writers(const PhysicalPlan& plan, NodeId source) {
  const LogicalGraph& graph = plan.graph;
  std::vector<NodeId> reach = graph.reachable_from(source);
  auto reached = [&](NodeId id) {  // reach is sorted: a long chain stays linear
    return id == source || std::binary_search(reach.begin(), reach.end(), id);
  };
  const int lanes = plan.step<SourceStep>(source).readers.value;
  int writers = 0;
  for (NodeId next : reach) {
    if (graph.node(next).kind == NodeKind::router) return 0;
    for (NodeId pred : graph.predecessors(next)) {
      if (!reached(pred)) return 0;  // another stream merges in: its rows use these writers too
    }
    if (graph.node(next).kind != NodeKind::sink) continue;
    const SinkStep& sink = plan.step<SinkStep>(next);
    if (sink.lanes == lanes && sink.writers.value == lanes) ++writers;
  }
  return writers;
}

// A transform that keeps no state, no order and runs one copy: any lane's batch may go
// through it, on any thread, at any concurrency.
bool passes_any_batch(const TransformStep& step) {
  return !step.stateful.value && !step.in_order.value && step.copies.value == 1;
}

// True when every node that `source`'s lanes reach before a merge is a stateless transform
// that only this stream feeds, and the merges are two_phase aggregations that emit once,
// when the input ends: then a batch may go to any lane, whichever reader read it.
bool lanes_only_reach_merges(const PhysicalPlan& plan, NodeId source) {
  const LogicalGraph& graph = plan.graph;
  std::vector<NodeId> frontier = graph.successors(source);
  std::vector<bool> seen(graph.node_count(), false);
  bool merges = false;
  while (!frontier.empty()) {
    NodeId id = frontier.back();
    frontier.pop_back();
    if (seen[id]) continue;
    seen[id] = true;
    if (graph.predecessors(id).size() != 1 || graph.node(id).kind != NodeKind::transform) return false;
    const TransformStep& step = plan.step<TransformStep>(id);
    if (step.aggregation) {
      const AggregationStep& aggregation = *step.aggregation;
      if (aggregation.strategy.value != AggregationStrategy::two_phase || aggregation.window ||
          aggregation.emit_changes)
        return false;
      merges = true;
      continue;
    }
    if (!passes_any_batch(step)) return false;
    for (NodeId next : graph.successors(id)) frontier.push_back(next);
  }
  return merges;
}

}  // namespace

Status LanesPass::run(PhysicalPlan& plan, PassContext& /*context*/) {
  if (!plan.parallelism) return Status::internal("lanes runs after concurrency");
  const LogicalGraph& graph = plan.graph;
  const bool probes_fit = threads_needed(plan, true).total() <= kMaxArenaThreads;
  std::vector<int> lanes_out(graph.node_count(), 1);
  // Lanes that leave a hash router own their keys; a node right after one may keep per-lane state.
  std::vector<bool> hashed(graph.node_count(), false);

  for (NodeId id : graph.topological_order()) {
    int lanes_in = 1;
    bool keyed = false;
    for (NodeId pred : graph.predecessors(id)) {
      lanes_in = std::max(lanes_in, lanes_out[pred]);
      keyed = keyed || hashed[pred];
    }
    switch (graph.node(id).kind) {
      case NodeKind::source: {
        SourceStep& step = plan.step<SourceStep>(id);
        std::string why_not = stream_not_tunable(plan, step);
        if (why_not.empty() && !probes_fit)
          why_not = "the probes' extra readers and writers would not fit the runtime's " +
                    std::to_string(kMaxArenaThreads) + " threads: baseline values";
        if (why_not.empty()) {
          step.tuned.set(true, step.split.empty()
                                   ? "probes its candidates, then keeps the winner for the rest of the stream"
                                   : "probes its candidates over windows of the files' records (each "
                                     "window's readers claim its chunks in file order), then keeps the "
                                     "winner for the rest of the stream");
          int readers = probe_readers(step);
          step.readers.set(readers, readers == step.partitions.value
                                        ? "the partitions"
                                        : "the largest parallelism candidate, so every candidate can be "
                                          "probed; the winner's readers go on, the others stop");
        } else {
          step.tuned.set(false, why_not);
          step.readers.set(step.partitions.value, "the partitions");
        }
        if (!step.split.empty()) {
          // A tuned stream claims even with one reader: its windows are runs of chunks.
          const bool several = step.readers.value > 1 || step.tuned.value;
          step.chunks_in_order.set(several,
                                   several ? "the readers claim the chunks one at a time, numbering "
                                             "each chunk's batch as they claim it: batches carry file order"
                                           : "one reader reads the file in order");
        }
        lanes_out[id] = step.readers.value;
        break;
      }
      case NodeKind::transform: {
        TransformStep& step = plan.step<TransformStep>(id);
        step.lanes = lanes_in;
        const bool two_phase =
            step.aggregation && step.aggregation->strategy.value == AggregationStrategy::two_phase;
        if (two_phase) {
          // A pinned aggregation.lanes cannot change where the rows arrive: say so.
          const auto& pinned = plan.graph.info.resources.aggregation.lanes;
          std::string why = "one partial aggregate per arriving lane";
          if (pinned.present && pinned.value != lanes_in)
            why += " (resources.aggregation.lanes " + std::to_string(pinned.value) +
                   " does not apply to two_phase: the rows arrive in " + std::to_string(lanes_in) + ")";
          step.aggregation->lanes.set(lanes_in, why);
          step.copies.set(lanes_in, "one partial aggregate per lane, merged per key when the input ends");
          step.in_order.set(false, "each copy sees its lane's batches one at a time");
          lanes_out[id] = 1;  // the merged groups leave in one lane
          break;
        }
        if (step.stateful.value && keyed && lanes_in > 1) {
          step.copies.set(lanes_in, "one copy per hash lane, each owning its keys' state");
          step.in_order.set(true,
                            "a sequencer per lane: each copy sees its lane's batches in read order, so a "
                            "group's rows reach it in the order they were read");
        } else if (step.stateful.value) {
          step.copies.set(1, "one copy: its state spans every row of the stream");
          step.in_order.set(true, "it keeps state: batches reach it in read order");
        } else {
          step.copies.set(1, "stateless: one copy runs batches at once");
          step.in_order.set(false, "stateless: order does not matter");
        }
        lanes_out[id] = lanes_in;
        break;
      }
      case NodeKind::router: {
        RouterStep& step = plan.step<RouterStep>(id);
        step.lanes = lanes_in;
        if (step.mode == RouterNode::Mode::hash) {
          int n = std::max(1, graph.node(id).router().partitions);
          step.outputs.set(
              n, "hash of the key columns modulo " + std::to_string(n) + ": each lane owns its keys");
          hashed[id] = true;
        } else {
          step.outputs.set(lanes_in, "predicates keep the lanes they get");
        }
        lanes_out[id] = step.outputs.value;
        break;
      }
      case NodeKind::sink: {
        SinkStep& step = plan.step<SinkStep>(id);
        step.lanes = lanes_in;
        if (plan.run.dry_run) {
          step.writers.set(0, "dry run: nothing is written; the rows are kept in read order");
          step.in_order.set(true, "dry run: the rows are kept in read order");
        } else if (step.writes_in_parallel) {
          step.writers.set(lanes_in, lanes_in == step.partitions.value
                                         ? "one writer per lane, each with its own connection"
                                         : "one writer per lane of the probed stream, each with its own "
                                           "connection");
          step.in_order.set(lanes_in == 1, lanes_in == 1 ? "one writer: batches are written in read order"
                                                         : "writers take their lanes as they come");
        } else {
          step.writers.set(1, "one writer: a " + step.connector + " destination is written in order");
          step.in_order.set(true, "one writer: batches are written in read order");
        }
        break;
      }
    }
  }

  // What the sinks' writers start from, and which tuner sets their threshold.
  for (NodeId id : graph.nodes_of_kind(NodeKind::source)) {
    SourceStep& source = plan.step<SourceStep>(id);
    source.flush_baseline = kDefaultCopyFlushBytes;
    bool baseline_found = false;
    for (NodeId next : graph.reachable_from(id)) {
      if (graph.node(next).kind != NodeKind::sink) continue;
      SinkStep& sink = plan.step<SinkStep>(next);
      if (!baseline_found && sink.flush_bytes.decided()) {
        source.flush_baseline = sink.flush_bytes.value;
        baseline_found = true;
      }
      if (source.tuned.value && sink.writes_in_parallel && !sink.flush_pinned && !sink.flush_tuned_by)
        sink.flush_tuned_by = id;
    }
    source.lane_writers = source.tuned.value ? lane_writers(plan, id) : 0;
    // A candidate with fewer readers than the aggregation has partial aggregates would feed
    // only some of them, and be measured (and run, if it wins) with less of the aggregation.
    if (source.tuned.value && source.readers.value > 1 && lanes_only_reach_merges(plan, id))
      source.deals_lanes.set(true, "its batches are dealt over the " + std::to_string(source.readers.value) +
                                       " lanes by sequence number, whichever reader read them: "
                                       "two_phase merges any lane's rows, and a candidate with "
                                       "fewer readers feeds every partial aggregate");
    // Its stateless transforms that no other stream feeds run at its tuner's concurrency.
    if (source.tuned.value && source.autotune && source.autotune->node_concurrency.size() > 1) {
      for (NodeId next : graph.reachable_from(id)) {
        if (graph.node(next).kind != NodeKind::transform) continue;
        TransformStep& transform = plan.step<TransformStep>(next);
        bool only_this = true;
        for (NodeId other : graph.nodes_of_kind(NodeKind::source)) {
          if (other == id) continue;
          std::vector<NodeId> reach = graph.reachable_from(other);
          only_this = only_this && !std::binary_search(reach.begin(), reach.end(), next);
        }
        if (only_this && passes_any_batch(transform)) transform.concurrency_tuned_by = id;
      }
    }
  }
  assign_sequence_groups(plan);

  // A budget, not a count of what opens: a thread per partition of every source and sink
  // (readers and writers block in I/O), the probes' extras, and the compute workers.
  Threads threads = threads_needed(plan, probes_fit);
  std::string reason = std::to_string(threads.partitions) +
                       " for the partitions of the sources and sinks (a thread "
                       "each: readers and writers block in I/O)";
  if (threads.probes > 0)
    reason += " + " + std::to_string(threads.probes) + " for the probes' extra readers and writers";
  if (threads.compute > std::max(1, plan.parallelism->effective))
    reason += " + " + std::to_string(threads.compute) +
              " compute (the largest probed transform concurrency) for transforms and routers";
  else if (threads.compute > 0)
    reason += " + " + std::to_string(threads.compute) +
              " compute (effective_parallelism) for transforms and routers";
  if (threads.total() < 2) reason += "; at least 2";
  if (threads.total() > kMaxArenaThreads) reason += "; at most " + std::to_string(kMaxArenaThreads);
  plan.run.arena_threads.set(std::clamp(threads.total(), 2, kMaxArenaThreads), reason);

  // effective_parallelism bounds the source and transform workers running at once, across
  // the whole pipeline (docs/passes.md, Transforms and routers); a probed stream's extra readers get room of
  // their own, or a candidate with more readers than the bound could not be measured.
  int probe_extra = 0;
  for (NodeId id : graph.nodes_of_kind(NodeKind::source)) {
    const SourceStep& step = plan.step<SourceStep>(id);
    if (!step.tuned.value) continue;
    probe_extra += std::max(0, step.readers.value - step.partitions.value);
    // A transform concurrency candidate above the plan's needs room too.
    if (step.autotune && step.autotune->node_concurrency.size() > 1)
      probe_extra +=
          std::max(0, static_cast<int>(step.autotune->node_concurrency.back()) - plan.parallelism->effective);
  }
  const int effective = std::max(1, plan.parallelism->effective);
  std::string limit = "at most " + std::to_string(effective + probe_extra) +
                      " source readers and transform batches run at once: effective_parallelism " +
                      std::to_string(effective);
  if (probe_extra > 0)
    limit += " + " + std::to_string(probe_extra) + " for the probes' extra readers and transform batches";
  limit += " (a semaphore across the pipeline; cdc readers, routers and sinks take no slot)";
  plan.run.worker_limit.set(effective + probe_extra, limit);
  return Status::ok();
}

}  // namespace rbc
