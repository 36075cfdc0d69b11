// The physical plan: the whole contract between the compiler and the runtime. It holds the
// logical graph (the topology) and one typed step per node that says everything the
// runtime does with that node: what it reads or writes, how many readers, copies, lanes
// and writers it runs, in what order, how it commits, and why. Passes fill the steps in
// one after another; printers show whatever has been decided so far (`--print-after`).
// The runtime reads steps only: it never looks at the pipeline's raw options or at a
// connector's or operator's spec, so `rbc compile` and `rbc exec` cannot disagree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "graph/logical_graph.h"

namespace rbc {

inline constexpr const char* kParallelismTag = "static_heuristic_v1";

// A value a pass chose, with the reason `rbc compile` prints. An empty reason means
// "not decided yet".
template <typename T>
struct Decided {
  T value{};
  std::string reason;

  bool decided() const { return !reason.empty(); }
  void set(T new_value, std::string why) {
    value = std::move(new_value);
    reason = std::move(why);
  }
};

// The run-level parallelism decision (docs/passes.md, parallelism and transform-penalty).
struct ParallelismDecision {
  bool manual = false;  // parallelism: N given
  int available_cores = 0;
  int cap = 0;
  int eligible_streams = 0;
  int per_stream_target = 1;  // 1 when no stream is eligible
  int base_target = 1;
  int transform_count = 0;
  double transform_factor = 1.0;
  int effective = 1;

  const char* mode() const { return manual ? "manual" : "auto"; }
};

// The autotuner's candidate values for one stream's knobs; a single value when pinned.
struct AutotuneCandidates {
  std::vector<int64_t> parallelism;
  std::vector<PartitionMode> partition_mode;
  std::vector<int64_t> copy_flush_bytes;
  // The batches at once of the stream's stateless transforms (those only it feeds).
  std::vector<int64_t> node_concurrency;
  std::vector<std::string> pinned;  // names of pinned knobs
  // autotune.mode advise (or `rbc exec --advise`): probe and report the winner, run the baseline.
  bool advise = false;
};

struct SourceStep {
  // What is read (settled by bind/validate; copied here by concurrency).
  std::string connector;
  Config config;
  bool partitioned_reads = false;  // the connector can read disjoint slices and key windows
  std::string stream;
  SyncMode sync_mode = SyncMode::full_refresh;
  std::vector<std::string> columns;  // projection; empty = every column
  std::optional<Schema> declared_schema;
  std::string partition_key;
  std::string cursor_field, tie_breaker_field;                      // incremental
  OnDataError on_data_error = OnDataError::fail;                    // of the destination it feeds
  SchemaEvolution schema_evolution = SchemaEvolution::add_columns;  // likewise
  std::string dlq_path;
  int64_t max_batch_bytes = 0;
  int max_inflight_batches = 1;  // per reader: the backpressure window

  // eligibility
  std::optional<bool> eligible;
  std::string eligibility_reason;  // when not eligible
  std::string split;               // eligible by cutting its input into chunks: what is cut (a file)
  // concurrency
  Decided<int> partitions;  // the readers of the steady phase, before tuning
  Decided<PartitionMode> partition_mode;
  std::optional<AutotuneCandidates> autotune;  // when the tuner may run
  std::string autotune_note;                   // why it will not, when it will not
  // lanes
  Decided<int> readers;        // readers opened: the partitions, or the probe's largest candidate
  Decided<bool> tuned;         // the autotuner probes this stream (the reason says why or why not)
  int64_t flush_baseline = 0;  // the flush threshold its writers start from
  int lane_writers = 0;        // writers that only one of its lanes feeds (the tuner may park them)
  int sequence_group = 0;      // sources of one connected part share one sequence counter
  // A split file's readers claim its chunks in file order, each numbering its chunk's batch then.
  Decided<bool> chunks_in_order;
  // A tuned stream whose lanes only reach two_phase aggregations: its batches are dealt over
  // the lanes by sequence number, so that a candidate with fewer readers still feeds every
  // partial aggregate (decided, true, only then).
  Decided<bool> deals_lanes;
  // commit-protocol (incremental streams)
  Decided<bool> cursor_with_rows;  // a sink commits the cursor with the rows; else after every sink finished
};

// When a windowed aggregation's windows close (docs/pipeline.md, Windows and time): the
// watermark is the smallest, over the source partitions feeding it, of the largest event time
// each has delivered, minus allowed_lateness; a window closes once it reaches the window's end.
struct WatermarkStep {
  bool configured = false;  // false: every window closes when the input ends
  int64_t allowed_lateness_ms = 0;
  int64_t idle_timeout_ms = 0;  // 0: a silent partition holds the watermark back until it ends
  LateRows late_rows = LateRows::drop;
  // The sources whose rows reach the aggregation: each holds the watermark back until its
  // partitions have delivered (or ended, or gone idle), even before its first batch.
  std::vector<uint32_t> sources;
};

struct WindowStep {
  std::string window;  // as written: "TUMBLING(ts, 1m)"
  std::string time;    // its time expression, which a hash router in front evaluates too
  Decided<WatermarkStep> watermark;
};

// How an aggregation runs in parallel (the aggregation pass; docs/passes.md).
struct AggregationStep {
  std::vector<std::string> group_keys;  // the GROUP BY expressions; empty: one group
  bool emit_changes = false;
  std::optional<WindowStep> window;
  Decided<AggregationStrategy> strategy;
  Decided<int> lanes;                // hash: the router's N; two_phase: the lanes arriving; single: 1
  std::optional<NodeId> router;      // hash: the router that splits its rows by key
  Decided<int64_t> max_state_bytes;  // for every aggregation's groups together
};

struct TransformStep {
  std::string op;  // the operator's name
  Config config;
  OnDataError on_data_error = OnDataError::fail;
  std::string dlq_path;

