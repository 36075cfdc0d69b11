// Runs a PhysicalPlan: prepares every destination and source once (the leader step),
// lowers the plan to a oneTBB flow graph, runs it inside a task_arena sized by the plan,
// and commits or abandons the sinks, retrying a failed attempt where that is safe.
// The runtime follows the plan's steps and decides nothing of its own: run_plan.cpp
// (attempts), execution.cpp (one attempt), flow_graph_builder.h (the graph's shape),
// source_/transform_/router_/sink_runner.cpp (one runner per node kind).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "graph/physical_plan.h"
#include "operators/runtime/run_report.h"

namespace rbc {

// A live view of the run, handed to RunOptions::on_progress.
struct StreamProgress {
  std::string stream;
  uint64_t rows_read = 0, rows_written = 0;
  uint64_t bytes_read = 0, bytes_written = 0;
  bool done = false;
  // cdc streams, once their reader runs: how far the applied changes are behind the server.
  std::optional<ReplicationLag> lag = std::nullopt;
};
// One node's counters so far (NodeStats without what is known only at the end).
struct NodeProgress {
  NodeId id = 0;
  NodeKind kind = NodeKind::source;
  std::string description, stream;
  uint64_t batches_in = 0, batches_out = 0, rows_in = 0, rows_out = 0, bytes_in = 0, bytes_out = 0;
  uint64_t rejected_rows = 0;
  double busy_seconds = 0;
};
struct RunProgress {
  double elapsed_seconds = 0;
  std::vector<StreamProgress> streams;
  std::vector<NodeProgress> nodes;
  std::vector<AutotuneEvent> autotune;  // once the flow graph runs (after the autotune decisions start)
  std::optional<RunError> error;        // the attempt's error, once there is one
  bool attempt_ended = false;           // the last snapshot of an attempt
};

struct RunOptions {
  // Runs sources and transforms only, on the first `limit` rows of each source
  // partition, and keeps what would have reached each sink; nothing is written.
  bool dry_run = false;
  size_t limit = 10;
  // Set from outside (a signal handler) to cancel the run; may be null.
  const std::atomic<bool>* cancel_requested = nullptr;
  // cdc streams follow changes until this is set (may be null), then end at a source
  // transaction's end, and the run commits and finishes: a clean stop.
  const std::atomic<bool>* stop_following = nullptr;
  // cdc streams stop once they have read up to the server's WAL position at their start.
  bool until_caught_up = false;
  // Every stream starts afresh: saved positions are forgotten (incremental and cdc streams
  // read from the beginning), and a full-refresh append runs although an earlier run of it
  // failed after committing rows (which it refuses otherwise: they would be written twice).
  bool from_scratch = false;
  // Called from a monitor thread every `progress_interval`, and once at the end.
  std::function<void(const RunProgress&)> on_progress;
  std::chrono::milliseconds progress_interval{1000};
  // Called from the monitor thread every `snapshot_interval` (per node too: rbc exec
  // --metrics-addr), and once when an attempt ends (RunProgress::attempt_ended); a retried
  // run's next attempt counts from zero again.
  std::function<void(const RunProgress&)> on_snapshot;
  std::chrono::milliseconds snapshot_interval{500};
  // Called when a failed attempt is to be run again (run_plan.cpp), before the backoff.
  std::function<void(const RunError&, const RetryEvent&)> on_retry;
  // Connector factories; default: the registry (connectors/registry.h). Tests pass doubles.
  std::function<std::unique_ptr<Source>(const std::string& use)> make_source;
  std::function<std::unique_ptr<Sink>(const std::string& use)> make_sink;
  // Batch size asked of sources (rows); 0 keeps the StreamRequest default.
  size_t max_batch_rows = 0;
};

// Never throws; every failure is in RunReport::error. The plan must have been compiled
// for the same kind of run (CompileOptions::dry_run == options.dry_run).
RunReport run_plan(const PhysicalPlan& plan, const RunOptions& options = {});

}  // namespace rbc
