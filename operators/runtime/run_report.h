// What a run did: the first error (naming its node), per-node and per-stream statistics,
// the parallelism decision and the autotune events. `rbc exec` prints it as a summary
// and writes it as JSON (--report); tests inspect it directly.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "graph/batch.h"
#include "graph/logical_graph.h"
#include "graph/physical_plan.h"
#include "graph/status.h"

namespace rbc {

// The error a run stopped on. `node` is unset for errors that belong to no node
// (a signal, an internal check).
struct RunError {
  std::optional<NodeId> node;
  NodeKind kind = NodeKind::source;
  std::string description;  // `sink file "out"`, `transform validate`, ...
  std::string stream;
  int partition = 0;
  std::string message;
  std::optional<RetryDetail> retry;  // from errors that say whether a new attempt may help

  // `node %3 (sink file "out") stream "users" partition 0: <message>`, or the bare message.
  std::string to_string() const;
};

// One lane of an aggregation: what it received and holds (a hot key shows as one lane
// receiving far more rows than the others).
struct LaneStats {
  uint64_t rows_in = 0;
  uint64_t groups = 0;
  uint64_t state_bytes = 0;
  double busy_seconds = 0;
  uint64_t max_queue = 0;  // the most batches waiting for it at once
  uint64_t peak_state_bytes = 0;
  // A windowed aggregation's open windows when the run ended (0 once finished), and the
  // most at once after any batch; its rows that came after their windows had closed.
  uint64_t open_windows = 0, peak_open_windows = 0;
  uint64_t late_rows = 0;
};

struct NodeStats {
  NodeId id = 0;
  NodeKind kind = NodeKind::source;
  std::string description;
  std::string stream;
  int concurrency = 1;  // what the plan asked for
  int copies = 1;       // flow-graph nodes built for it (readers, writers, lanes)
  // A source the autotuner tuned: the readers its winner kept reading after the probe
  // (0 when not tuned).
  int tuned_concurrency = 0;
  // Sources and transforms: the most of its bodies (readers, batches) running at once.
  int peak_concurrency = 0;
  uint64_t batches_in = 0, batches_out = 0;
  uint64_t rows_in = 0, rows_out = 0;
  uint64_t bytes_in = 0, bytes_out = 0;
  uint64_t rejected_rows = 0;
  uint64_t late_rows = 0;  // a windowed aggregation's, over its lanes
  // Time inside the node's body, summed over copies; and time its batches waited
  // before a body picked them up (for sources: time between reads, i.e. backpressure,
  // and a tuned reader's time waiting for its next probe window or for the run's end).
  double busy_seconds = 0, waiting_seconds = 0;
  std::vector<LaneStats> lanes;  // an aggregation's, one per copy
  std::string lanes_note;        // a two_phase aggregation's: whether its lanes shuffled, and why
  std::string warning;           // e.g. a hot key
};

struct StreamStats {
  std::string stream;
  uint64_t rows_read = 0, rows_written = 0;
  uint64_t bytes_read = 0, bytes_written = 0;
  uint64_t rejected_rows = 0;
  double seconds = 0;
  // cdc streams: how far the applied changes were behind the server when the run ended.
  bool cdc = false;
  uint64_t lag_bytes = 0;
  double lag_seconds = 0;
  // Rows read per second: what a run processed (an aggregation writes far fewer).
  double rows_per_second() const { return seconds > 0 ? static_cast<double>(rows_read) / seconds : 0; }
};

// How one autotune candidate did over its probe windows.
struct AutotuneCandidateResult {
  int parallelism = 1;
  PartitionMode partition_mode = PartitionMode::mod;
  int64_t copy_flush_bytes = 0;
  int node_concurrency = 0;  // 0: not a knob of the stream
  int windows = 0;
  uint64_t rows = 0, bytes = 0;
  double seconds = 0;
  double bytes_per_second = 0, rows_per_second = 0;
  double flush_share = 0;           // of the writers' time, spent inside write()
  double bytes_per_cpu_second = 0;  // CPU efficiency
};

// One autotune event per source stream: `autotune-decision` when the stream was probed
// (the candidates with what they measured, the winner, the probe's cost), else
// `autotune-skipped` (why, the pinned knobs). Either way, the knob values the stream ran
// with (after the probe: the winner's).
struct AutotuneEvent {
  std::string stream;
  bool decided = false;
  std::string reason;  // skipped: why; decided: how each knob was chosen
  std::vector<std::string> pinned;
  int parallelism = 1;
  PartitionMode partition_mode = PartitionMode::mod;
  std::optional<int64_t> copy_flush_bytes;  // when the stream feeds a parallel writer
  std::optional<int> node_concurrency;      // when it feeds a stateless transform of its own
  std::vector<AutotuneCandidateResult> candidates;
  // A remembered choice (docs/autotune.md, Remembered choices): "verified", "re-probed",
  // "kept", or "" when none was remembered.
  std::string remembered;
  bool to_remember = false;            // a new choice, stored when the run succeeds
  double chosen_bytes_per_second = 0;  // the choice's median over its probe windows
  double estimated_rows = 0;           // the stream's, when probed
  int probe_windows = 0;
  std::string window_unit;  // probed: what a window is a range of: "heap blocks", "keys" or "records"
  uint64_t probe_rows = 0;
  double probe_seconds = 0;
  // What probing cost: the windows' seconds less what their rows take at the choice's
  // measured rows/s (the probe's rows are the run's rows: only the slower candidates cost).
  double probe_overhead_seconds = 0;
  // autotune.mode advise: the knobs above are the baseline the stream ran with; these are
  // what the tuner chose, and its median bytes/s over the baseline's (0: not both measured).
  bool advise = false;
  int advised_parallelism = 1;
  PartitionMode advised_partition_mode = PartitionMode::mod;
  std::optional<int64_t> advised_copy_flush_bytes;
  std::optional<int> advised_node_concurrency;
  double advised_gain = 0;
};
// The event as one log line.
std::string format_autotune_event(const AutotuneEvent& event);

// A failed attempt that was run again (docs/execution.md, Retries).
struct RetryEvent {
  int attempt = 1;          // the attempt that failed, from 1
  double wait_seconds = 0;  // the backoff before the next attempt
  std::string error;        // RunError::to_string() of the failure
};

// Dry runs: the rows a stream's sink would have received.
struct DryRunOutput {
  std::string stream;
  NodeId sink = 0;
  std::shared_ptr<const Schema> schema;
  std::vector<Batch> batches;
};

struct RunReport {
  std::string pipeline;
  std::string run_id;  // the key of this run's records in the state backend
  bool dry_run = false;
  bool cancelled_by_signal = false;
  std::optional<RunError> error;  // unset on success
  double seconds = 0;
  int arena_concurrency = 0;
  int64_t max_inflight_batches = 0;
  // The plan's bound on source and transform workers running at once, and the most that did.
  int worker_limit = 0, peak_workers = 0;
  std::optional<ParallelismDecision> parallelism;
  std::vector<NodeStats> nodes;      // by node id
  std::vector<StreamStats> streams;  // in order of first appearance
  std::vector<AutotuneEvent> autotune;
  std::vector<RetryEvent> retries;  // the attempts before the one reported here
  std::vector<DryRunOutput> dry_run_outputs;

  bool ok() const { return !error.has_value(); }
  uint64_t rows_read() const;
  uint64_t rows_written() const;
  uint64_t bytes_read() const;
  uint64_t bytes_written() const;
};

nlohmann::json report_to_json(const RunReport& report);
// The end-of-run summary for people: totals, throughput, per-stream and per-node lines,
// the parallelism decision.
std::string format_summary(const RunReport& report);
// The rows of a dry run as an aligned table with a header line; NULL prints as NULL.
std::string format_table(const Schema& schema, const std::vector<Batch>& batches);
// 1536 -> "1.5 KiB"
std::string format_byte_count(uint64_t bytes);

}  // namespace rbc