  // concurrency
  Decided<bool> stateful;
  Decided<int> concurrency;  // batches at once per copy
  // lanes
  int lanes = 1;           // lanes arriving
  Decided<int> copies;     // operator instances: one per hash lane when it owns keys, else 1
  Decided<bool> in_order;  // a sequencer restores read order before it
  // aggregation (and lanes, for two_phase's lanes)
  std::optional<AggregationStep> aggregation;
  // The source whose autotuner sets its batches at once (up to its largest candidate).
  std::optional<NodeId> concurrency_tuned_by;
};

struct RouterStep {
  RouterNode::Mode mode = RouterNode::Mode::hash;
  std::vector<std::string> keys;                                // hash: key columns
  std::vector<std::pair<std::string, std::string>> predicates;  // predicate: (output, condition)
  // In front of a windowed aggregation: its time expression, whose largest value over each
  // whole batch every fragment carries, so that every lane's watermark is the same.
  std::string event_time;

  Decided<int> concurrency;
  // lanes
  int lanes = 1;         // lanes arriving
  Decided<int> outputs;  // lanes leaving: a hash router's N, else its input's lanes
};

struct SinkStep {
  // What is written.
  std::string connector;
  Config config;
  std::string target;
  WriteMode write_mode = WriteMode::append;
  std::vector<std::string> primary_key;
  OnDataError on_data_error = OnDataError::fail;
  SchemaEvolution schema_evolution = SchemaEvolution::add_columns;
  int64_t checkpoint_interval_rows = 0;
  int64_t checkpoint_interval_seconds = 0;
  int64_t max_batch_lag_ms = 0;  // change streams: commit whole transactions at least this often

  bool writes_in_parallel = false;  // the destination takes several writers at once (COPY)

  // concurrency
  Decided<int> partitions;  // writers for the plan's lanes, before tuning
  Decided<int64_t> flush_bytes;
  bool flush_pinned = false;  // by autotune.pin_copy_flush_bytes or the destination's option
  // lanes
  int lanes = 1;                         // lanes arriving; lane l goes to writer l % writers
  Decided<int> writers;                  // writers opened (each its own connection or file)
  Decided<bool> in_order;                // a sequencer restores read order before its one writer
  std::optional<NodeId> flush_tuned_by;  // the source whose tuner sets the threshold
  // commit-protocol
  std::string state_stream;  // the source stream whose state its commits carry
  Decided<bool> tracks_cursor;
  // cdc: the rows are changes; applied by primary key (upsert) or kept as rows (append).
  // Either way a checkpoint waits for a batch that ends a source transaction.
  bool change_stream = false;
  Decided<bool> applies_changes;
  Decided<bool> redo_safe;  // running the stream again after a commit duplicates nothing
};

using Step = std::variant<SourceStep, TransformStep, RouterStep, SinkStep>;

// Run-wide decisions and settings.
struct RunStep {
  std::string pipeline;
  int max_retries = 0;
  StateSpec state;
  ConnectorRef state_destination;      // the first destination: where backend postgres keeps state by default
  Decided<bool> state_in_destination;  // checkpoints commit in the destination's own transactions
  Decided<int> arena_threads;          // the oneTBB arena: readers + writers + compute workers
  Decided<int> worker_limit;           // source and transform workers running at once (a semaphore)
  bool dry_run = false;                // planned for `rbc exec --dry-run`: nothing is written
};

struct PhysicalPlan {
  LogicalGraph graph;
  std::vector<Step> steps;  // indexed by NodeId; each holds the alternative of its node's kind
  std::optional<ParallelismDecision> parallelism;
  RunStep run;

  template <typename S>
  S& step(NodeId id) {
    return std::get<S>(steps[id]);
  }
  template <typename S>
  const S& step(NodeId id) const {
    return std::get<S>(steps[id]);
  }
  // Gives every node an empty step of its kind (the pass manager does this first).
  void reset_steps();
};

}  // namespace rbc
