// commit-protocol: where each stream's position is committed and whether running a stream
// again after a commit would duplicate rows (docs/execution.md, state and retries).
//
// A sink's commit carries the stream's cursor with the rows when one incremental source
// reads in cursor order into that one sink through one writer; otherwise the cursor is
// saved once every sink of the stream has finished, so it is never ahead of the rows. A
// commit is redo-safe when the write mode makes a repeat harmless (replace, upsert), or
// when it also records the cursor in the same transaction, so a new attempt reads on
// from there.
#include <algorithm>

#include "compiler/passes/passes.h"
#include "connectors/specs/connector_specs.h"

namespace rbc {
namespace {

// Checkpoints commit in the destination's own transactions: a state backend of the
// destination connector's name (postgres) whose spec says it can, without a database of
// its own.
Decided<bool> state_in_destination(const StateSpec& state, const ConnectorRef& destination) {
  Decided<bool> decided;
  const std::string& backend = state.backend.value;
  bool own_database = state.config.values.contains("url") || state.config.values.contains("host");
  const ConnectorSpec* spec = find_connector_spec(destination.use.value);
  if (spec != nullptr && spec->state_in_destination && backend == spec->name && !own_database) {
    decided.set(true, "state backend " + backend +
                          " in the destination database: a checkpoint commits with its rows");
  } else if (backend == "none") {
    decided.set(false, "no state backend");
  } else {
    decided.set(false, "state backend " + backend + (own_database ? " in its own database" : "") +
                           ": saved after the commit it describes");
  }
  return decided;
}

}  // namespace

namespace {

// Whether an aggregation sits on a path from `source` to `sink`.
bool aggregation_between(const PhysicalPlan& plan, NodeId source, NodeId sink) {
  const LogicalGraph& graph = plan.graph;
  for (NodeId id : graph.reachable_from(source)) {
    if (graph.node(id).kind != NodeKind::transform || !plan.step<TransformStep>(id).aggregation) continue;
    const auto reach = graph.reachable_from(id);
    if (std::find(reach.begin(), reach.end(), sink) != reach.end()) return true;
  }
  return false;
}

}  // namespace

Status CommitProtocolPass::run(PhysicalPlan& plan, PassContext& /*context*/) {
  const LogicalGraph& graph = plan.graph;
  RunStep& run = plan.run;
  run.pipeline = graph.info.name.value;
  run.max_retries = static_cast<int>(std::max<int64_t>(0, graph.info.resources.max_retries.value));
  run.state = graph.info.state;
  for (NodeId id : graph.nodes_of_kind(NodeKind::sink)) {
    run.state_destination = graph.node(id).sink().destination.connector;
    break;
  }
  run.state_in_destination = state_in_destination(run.state, run.state_destination);

  for (NodeId id : graph.nodes_of_kind(NodeKind::sink)) {
    SinkStep& sink = plan.step<SinkStep>(id);
    std::vector<NodeId> sources;
    for (NodeId other : graph.nodes_of_kind(NodeKind::source)) {
      const auto& reach = graph.reachable_from(other);
      if (std::find(reach.begin(), reach.end(), id) != reach.end()) sources.push_back(other);
    }
    if (sources.empty()) return Status::internal("sink %" + std::to_string(id) + " is fed by no source");
    const SourceStep& source = plan.step<SourceStep>(sources.front());
    sink.state_stream = source.stream;
    int sinks_of_source = 0;
    for (NodeId next : graph.reachable_from(sources.front()))
      sinks_of_source += graph.node(next).kind == NodeKind::sink;

    if (sources.size() > 1) {
      sink.tracks_cursor.set(false,
                             "several sources feed it: an incremental one's cursor is saved after every sink "
                             "finished");
    } else if (source.sync_mode == SyncMode::full_refresh) {
      sink.tracks_cursor.set(false, "no cursor: a full_refresh stream");
    } else if (aggregation_between(plan, sources.front(), id)) {
      sink.tracks_cursor.set(
          false,
          "an aggregation lies between: its rows stand for the whole input, so the cursor is "
          "saved after every sink finished");
    } else if (sinks_of_source > 1) {
      sink.tracks_cursor.set(false,
                             "the stream feeds several sinks: its cursor is saved after every sink finished");
    } else if (sink.writers.value > 1) {
      sink.tracks_cursor.set(false, "several writers: its cursor is saved after every sink finished");
    } else {
      sink.tracks_cursor.set(true,
                             source.sync_mode == SyncMode::cdc
                                 ? "its one writer commits the stream's LSN with the changes it applied"
                                 : "its one writer commits the stream's cursor with the rows it describes");
    }
    sink.change_stream = sources.size() == 1 && source.sync_mode == SyncMode::cdc;
    if (sink.change_stream && sink.write_mode == WriteMode::upsert) {
      sink.applies_changes.set(true,
                               "applies the changes by primary key: the last per key wins; a delete deletes");
    } else if (sink.change_stream) {
      sink.applies_changes.set(false, "writes the change rows as rows, with _op, _lsn and _commit_ts");
    }
    if (sink.write_mode != WriteMode::append) {
      sink.redo_safe.set(true,
                         std::string("write_mode ") + to_string(sink.write_mode) + " repeats harmlessly");
    } else if (sink.tracks_cursor.value && run.state_in_destination.value) {
      sink.redo_safe.set(true,
                         "each commit records the cursor in the same transaction: a retry reads on from it");
    } else {
      sink.redo_safe.set(false,
                         "append: rows committed before a failure would be written again, so a "
                         "failure after a commit is not retried");
    }
  }
  for (NodeId id : graph.nodes_of_kind(NodeKind::source)) {
    SourceStep& source = plan.step<SourceStep>(id);
    if (source.sync_mode == SyncMode::full_refresh) continue;
    std::optional<NodeId> tracker;
    for (NodeId next : graph.reachable_from(id)) {
      if (graph.node(next).kind == NodeKind::sink && plan.step<SinkStep>(next).tracks_cursor.value)
        tracker = next;
    }
    if (tracker) {
      source.cursor_with_rows.set(true, "committed by sink %" + std::to_string(*tracker) + " with the rows");
    } else {
      source.cursor_with_rows.set(false, "saved once every sink of the stream has finished");
    }
  }
  return Status::ok();
}

}  // namespace rbc
