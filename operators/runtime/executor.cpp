// The executor: leader step, lowering to a oneTBB flow graph, run, commit or abandon.
//
// Shape of the graph, per logical node (lanes are the parallel slices of a stream: the
// source partitions, or a hash router's outputs):
//
//   source, per partition p:   input_node (tokens) -> limiter_node(max_inflight_batches)
//                              -> function_node(1) "reader p" calling PartitionReader::next()
//   transform (stateless):     function_node(NodePlan::concurrency)
//   transform (stateful):      sequencer_node -> function_node(1)      (one per lane after
//                              a hash router, where each lane owns its keys)
//   router:                    function_node(NodePlan::concurrency) that puts each fragment
//                              straight into the receiver of its lane or named output
//                              (a multifunction_node's ports are fixed at compile time,
//                              a router's fan-out is not)
//   sink, one writer:          sequencer_node -> function_node(1) writer
//   sink, P writers:           P x function_node(1), lane l -> writer l % P
//
// Backpressure: a batch exists only while it holds a token that passed its partition's
// limiter_node; the token's ticket decrements the limiter when the last fragment of the
// batch is destroyed (after the sink wrote it). So every partition has at most
// max_inflight_batches batches anywhere in the graph, a slow sink stalls the readers,
// and memory does not grow with the input.
//
// Order: every batch carries a sequence number, contiguous per connected part of the
// graph (assigned when read; a hash router's fragment k of batch s gets s*N+k). A
// sequencer_node before a single writer or a stateful operator restores read order, so
// a file written with one reader is byte-identical whatever the concurrency.
//
// Errors: node bodies never throw out; a failure records a RunError and cancels the
// graph. Of the errors recorded before the graph stopped, the one with the lowest
// (node id, partition) is reported, so a run that fails the same way names the same node.
//
// State, checkpoints, retries (docs/architecture.md has the reasons): incremental sources
// start after the position the StateStore saved; every batch carries the position of its
// last row; a writer commits every checkpoint interval with the position of the last
// batch it fully wrote; at the end all writers finish writing at once, then commit one
// after another until one fails; run_plan retries a failed attempt as a whole when its
// error is retryable and safe and no commit would be repeated.
#include "operators/runtime/executor.h"

#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "connectors/registry.h"
#include "connectors/specs/connector_specs.h"
#include "connectors/state/state_store.h"
#include "expr/query.h"
#include "graph/plan_printer.h"
#include "graph/value_format.h"
#include "operators/runtime/autotune.h"
#include "operators/runtime/clock.h"
#include "operators/runtime/operator.h"

namespace rbc {

namespace {

// Runs work(i) for every i < n at once, each on its own thread (the work is mostly
// waiting on a server), and returns their statuses once all are done; an exception
// becomes item i's failure.
std::vector<Status> on_own_threads(size_t n, const std::function<Status(size_t)>& work) {
  std::vector<Status> statuses(n);
  {
    std::vector<std::jthread> threads;
    threads.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      threads.emplace_back([&statuses, &work, i] {
        try {
          statuses[i] = work(i);
        } catch (const std::exception& e) {
          statuses[i] = Status::internal(std::string("unexpected exception: ") + e.what());
        } catch (...) {
          statuses[i] = Status::internal("unexpected exception");
        }
      });
    }
  }
  return statuses;
}

namespace flow = tbb::flow;

struct Envelope;
using Msg = std::shared_ptr<Envelope>;
using Limiter = flow::limiter_node<Msg>;

// Closed before the graph's nodes are destroyed, so that tickets still buffered in a
// cancelled graph do not decrement a limiter that is gone.
struct Gate {
  std::atomic<bool> open{true};
};

// One admission through a partition's limiter; returned when the last fragment of the
// batch it admitted is gone.
struct Ticket {
  Ticket(Limiter* limiter, std::shared_ptr<Gate> gate) : limiter(limiter), gate(std::move(gate)) {}
  Ticket(const Ticket&) = delete;
  Ticket& operator=(const Ticket&) = delete;
  ~Ticket() {
    if (gate->open.load()) limiter->decrementer().try_put(flow::continue_msg());
  }
  Limiter* limiter;
  std::shared_ptr<Gate> gate;
  std::shared_ptr<WindowHold> window;  // an autotune probe window the batch belongs to
};

struct Envelope {
  Batch batch;
  uint64_t seq = 0;
  int lane = 0;
  int64_t ready_ns = 0;  // when it was put into the next node, for waiting time
  std::shared_ptr<Ticket> ticket;
  // Incremental streams: the position of the source batch's last row, once every row of
  // that batch is in this envelope (a hash router puts it on the batch's last fragment).
  std::shared_ptr<const CursorPosition> position;
};

// A writer's rows since its last commit, and what that commit will carry.
struct WriterProgress {
  uint64_t rows = 0;
  int64_t since_ns = 0;
  bool commits_early = true;  // false once checkpoint() said it only commits at the end
  std::shared_ptr<const CursorPosition> position;
};

struct Counters {
  std::atomic<uint64_t> batches_in{0}, batches_out{0}, rows_in{0}, rows_out{0}, bytes_in{0}, bytes_out{0};
  std::atomic<int64_t> busy_ns{0}, waiting_ns{0};
  std::atomic<uint64_t> puts{0};  // batches put into this node (checked against batches_in)

  void in(const Batch& batch) {
    batches_in.fetch_add(1, std::memory_order_relaxed);
    rows_in.fetch_add(batch.num_rows, std::memory_order_relaxed);
    bytes_in.fetch_add(batch.data_bytes(), std::memory_order_relaxed);
  }
  void out(const Batch& batch) {
    batches_out.fetch_add(1, std::memory_order_relaxed);
    rows_out.fetch_add(batch.num_rows, std::memory_order_relaxed);
    bytes_out.fetch_add(batch.data_bytes(), std::memory_order_relaxed);
  }
};

struct ReaderState {
  std::unique_ptr<PartitionReader> reader;
  TunedReader* tuned = nullptr;  // `reader`, when the autotuner hands it its slices
  std::atomic<bool> exhausted{false};
  int64_t last_read_end_ns = 0;
  uint64_t rows = 0;
};

struct RuntimeNode;
struct Successor {
  RuntimeNode* node;
  std::string label;
};

struct RuntimeNode {
  NodeId id = 0;
  const LogicalNode* logical = nullptr;
  const NodePlan* plan = nullptr;
  std::string description;
  int lanes = 1;              // lanes arriving (source: its partitions)
  bool hashed_lanes = false;  // the lanes come from a hash router: each owns its keys
  int out_lanes = 1;
  std::shared_ptr<const Schema> input_schema, output_schema;
  Counters counters;
  std::vector<Successor> successors;
  std::vector<flow::receiver<Msg>*> receivers;  // lane l goes to receivers[l % size]
  std::atomic<uint64_t>* sequence = nullptr;    // source: counter of its connected part

  std::string state_stream;  // source and sink: the source stream, the key of its state

  // source
  std::unique_ptr<Source> source;
  StreamRequest stream_request;
  int tuned_readers = 0;                      // > 0: the autotuner probes this stream
  std::unique_ptr<StreamTuner> tuner;         // ... with this (declared before the readers
                                              // that use it, so that it outlives them)
  std::optional<AutotuneEvent> skipped_tune;  // else why not
  std::vector<std::unique_ptr<ReaderState>> readers;
  int cursor_index = -1, tie_breaker_index = -1;        // incremental: columns of the position
  std::shared_ptr<const CursorPosition> last_position;  // of the last row read
  // transform: one operator, or one per lane for a stateful operator after a hash router
  std::vector<std::unique_ptr<Operator>> operators;
  bool stateful = false;
  // router
  std::vector<int> key_columns;
  std::vector<std::pair<std::string, CompiledQuery>> predicates;
  // sink
  std::unique_ptr<Sink> sink;
  SinkRequest sink_request;
  bool sink_prepared = false;
  std::vector<std::unique_ptr<PartitionWriter>> writers;
  std::vector<bool> committed;
  std::vector<WriterProgress> progress;  // per writer
  StreamTuner* flush_tuner = nullptr;    // sets the writers' flush threshold while it probes
  std::vector<int64_t> flush_applied;    // per writer: the threshold last set
  bool tracks_cursor = false;            // its one writer commits the stream's cursor (see prepare())
  bool redo_is_safe = true;              // running the stream again after a commit duplicates nothing
  DryRunOutput* dry_run_output = nullptr;
  std::mutex dry_run_mutex;

  flow::receiver<Msg>& receiver(int lane) { return *receivers[static_cast<size_t>(lane) % receivers.size()]; }
};

std::string describe(const LogicalNode& node) {
  switch (node.kind) {
    case NodeKind::source: return "source " + node.source().connector.use.value + " \"" + node.stream + "\"";
    case NodeKind::transform: return "transform " + node.transform().spec.use.value;
    case NodeKind::router: {
      const RouterNode& router = node.router();
      if (router.mode == RouterNode::Mode::predicate) return "router predicate";
      std::string keys;
      for (const auto& key : router.keys) keys += (keys.empty() ? "" : ", ") + key;
      return "router hash(" + keys + ") x" + std::to_string(router.partitions);
    }
    case NodeKind::sink:
      return "sink " + node.sink().destination.connector.use.value + " \"" + node.sink().target + "\"";
  }
  return "node";
}

// Hash of one row's key columns over their stored bytes (stable across runs).
uint64_t hash_row(const Batch& batch, const std::vector<int>& columns, size_t row) {
  uint64_t hash = 1469598103934665603ull;
  auto mix = [&hash](const void* data, size_t size) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
  };
  for (int c : columns) {
    const Column& column = batch.columns[c];
    if (column.is_null(row)) {
      uint8_t marker = 0xff;
      mix(&marker, 1);
    } else if (column.type().is_variable_width()) {
      std::string_view text = column.string_at(row);
      mix(text.data(), text.size());
    } else {
      size_t width = column.type().fixed_width();
      mix(column.data().data() + row * width, width);
    }
    uint8_t separator = 0;
    mix(&separator, 1);
  }
  return hash;
}

Batch take_rows(const Batch& batch, const std::vector<uint32_t>& rows) {
  Batch out = Batch::empty(batch.schema);
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    out.columns[c].reserve(rows.size());
    for (uint32_t row : rows) out.columns[c].append_from(batch.columns[c], row);
  }
  out.num_rows = rows.size();
  return out;
}

// The position of an incremental batch: the cursor (and tie-breaker) of its last row, in
// the text form PostgreSQL parses back (graph/value_format.h).
std::shared_ptr<const CursorPosition> last_row_position(const Batch& batch, int cursor, int tie_breaker) {
  size_t row = batch.num_rows - 1;
  if (batch.columns[cursor].is_null(row)) return nullptr;
  auto position = std::make_shared<CursorPosition>();
  append_formatted_value(position->cursor_value, batch.columns[cursor], row);
  if (tie_breaker >= 0 && !batch.columns[tie_breaker].is_null(row)) {
    position->tie_breaker_value.emplace();
    append_formatted_value(*position->tie_breaker_value, batch.columns[tie_breaker], row);
  }
  return position;
}

void truncate_batch(Batch& batch, size_t rows) {
  if (rows >= batch.num_rows) return;
  for (auto& column : batch.columns) column.truncate(rows);
  batch.num_rows = rows;
}

class FirstError {
 public:
  // True for the first error of the run.
  bool record(RunError error) {
    std::lock_guard lock(mutex_);
    bool first = !best_.has_value();
    auto rank = [](const RunError& e) {
      return std::make_pair(e.node.value_or(std::numeric_limits<NodeId>::max()), e.partition);
    };
    if (first || rank(error) < rank(*best_)) best_ = std::move(error);
    return first;
  }
  std::optional<RunError> get() const {
    std::lock_guard lock(mutex_);
    return best_;
  }
  bool any() const {
    std::lock_guard lock(mutex_);
    return best_.has_value();
  }

 private:
  mutable std::mutex mutex_;
  std::optional<RunError> best_;
};

class Execution {
 public:
  Execution(const PhysicalPlan& plan, const RunOptions& options, StateStore& state, std::string run_id)
      : plan_(plan), options_(options), state_(state), run_id_(std::move(run_id)) {
    if (!options_.make_source) options_.make_source = [](const std::string& use) { return make_source(use); };
    if (!options_.make_sink) options_.make_sink = [](const std::string& use) { return make_sink(use); };
  }

  RunReport run();
  // Something was committed that running the attempt again would duplicate.
  bool committed_unsafe() const { return committed_unsafe_.load(); }

 private:
  const LogicalGraph& graph() const { return plan_.graph; }
  void fail(const RuntimeNode& node, int partition, std::string message,
            std::optional<RetryDetail> retry = std::nullopt);
  void fail(const RuntimeNode& node, int partition, const Status& status) {
    fail(node, partition, status.message(), status.retry());
  }
  bool stopped() const { return stop_.load(std::memory_order_relaxed); }

  bool build_nodes();
  bool prepare();
  bool open_readers_and_writers();
  void lower(flow::graph& g, std::vector<std::unique_ptr<flow::graph_node>>& owned,
             std::vector<flow::input_node<Msg>*>& inputs, const std::shared_ptr<Gate>& gate);
  void lower_source(flow::graph& g, RuntimeNode& node, std::vector<std::unique_ptr<flow::graph_node>>& owned,
                    std::vector<flow::input_node<Msg>*>& inputs, const std::shared_ptr<Gate>& gate);
  flow::receiver<Msg>* serial_in_order(flow::graph& g, std::vector<std::unique_ptr<flow::graph_node>>& owned,
                                       std::function<void(Msg)> body);
  void emit(RuntimeNode& from, Msg envelope);
  void put(RuntimeNode& to, Msg envelope);
  void run_transform(RuntimeNode& node, Operator& op, const Msg& envelope);
  void run_router(RuntimeNode& node, const Msg& envelope);
  void run_writer(RuntimeNode& node, int partition, const Msg& envelope);
  void checkpoint_writer(RuntimeNode& node, int partition);
  Checkpoint pending_checkpoint(RuntimeNode& node, int partition);
  void save_state(RuntimeNode& node, int partition, const Checkpoint& checkpoint);
  void save_untracked_cursors();
  RunRecord run_record(const std::string& stream) const {
    return RunRecord::of(run_id_, graph().info.name.value, stream);
  }
  void collect_dry_run(RuntimeNode& node, const Msg& envelope);
  void finish_writing();
  void finish_sinks();
  void monitor_loop();
  RunProgress progress() const;
  void log_start();
  void start_tuner(RuntimeNode& source);
  void hold_thread(std::function<void()> wait);
  int lane_writers(const RuntimeNode& source) const;
  // The flush threshold the writers fed by `source` start with (a pin, or the default).
  int64_t flush_baseline(NodeId source) const {
    for (NodeId next : graph().reachable_from(source)) {
      if (graph().node(next).kind == NodeKind::sink) return plan_.at(next).copy_flush_bytes;
    }
    return kDefaultCopyFlushBytes;
  }
  RunReport make_report(double seconds);

  const PhysicalPlan& plan_;
  RunOptions options_;
  StateStore& state_;
  std::string run_id_;
  std::atomic<bool> committed_unsafe_{false};
  std::vector<std::unique_ptr<RuntimeNode>> nodes_;  // by node id
  std::vector<std::unique_ptr<std::atomic<uint64_t>>> sequences_;
  std::vector<std::unique_ptr<DryRunOutput>> dry_run_outputs_;
  FirstError first_error_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cancelled_by_signal_{false};
  flow::graph* graph_ = nullptr;
  tbb::task_arena* arena_ = nullptr;  // the arena graph_ runs in
  std::mutex graph_mutex_;            // guards graph_ against the monitor thread
  int64_t started_ns_ = 0;
  // monitor thread
  std::mutex monitor_mutex_;
  std::condition_variable monitor_wake_;
  bool monitor_done_ = false;
};

void Execution::fail(const RuntimeNode& node, int partition, std::string message,
                     std::optional<RetryDetail> retry) {
  RunError error;
  error.retry = std::move(retry);
  error.node = node.id;
  error.kind = node.logical->kind;
  error.description = node.description;
  error.stream = node.logical->stream;
  error.partition = partition;
  error.message = std::move(message);
  first_error_.record(std::move(error));
  stop_.store(true);
  std::lock_guard lock(graph_mutex_);
  if (graph_ != nullptr) graph_->cancel();
}

// Creates one RuntimeNode per logical node with its lanes, successors and connectors.
bool Execution::build_nodes() {
  const LogicalGraph& g = graph();
  nodes_.resize(g.node_count());
  // Sequence numbers are shared by every node connected to each other, so that a node
  // fed by several sources still sees one contiguous range.
  std::vector<NodeId> component(g.node_count());
  for (NodeId id = 0; id < g.node_count(); ++id) component[id] = id;
  std::function<NodeId(NodeId)> find = [&](NodeId id) {
    return component[id] == id ? id : component[id] = find(component[id]);
  };
  for (const auto& edge : g.edges()) component[find(edge.from)] = find(edge.to);
  std::map<NodeId, std::atomic<uint64_t>*> counters;

  for (NodeId id : g.topological_order()) {
    auto node = std::make_unique<RuntimeNode>();
    node->id = id;
    node->logical = &g.node(id);
    node->plan = &plan_.at(id);
    node->description = describe(*node->logical);
    int lanes = 1;
    bool hashed = false;
    for (NodeId pred : g.predecessors(id)) {
      lanes = std::max(lanes, nodes_[pred]->out_lanes);
      hashed = hashed || (nodes_[pred]->logical->kind == NodeKind::router &&
                          nodes_[pred]->logical->router().mode == RouterNode::Mode::hash);
    }
    if (node->logical->kind == NodeKind::source) {
      node->tuned_readers = tuned_readers(plan_, id, options_.dry_run);
      lanes = node->tuned_readers > 0 ? node->tuned_readers : std::max(1, node->plan->partitions);
    }
    node->lanes = lanes;
    node->hashed_lanes = hashed;
    node->out_lanes = lanes;
    if (node->logical->kind == NodeKind::router && node->logical->router().mode == RouterNode::Mode::hash) {
      node->out_lanes = std::max(1, node->logical->router().partitions);
    }
    if (node->logical->kind == NodeKind::source) {
      auto& counter = counters[find(id)];
      if (counter == nullptr) {
        sequences_.push_back(std::make_unique<std::atomic<uint64_t>>(0));
        counter = sequences_.back().get();
      }
      node->sequence = counter;
    }
    nodes_[id] = std::move(node);
  }
  for (const auto& edge : g.edges())
    nodes_[edge.from]->successors.push_back({nodes_[edge.to].get(), edge.label});
  return true;
}

// Same names and types in the same order (nullability may differ between inputs).
bool same_columns(const Schema& a, const Schema& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a.field(i).name != b.field(i).name || !(a.field(i).type == b.field(i).type)) return false;
  }
  return true;
}

std::string columns_text(const Schema& schema) {
  std::string text;
  for (const auto& field : schema.fields())
    text += (text.empty() ? "" : ", ") + field.name + " " + field.type.to_string();
  return text;
}

// The destination options a source and the operators of its stream work under.
const SinkNode* first_sink_after(const LogicalGraph& graph, NodeId id) {
  for (NodeId next : graph.reachable_from(id)) {
    if (graph.node(next).kind == NodeKind::sink) return &graph.node(next).sink();
  }
  return nullptr;
}

std::string dlq_path_for(const PipelineInfo& info, const DestinationSpec& destination) {
  if (destination.dlq_path.present && !destination.dlq_path.value.empty()) return destination.dlq_path.value;
  return info.name.value + ".dlq.jsonl";
}

// A sink node's writers: the plan's partitions, or one per lane for destinations loaded
// in parallel (a probed stream has more lanes than its plan).
int writer_count(const RuntimeNode& node) {
  int count = std::max(1, node.plan->partitions);
  const ConnectorSpec* spec = find_connector_spec(node.logical->sink().destination.connector.use.value);
  if (spec != nullptr && spec->parallel_writes) count = std::max(count, node.lanes);
  return count;
}

// The leader step: every Source::prepare (which fixes the schema) and Sink::prepare,
// once per stream, before any reader or writer opens. The first failure stops here.
bool Execution::prepare() {
  const LogicalGraph& g = graph();
  const PipelineInfo& info = g.info;
  // Every connector first, so that they all start connecting at once (connect_ahead).
  for (NodeId id : g.topological_order()) {
    RuntimeNode& node = *nodes_[id];
    if (node.logical->kind == NodeKind::source) {
      const ConnectorRef& connector = node.logical->source().connector;
      node.source = options_.make_source(connector.use.value);
      if (!node.source) {
        fail(node, 0, "unknown source connector '" + connector.use.value + "'");
        return false;
      }
      node.source->connect_ahead(connector.config, node.lanes);
    } else if (node.logical->kind == NodeKind::sink && !options_.dry_run) {
      const ConnectorRef& connector = node.logical->sink().destination.connector;
      node.sink = options_.make_sink(connector.use.value);
      if (!node.sink) {
        fail(node, 0, "unknown destination connector '" + connector.use.value + "'");
        return false;
      }
      node.sink->connect_ahead(connector.config, writer_count(node));
    }
  }
  for (NodeId id : g.topological_order()) {
    RuntimeNode& node = *nodes_[id];
    const LogicalNode& logical = *node.logical;
    // A node fed by several inputs (a merge) needs the same columns from each.
    std::optional<NodeId> first_input;
    for (NodeId pred : g.predecessors(id)) {
      const std::shared_ptr<const Schema>& schema = nodes_[pred]->output_schema;
      if (!node.input_schema) {
        node.input_schema = schema;
        first_input = pred;
      } else if (schema && !same_columns(*node.input_schema, *schema)) {
        fail(node, 0,
             "its inputs have different columns: %" + std::to_string(*first_input) + " gives (" +
                 columns_text(*node.input_schema) + "), %" + std::to_string(pred) + " gives (" +
                 columns_text(*schema) + ")");
        return false;
      }
    }
    switch (logical.kind) {
      case NodeKind::source: {
        const SourceNode& source = logical.source();
        StreamRequest& request = node.stream_request;
        request.pipeline = info.name.value;
        request.stream = source.stream.name.value;
        request.config = source.connector.config;
        request.columns = source.stream.columns.value;
        request.declared_schema = source.stream.declared_schema;
        request.sync_mode = source.stream.sync_mode.value;
        request.cursor_field = source.stream.cursor_field.value;
        request.tie_breaker_field = source.stream.tie_breaker_field.value;
        request.partition_key = source.stream.partition_key.value;
        request.partition_mode = node.plan->partition_mode;
        request.partition_count = std::max(1, node.plan->partitions);
        request.sliced_readers = node.tuned_readers;
        request.max_batch_bytes =
            static_cast<size_t>(std::max<int64_t>(1, info.resources.max_batch_bytes.value));
        if (options_.max_batch_rows > 0) request.max_batch_rows = options_.max_batch_rows;
        if (options_.dry_run)
          request.max_batch_rows = std::max<size_t>(1, std::min(request.max_batch_rows, options_.limit));
        if (const SinkNode* sink = first_sink_after(g, id)) {
          request.on_data_error = sink->destination.on_data_error.value;
          request.dlq_path = dlq_path_for(info, sink->destination);
        }
        node.state_stream = request.stream;
        if (request.sync_mode == SyncMode::incremental) {
          auto saved = state_.load(info.name.value, request.stream);
          if (!saved.is_ok()) {
            fail(node, 0, saved.status().prefixed("state: "));
            return false;
          }
          if (*saved) {
            request.cursor_value = (*saved)->cursor_value;
            request.tie_breaker_value = (*saved)->tie_breaker_value;
          }
          spdlog::info("incremental stream=\"{}\" reads {}{}", request.stream,
                       *saved ? "after cursor " + request.cursor_field + "=" + (*saved)->cursor_value
                              : std::string("from the beginning"),
                       *saved && (*saved)->tie_breaker_value
                           ? ", " + request.tie_breaker_field + "=" + *(*saved)->tie_breaker_value
                           : std::string());
        }
        Result<std::shared_ptr<const Schema>> schema = node.source->prepare(request);
        if (!schema.is_ok()) {
          fail(node, 0, schema.status().prefixed("prepare: "));
          return false;
        }
        node.output_schema = *schema;
        if (node.tuned_readers > 0) start_tuner(node);
        if (request.sync_mode == SyncMode::incremental) {
          // The position is taken from the rows read, so the source must deliver the columns.
          node.cursor_index = node.output_schema->index_of(request.cursor_field);
          if (!request.tie_breaker_field.empty())
            node.tie_breaker_index = node.output_schema->index_of(request.tie_breaker_field);
          if (node.cursor_index < 0 || (!request.tie_breaker_field.empty() && node.tie_breaker_index < 0)) {
            fail(node, 0, "incremental: the stream's rows lack its cursor or tie-breaker column");
            return false;
          }
        }
        break;
      }
      case NodeKind::transform: {
        OperatorContext context;
        context.pipeline = info.name.value;
        context.stream = logical.stream;
        if (const SinkNode* sink = first_sink_after(g, id)) {
          context.on_data_error = sink->destination.on_data_error.value;
          context.dlq_path = dlq_path_for(info, sink->destination);
        } else {
          context.dlq_path = info.name.value + ".dlq.jsonl";
        }
        auto op = make_operator(logical.transform().spec, node.input_schema, context);
        if (!op.is_ok()) {
          fail(node, 0, op.status().message());
          return false;
        }
        node.stateful = (*op)->stateful();
        node.output_schema = (*op)->output_schema();
        node.operators.push_back(std::move(op).value());
        if (node.stateful && node.hashed_lanes) {
          for (int lane = 1; lane < node.lanes; ++lane) {
            auto copy = make_operator(logical.transform().spec, node.input_schema, context);
            if (!copy.is_ok()) {
              fail(node, lane, copy.status().message());
              return false;
            }
            node.operators.push_back(std::move(copy).value());
          }
        }
        break;
      }
      case NodeKind::router: {
        const RouterNode& router = logical.router();
        node.output_schema = node.input_schema;
        if (router.mode == RouterNode::Mode::hash) {
          for (const auto& key : router.keys) {
            int index = node.input_schema->index_of(key);
            if (index < 0) {
              fail(node, 0, "no key column '" + key + "' in the input");
              return false;
            }
            node.key_columns.push_back(index);
          }
        } else {
          for (const auto& [output, condition] : router.predicates) {
            std::string query = "SELECT * FROM input WHERE " + condition;
            SqlCompileResult compiled = compile_sql(query, *node.input_schema);
            if (auto* errors = std::get_if<std::vector<SqlError>>(&compiled)) {
              fail(node, 0, "output '" + output + "': " + format_sql_error(query, errors->front()));
              return false;
            }
            node.predicates.emplace_back(output, std::get<CompiledQuery>(std::move(compiled)));
          }
        }
        break;
      }
      case NodeKind::sink: {
        node.output_schema = node.input_schema;
        if (options_.dry_run) {
          dry_run_outputs_.push_back(std::make_unique<DryRunOutput>());
          node.dry_run_output = dry_run_outputs_.back().get();
          node.dry_run_output->stream = logical.stream;
          node.dry_run_output->sink = id;
          node.dry_run_output->schema = node.input_schema;
          break;
        }
        const SinkNode& sink = logical.sink();
        SinkRequest& request = node.sink_request;
        request.pipeline = info.name.value;
        request.stream = sink.target;
        request.config = sink.destination.connector.config;
        request.schema = node.input_schema;
        request.write_mode = sink.destination.write_mode.value;
        request.schema_evolution = sink.destination.schema_evolution.value;
        request.primary_key = sink.destination.primary_key.value;
        request.on_data_error = sink.destination.on_data_error.value;
        request.partition_count = writer_count(node);
        // Where the stream's position is committed (docs/architecture.md, "State"): with
        // the rows, when one source reads in cursor order into this sink's one writer;
        // otherwise once every sink of the stream has finished.
        const RuntimeNode* feeding = nullptr;
        int sources = 0;
        for (NodeId other = 0; other < g.node_count(); ++other) {
          const auto& reach = g.reachable_from(other);
          if (nodes_[other]->logical->kind != NodeKind::source ||
              std::find(reach.begin(), reach.end(), id) == reach.end())
            continue;
          ++sources;
          if (feeding == nullptr) feeding = nodes_[other].get();
        }
        int sinks_of_source = 0;
        if (feeding != nullptr) {
          for (NodeId next : g.reachable_from(feeding->id))
            sinks_of_source += g.node(next).kind == NodeKind::sink;
          node.state_stream = feeding->state_stream;
        }
        // The tuner sets the flush threshold of writers whose destination has no pin.
        if (feeding != nullptr && feeding->tuner && !node.plan->copy_flush_pinned)
          node.flush_tuner = feeding->tuner.get();
        node.tracks_cursor = sources == 1 && feeding->cursor_index >= 0 && sinks_of_source == 1 &&
                             request.partition_count == 1;
        if (state_.in_destination())
          request.state = SinkRequest::StateInSink{state_.schema(), run_id_, node.state_stream};
        // A commit that a new attempt would write again blocks retries (SPEC section 3).
        node.redo_is_safe = request.write_mode != WriteMode::append || (node.tracks_cursor && request.state);
        Status status = node.sink->prepare(request);
        // abandon() is due even after a failed prepare: it may have created something.
        node.sink_prepared = true;
        if (!status.is_ok()) {
          fail(node, 0, status.prefixed("prepare: "));
          return false;
        }
        break;
      }
    }
  }
  return true;
}

bool Execution::open_readers_and_writers() {
  // Opening a reader or writer is mostly connecting (a round trip, authentication, a
  // server process starting), so all of them open at once, each on its own thread: the
  // run holds every one of these connections anyway. Failures are then reported in node
  // and lane order, so the error named does not depend on which thread lost the race.
  struct Opening {
    RuntimeNode* node;
    int lane;
    std::optional<Result<std::unique_ptr<PartitionReader>>> reader;
    std::optional<Result<std::unique_ptr<PartitionWriter>>> writer;
  };
  std::vector<Opening> openings;
  for (auto& node_ptr : nodes_) {
    RuntimeNode& node = *node_ptr;
    if (node.logical->kind == NodeKind::source) {
      for (int p = 0; p < node.lanes; ++p) openings.push_back(Opening{&node, p, {}, {}});
    } else if (node.logical->kind == NodeKind::sink && node.sink) {
      for (int p = 0; p < node.sink_request.partition_count; ++p)
        openings.push_back(Opening{&node, p, {}, {}});
    }
  }
  std::vector<Status> opened = on_own_threads(openings.size(), [&openings](size_t i) {
    Opening& opening = openings[i];
    RuntimeNode& node = *opening.node;
    if (node.logical->kind == NodeKind::source) {
      opening.reader = node.source->open(node.stream_request, opening.lane);
      return opening.reader->status();
    }
    opening.writer = node.sink->open(node.sink_request, opening.lane);
    return opening.writer->status();
  });
  // Every writer opened is kept, even after another failed, so that the failure's
  // cleanup aborts it (a file writer's abort removes its part file).
  const Opening* failed = nullptr;
  Status failure;
  for (size_t i = 0; i < openings.size(); ++i) {
    Opening& opening = openings[i];
    RuntimeNode& node = *opening.node;
    const int p = opening.lane;
    const Status& status = opened[i];
    if (!status.is_ok()) {
      if (failed == nullptr) {
        failed = &opening;
        failure = status;
      }
      continue;
    }
    if (opening.reader) {
      node.readers.push_back(std::make_unique<ReaderState>());
      ReaderState& state = *node.readers.back();
      if (node.tuner) {
        auto tuned = std::make_unique<TunedReader>(std::move(*opening.reader).value(), *node.tuner, p,
                                                   [this] { return stopped(); });
        state.tuned = tuned.get();
        state.reader = std::move(tuned);
      } else {
        state.reader = std::move(*opening.reader).value();
      }
    } else {
      node.writers.push_back(std::move(*opening.writer).value());
      // A pinned flush threshold holds from the start; a probing tuner sets its own.
      const int64_t flush = node.plan->copy_flush_bytes;
      if (node.plan->copy_flush_pinned) node.writers.back()->set_flush_bytes(static_cast<size_t>(flush));
      node.flush_applied.push_back(flush);
      node.committed.push_back(false);
      node.progress.push_back(WriterProgress{0, now_ns(), true, nullptr});
    }
  }
  if (failed != nullptr) {
    fail(*failed->node, failed->lane, failure.prefixed("open: "));
    return false;
  }
  return true;
}

void Execution::put(RuntimeNode& to, Msg envelope) {
  envelope->ready_ns = now_ns();
  to.counters.puts.fetch_add(1, std::memory_order_relaxed);
  flow::receiver<Msg>& receiver = to.receiver(envelope->lane);
  receiver.try_put(std::move(envelope));
}

// Hands a batch to every successor; a second successor gets its own copy.
void Execution::emit(RuntimeNode& from, Msg envelope) {
  from.counters.out(envelope->batch);
  for (size_t i = 0; i < from.successors.size(); ++i) {
    Msg message =
        i + 1 == from.successors.size() ? std::move(envelope) : std::make_shared<Envelope>(*envelope);
    put(*from.successors[i].node, std::move(message));
  }
}

void Execution::run_transform(RuntimeNode& node, Operator& op, const Msg& envelope) {
  if (stopped()) return;
  int64_t start = now_ns();
  node.counters.waiting_ns.fetch_add(start - envelope->ready_ns, std::memory_order_relaxed);
  node.counters.in(envelope->batch);
  try {
    Result<Batch> out = op.process(envelope->batch, BatchInfo{envelope->seq, envelope->lane});
    node.counters.busy_ns.fetch_add(now_ns() - start, std::memory_order_relaxed);
    if (!out.is_ok()) return fail(node, envelope->lane, out.status().message());
    envelope->batch = std::move(out).value();
  } catch (const std::exception& e) {
    return fail(node, envelope->lane, std::string("unexpected exception: ") + e.what());
  }
  emit(node, envelope);
}

void Execution::run_router(RuntimeNode& node, const Msg& envelope) {
  if (stopped()) return;
  int64_t start = now_ns();
  node.counters.waiting_ns.fetch_add(start - envelope->ready_ns, std::memory_order_relaxed);
  node.counters.in(envelope->batch);
  const Batch& batch = envelope->batch;
  try {
    if (node.logical->router().mode == RouterNode::Mode::hash) {
      const int n = node.out_lanes;
      std::vector<std::vector<uint32_t>> rows(n);
      for (size_t row = 0; row < batch.num_rows; ++row) {
        rows[hash_row(batch, node.key_columns, row) % n].push_back(static_cast<uint32_t>(row));
      }
      // Every lane gets a fragment, empty or not, so that sequence numbers stay contiguous.
      std::vector<Msg> fragments;
      for (int lane = 0; lane < n; ++lane) {
        auto fragment = std::make_shared<Envelope>();
        fragment->batch = take_rows(batch, rows[lane]);
        fragment->seq = envelope->seq * n + lane;
        fragment->lane = lane;
        fragment->ticket = envelope->ticket;
        if (lane == n - 1) fragment->position = envelope->position;
        fragments.push_back(std::move(fragment));
      }
      node.counters.busy_ns.fetch_add(now_ns() - start, std::memory_order_relaxed);
      for (auto& fragment : fragments) emit(node, std::move(fragment));
      return;
    }
    // Predicate mode: each named output gets the rows its condition holds for (an empty
    // batch when none), with the input's sequence number; rows no condition holds for
    // are dropped; unlabelled edges get every row.
    std::vector<std::pair<const std::string*, Msg>> outputs;
    for (const auto& [name, query] : node.predicates) {
      Result<Batch> selected = query.evaluate(batch);
      if (!selected.is_ok())
        return fail(node, envelope->lane, "output '" + name + "': " + selected.status().message());
      auto fragment = std::make_shared<Envelope>();
      fragment->batch = std::move(selected).value();
      fragment->seq = envelope->seq;
      fragment->lane = envelope->lane;
      fragment->ticket = envelope->ticket;
      fragment->position = envelope->position;
      outputs.emplace_back(&name, std::move(fragment));
    }
    node.counters.busy_ns.fetch_add(now_ns() - start, std::memory_order_relaxed);
    for (const auto& successor : node.successors) {
      const Envelope* source = envelope.get();
      for (const auto& [name, fragment] : outputs) {
        if (*name == successor.label) source = fragment.get();
      }
      node.counters.out(source->batch);
      put(*successor.node, std::make_shared<Envelope>(*source));
    }
  } catch (const std::exception& e) {
    fail(node, envelope->lane, std::string("unexpected exception: ") + e.what());
  }
}

void Execution::run_writer(RuntimeNode& node, int partition, const Msg& envelope) {
  if (stopped()) return;
  int64_t start = now_ns();
  node.counters.waiting_ns.fetch_add(start - envelope->ready_ns, std::memory_order_relaxed);
  node.counters.in(envelope->batch);
  WriterProgress& progress = node.progress[partition];
  // Batches arrive in read order (one writer has a sequencer in front), so the latest
  // position is that of the last row read whose batch is fully written.
  if (envelope->position) progress.position = envelope->position;
  if (envelope->batch.num_rows == 0) return;
  if (node.flush_tuner != nullptr && node.flush_tuner->flush_bytes() != node.flush_applied[partition]) {
    node.flush_applied[partition] = node.flush_tuner->flush_bytes();
    node.writers[partition]->set_flush_bytes(static_cast<size_t>(node.flush_applied[partition]));
  }
  try {
    Status status = node.writers[partition]->write(envelope->batch);
    node.counters.busy_ns.fetch_add(now_ns() - start, std::memory_order_relaxed);
    if (!status.is_ok()) return fail(node, partition, status);
    progress.rows += envelope->batch.num_rows;
    const ResourcesSpec& resources = graph().info.resources;
    bool due = progress.rows >= static_cast<uint64_t>(resources.checkpoint_interval_rows.value) ||
               now_ns() - progress.since_ns >= resources.checkpoint_interval_seconds.value * 1'000'000'000;
    if (due && progress.commits_early) checkpoint_writer(node, partition);
  } catch (const std::exception& e) {
    fail(node, partition, std::string("unexpected exception: ") + e.what());
  }
}

// What the next commit of a writer carries: its rows since the last one and, when it
// tracks the stream's cursor, the position of the last row it contains.
Checkpoint Execution::pending_checkpoint(RuntimeNode& node, int partition) {
  const WriterProgress& progress = node.progress[partition];
  Checkpoint checkpoint;
  checkpoint.rows = progress.rows;
  if (node.tracks_cursor && progress.position) checkpoint.position = *progress.position;
  return checkpoint;
}

// A checkpoint interval has passed: the writer commits what it has written so far.
void Execution::checkpoint_writer(RuntimeNode& node, int partition) {
  WriterProgress& progress = node.progress[partition];
  Checkpoint checkpoint = pending_checkpoint(node, partition);
  Result<bool> committed = node.writers[partition]->checkpoint(checkpoint);
  if (!committed.is_ok()) return fail(node, partition, committed.status().prefixed("checkpoint: "));
  progress.since_ns = now_ns();
  if (!*committed) {
    progress.commits_early = false;
    return;
  }
  progress.rows = 0;
  if (!node.redo_is_safe) committed_unsafe_.store(true);
  spdlog::debug("checkpoint stream=\"{}\" partition={} rows={}{}", node.state_stream, partition,
                checkpoint.rows,
                checkpoint.position ? " cursor=" + checkpoint.position->cursor_value : std::string());
  save_state(node, partition, checkpoint);
}

// After a commit that the sink did not record itself: save it in the state store.
void Execution::save_state(RuntimeNode& node, int partition, const Checkpoint& checkpoint) {
  if (node.sink_request.state) return;  // already in the commit's own transaction
  Status saved = state_.save(run_record(node.state_stream), checkpoint);
  if (saved.is_ok()) return;
  // The rows are committed but their position is not saved: a new attempt would repeat them.
  committed_unsafe_.store(true);
  fail(node, partition, saved.prefixed("state: "));
}

// Incremental streams whose position no single writer carried (several sinks or
// writers): saved once every sink finished, so it is never ahead of the rows.
void Execution::save_untracked_cursors() {
  for (auto& node : nodes_) {
    if (first_error_.any()) return;
    if (node->logical->kind != NodeKind::source || !node->last_position) continue;
    bool tracked = false;
    for (NodeId next : graph().reachable_from(node->id)) tracked = tracked || nodes_[next]->tracks_cursor;
    if (tracked) continue;
    Checkpoint checkpoint;
    checkpoint.position = *node->last_position;
    Status saved = state_.save(run_record(node->state_stream), checkpoint);
    if (!saved.is_ok()) fail(*node, 0, saved.prefixed("state: "));
  }
}

void Execution::collect_dry_run(RuntimeNode& node, const Msg& envelope) {
  if (stopped()) return;
  node.counters.in(envelope->batch);
  std::lock_guard lock(node.dry_run_mutex);
  node.dry_run_output->batches.push_back(envelope->batch);
}

// A sequencer in front of a serial body: batches reach the body in sequence order.
flow::receiver<Msg>* Execution::serial_in_order(flow::graph& g,
                                                std::vector<std::unique_ptr<flow::graph_node>>& owned,
                                                std::function<void(Msg)> body) {
  auto sequencer = std::make_unique<flow::sequencer_node<Msg>>(g, [](const Msg& m) { return m->seq; });
  auto serial = std::make_unique<flow::function_node<Msg, flow::continue_msg>>(
      g, flow::serial, [body = std::move(body)](Msg m) {
        body(std::move(m));
        return flow::continue_msg();
      });
  flow::make_edge(*sequencer, *serial);
  flow::receiver<Msg>* entry = sequencer.get();
  owned.push_back(std::move(sequencer));
  owned.push_back(std::move(serial));
  return entry;
}

void Execution::lower_source(flow::graph& g, RuntimeNode& node,
                             std::vector<std::unique_ptr<flow::graph_node>>& owned,
                             std::vector<flow::input_node<Msg>*>& inputs, const std::shared_ptr<Gate>& gate) {
  const size_t max_inflight =
      static_cast<size_t>(std::max<int64_t>(1, graph().info.resources.max_inflight_batches.value));
  for (int p = 0; p < node.lanes; ++p) {
    ReaderState* state = node.readers[p].get();
    auto limiter = std::make_unique<Limiter>(g, max_inflight);
    Limiter* limiter_ptr = limiter.get();
    // The input node only hands out admission tokens; the read itself happens after the
    // limiter, so a batch is never read before there is room for it.
    auto input = std::make_unique<flow::input_node<Msg>>(
        g, [this, state, limiter_ptr, gate](tbb::flow_control& control) {
          if (stopped() || state->exhausted.load()) {
            control.stop();
            return Msg();
          }
          auto token = std::make_shared<Envelope>();
          token->ticket = std::make_shared<Ticket>(limiter_ptr, gate);
          return token;
        });
    auto reader = std::make_unique<flow::function_node<Msg, flow::continue_msg>>(
        g, flow::serial, [this, &node, state, p](Msg token) {
          if (stopped() || state->exhausted.load()) return flow::continue_msg();
          int64_t start = now_ns();
          if (state->last_read_end_ns != 0) {
            node.counters.waiting_ns.fetch_add(start - state->last_read_end_ns, std::memory_order_relaxed);
          }
          std::optional<Batch> batch;
          try {
            Result<std::optional<Batch>> next = state->reader->next();
            if (!next.is_ok()) {
              state->exhausted.store(true);
              fail(node, p, next.status());
              return flow::continue_msg();
            }
            batch = std::move(next).value();
          } catch (const std::exception& e) {
            state->exhausted.store(true);
            fail(node, p, std::string("unexpected exception: ") + e.what());
            return flow::continue_msg();
          }
          state->last_read_end_ns = now_ns();
          int64_t waited = state->tuned ? state->tuned->take_waited_ns() : 0;
          node.counters.busy_ns.fetch_add(state->last_read_end_ns - start - waited,
                                          std::memory_order_relaxed);
          node.counters.waiting_ns.fetch_add(waited, std::memory_order_relaxed);
          if (!batch) {
            state->exhausted.store(true);
            return flow::continue_msg();
          }
          if (options_.dry_run) {
            truncate_batch(*batch, options_.limit - std::min<size_t>(options_.limit, state->rows));
            if (state->rows + batch->num_rows >= options_.limit) state->exhausted.store(true);
          }
          state->rows += batch->num_rows;
          if (state->tuned) token->ticket->window = state->tuned->hold();
          if (node.cursor_index >= 0 && batch->num_rows > 0) {
            token->position = last_row_position(*batch, node.cursor_index, node.tie_breaker_index);
            node.last_position = token->position;
          }
          token->batch = std::move(*batch);
          token->seq = node.sequence->fetch_add(1);
          token->lane = p;
          emit(node, std::move(token));
          return flow::continue_msg();
        });
    flow::make_edge(*input, *limiter);
    flow::make_edge(*limiter, *reader);
    inputs.push_back(input.get());
    owned.push_back(std::move(input));
    owned.push_back(std::move(limiter));
    owned.push_back(std::move(reader));
  }
}

void Execution::lower(flow::graph& g, std::vector<std::unique_ptr<flow::graph_node>>& owned,
                      std::vector<flow::input_node<Msg>*>& inputs, const std::shared_ptr<Gate>& gate) {
  for (auto& node_ptr : nodes_) {
    RuntimeNode& node = *node_ptr;
    const size_t concurrency = static_cast<size_t>(std::max(1, node.plan->concurrency));
    switch (node.logical->kind) {
      case NodeKind::source: lower_source(g, node, owned, inputs, gate); break;
      case NodeKind::transform: {
        if (node.stateful && node.operators.size() > 1) {
          // One copy per hash lane, each owning its keys' state.
          for (auto& op : node.operators) {
            auto copy = std::make_unique<flow::function_node<Msg, flow::continue_msg>>(
                g, flow::serial, [this, &node, op = op.get()](Msg m) {
                  run_transform(node, *op, m);
                  return flow::continue_msg();
                });
            node.receivers.push_back(copy.get());
            owned.push_back(std::move(copy));
          }
        } else if (node.stateful) {
          Operator* op = node.operators.front().get();
          node.receivers.push_back(
              serial_in_order(g, owned, [this, &node, op](Msg m) { run_transform(node, *op, m); }));
        } else {
          Operator* op = node.operators.front().get();
          auto body = std::make_unique<flow::function_node<Msg, flow::continue_msg>>(
              g, concurrency, [this, &node, op](Msg m) {
                run_transform(node, *op, m);
                return flow::continue_msg();
              });
          node.receivers.push_back(body.get());
          owned.push_back(std::move(body));
        }
        break;
      }
      case NodeKind::router: {
        auto body = std::make_unique<flow::function_node<Msg, flow::continue_msg>>(
            g, concurrency, [this, &node](Msg m) {
              run_router(node, m);
              return flow::continue_msg();
            });
        node.receivers.push_back(body.get());
        owned.push_back(std::move(body));
        break;
      }
      case NodeKind::sink: {
        if (node.dry_run_output != nullptr) {
          node.receivers.push_back(
              serial_in_order(g, owned, [this, &node](Msg m) { collect_dry_run(node, m); }));
        } else if (node.writers.size() == 1) {
          node.receivers.push_back(
              serial_in_order(g, owned, [this, &node](Msg m) { run_writer(node, 0, m); }));
        } else {
          for (size_t p = 0; p < node.writers.size(); ++p) {
            auto writer = std::make_unique<flow::function_node<Msg, flow::continue_msg>>(
                g, flow::serial, [this, &node, p](Msg m) {
                  run_writer(node, static_cast<int>(p), m);
                  return flow::continue_msg();
                });
            node.receivers.push_back(writer.get());
            owned.push_back(std::move(writer));
          }
        }
        break;
      }
    }
  }
}

// Every writer sends what it still buffers and waits for the destination to take it, all
// at once, one thread each (one after another, those waits would add up). Failures are
// reported for the first failing node and lane, as for opening.
void Execution::finish_writing() {
  std::vector<std::pair<RuntimeNode*, int>> writers;  // node, lane
  for (auto& node : nodes_) {
    for (size_t p = 0; p < node->writers.size(); ++p) writers.emplace_back(node.get(), static_cast<int>(p));
  }
  std::vector<Status> finished = on_own_threads(writers.size(), [&writers](size_t i) {
    auto [node, lane] = writers[i];
    return node->writers[lane]->finish_writing();
  });
  for (size_t i = 0; i < writers.size(); ++i) {
    if (!finished[i].is_ok()) fail(*writers[i].first, writers[i].second, finished[i].prefixed("commit: "));
  }
}

// Commits every writer, then publishes every sink; on any error (before or here),
// aborts the writers that did not commit and abandons every prepared sink.
void Execution::finish_sinks() {
  if (!first_error_.any()) {
    finish_writing();
    // Then the commits, one after another: after a failure nothing more is committed, so
    // that an attempt that committed nothing may still be retried.
    std::vector<std::vector<Checkpoint>> final_checkpoints(nodes_.size());
    for (auto& node : nodes_) {
      for (size_t p = 0; p < node->writers.size() && !first_error_.any(); ++p) {
        Checkpoint checkpoint = pending_checkpoint(*node, static_cast<int>(p));
        Status status = node->writers[p]->commit(checkpoint);
        if (!status.is_ok()) {
          fail(*node, static_cast<int>(p), status.prefixed("commit: "));
        } else {
          node->committed[p] = true;
          if (!node->redo_is_safe) committed_unsafe_.store(true);
          final_checkpoints[node->id].push_back(checkpoint);
        }
      }
    }
    for (auto& node : nodes_) {
      if (!node->sink || first_error_.any()) continue;
      Status status = node->sink->finish(node->sink_request);
      if (!status.is_ok()) {
        fail(*node, 0, status.prefixed("finish: "));
        continue;
      }
      if (!node->redo_is_safe) committed_unsafe_.store(true);
      // Saved after finish(): a replace or a file becomes visible only there.
      for (const auto& checkpoint : final_checkpoints[node->id]) save_state(*node, 0, checkpoint);
    }
    save_untracked_cursors();
  }
  if (!first_error_.any()) return;
  for (auto& node : nodes_) {
    for (size_t p = 0; p < node->writers.size(); ++p) {
      if (!node->committed[p]) node->writers[p]->abort();
    }
    node->writers.clear();
    if (node->sink && node->sink_prepared) node->sink->abandon(node->sink_request);
  }
}

RunProgress Execution::progress() const {
  RunProgress progress;
  progress.elapsed_seconds = static_cast<double>(now_ns() - started_ns_) / 1e9;
  std::map<std::string, size_t> index;
  for (const auto& node : nodes_) {
    const std::string& stream = node->logical->stream;
    auto [it, added] = index.emplace(stream, progress.streams.size());
    if (added) progress.streams.push_back({stream});
    StreamProgress& s = progress.streams[it->second];
    if (node->logical->kind == NodeKind::source) {
      s.rows_read += node->counters.rows_out.load();
      s.bytes_read += node->counters.bytes_out.load();
    } else if (node->logical->kind == NodeKind::sink) {
      s.rows_written += node->counters.rows_in.load();
      s.bytes_written += node->counters.bytes_in.load();
    }
  }
  return progress;
}

void Execution::monitor_loop() {
  auto next_progress = std::chrono::steady_clock::now() + options_.progress_interval;
  std::unique_lock lock(monitor_mutex_);
  while (!monitor_done_) {
    monitor_wake_.wait_for(lock, std::chrono::milliseconds(50));
    if (monitor_done_) break;
    if (options_.cancel_requested != nullptr && options_.cancel_requested->load() &&
        !cancelled_by_signal_.load()) {
      cancelled_by_signal_.store(true);
      RunError error;
      error.message = "cancelled by signal";
      first_error_.record(std::move(error));
      stop_.store(true);
      std::lock_guard graph_lock(graph_mutex_);
      if (graph_ != nullptr) graph_->cancel();
    }
    if (options_.on_progress && std::chrono::steady_clock::now() >= next_progress) {
      next_progress += options_.progress_interval;
      lock.unlock();
      options_.on_progress(progress());
      lock.lock();
    }
  }
}

void Execution::log_start() {
  const PipelineInfo& info = graph().info;
  if (plan_.parallelism) {
    spdlog::info("run start: pipeline={} {}", info.name.value, describe_decision(*plan_.parallelism));
  } else {
    spdlog::info("run start: pipeline={} (no parallelism decision) tag={}", info.name.value, kParallelismTag);
  }
  spdlog::info("runtime: arena_concurrency={} max_inflight_batches={} per partition{}",
               arena_concurrency(plan_, options_.dry_run), info.resources.max_inflight_batches.value,
               options_.dry_run ? " (dry run)" : "");
  // Streams the autotuner probes log their event when it decides (StreamTuner); the
  // others say here why they keep their baseline knobs.
  for (const auto& node : nodes_) {
    if (node->logical->kind != NodeKind::source || node->tuned_readers > 0) continue;
    AutotuneEvent event;
    event.stream = node->logical->stream;
    const NodePlan& plan = *node->plan;
    event.reason = why_not_tuned(plan_, node->id, options_.dry_run);
    if (plan.autotune) event.pinned = plan.autotune->pinned;
    event.parallelism = node->lanes;
    event.partition_mode = plan.partition_mode;
    if (plan.autotune && !plan.autotune->copy_flush_bytes.empty())
      event.copy_flush_bytes = flush_baseline(node->id);
    spdlog::info("{}", format_autotune_event(event));
    node->skipped_tune = std::move(event);
  }
}

// The stream's key span is known once its source is prepared: the tuner plans its
// windows from it, and measures them with the writers of the stream's sinks.
void Execution::start_tuner(RuntimeNode& source) {
  const NodePlan& plan = *source.plan;
  TuneKnobs baseline{std::max(1, plan.partitions), plan.partition_mode, flush_baseline(source.id)};
  AutotunePlanner planner(source.logical->stream, *plan.autotune, baseline, source.tuned_readers,
                          source.source->key_span(source.stream_request));
  auto writer_seconds = [this, id = source.id] {
    int64_t busy = 0;
    for (NodeId next : graph().reachable_from(id)) {
      if (graph().node(next).kind == NodeKind::sink) busy += nodes_[next]->counters.busy_ns.load();
    }
    return static_cast<double>(busy) / 1e9;
  };
  source.tuner = std::make_unique<StreamTuner>(
      std::move(planner), source.tuned_readers, writer_seconds, lane_writers(source),
      [this](std::function<void()> wait) { hold_thread(std::move(wait)); });
}

// How many writers only one lane of `source` feeds: one per sink that has a writer per lane
// and gets the lanes as the source reads them (no router between). While that lane's
// reader waits, its autotuner may hold as many arena threads (StreamTuner::take); a writer
// that other lanes feed too must keep its thread.
int Execution::lane_writers(const RuntimeNode& source) const {
  std::vector<NodeId> reach = graph().reachable_from(source.id);
  auto reached = [&](NodeId id) {
    return id == source.id || std::find(reach.begin(), reach.end(), id) != reach.end();
  };
  int writers = 0;
  for (NodeId next : reach) {
    const RuntimeNode& node = *nodes_[next];
    if (node.logical->kind == NodeKind::router) return 0;
    for (NodeId pred : graph().predecessors(next)) {
      if (!reached(pred)) return 0;  // another stream merges in: its rows use these writers too
    }
    if (node.logical->kind == NodeKind::sink && node.lanes == source.lanes &&
        writer_count(node) == node.lanes)
      ++writers;
  }
  return writers;
}

// Runs `wait` as a task of the running graph's arena, which the graph waits for.
void Execution::hold_thread(std::function<void()> wait) {
  flow::graph* g = nullptr;
  tbb::task_arena* arena = nullptr;
  {
    std::lock_guard lock(graph_mutex_);
    g = graph_;
    arena = arena_;
  }
  if (g == nullptr || arena == nullptr) return;
  g->reserve_wait();
  arena->enqueue([g, wait = std::move(wait)] {
    struct Release {
      flow::graph* g;
      ~Release() { g->release_wait(); }
    } release{g};
    wait();
  });
}

RunReport Execution::make_report(double seconds) {
  RunReport report;
  report.pipeline = graph().info.name.value;
  report.dry_run = options_.dry_run;
  report.cancelled_by_signal = cancelled_by_signal_.load();
  report.error = first_error_.get();
  report.seconds = seconds;
  report.arena_concurrency = arena_concurrency(plan_, options_.dry_run);
  report.max_inflight_batches = graph().info.resources.max_inflight_batches.value;
  report.parallelism = plan_.parallelism;
  std::map<NodeId, int> tuned_readers_kept;  // per tuned source, its winner's parallelism
  for (const auto& node : nodes_) {
    if (node->tuner) {
      report.autotune.push_back(node->tuner->event());
      if (report.autotune.back().decided) tuned_readers_kept[node->id] = report.autotune.back().parallelism;
    }
    if (node->skipped_tune) report.autotune.push_back(*node->skipped_tune);
  }
  std::map<std::string, size_t> stream_index;
  for (NodeId id = 0; id < graph().node_count(); ++id) {
    const LogicalNode& logical = graph().node(id);
    auto [it, added] = stream_index.emplace(logical.stream, report.streams.size());
    if (added) {
      report.streams.push_back({logical.stream});
      report.streams.back().seconds = seconds;
    }
    StreamStats& stream = report.streams[it->second];
    NodeStats stats;
    stats.id = id;
    stats.kind = logical.kind;
    stats.description = describe(logical);
    stats.stream = logical.stream;
    stats.concurrency = std::max(1, plan_.at(id).concurrency);
    if (id < nodes_.size() && nodes_[id]) {
      RuntimeNode& node = *nodes_[id];
      stats.copies = std::max<int>(1, static_cast<int>(node.receivers.size()));
      if (logical.kind == NodeKind::source) stats.copies = static_cast<int>(node.readers.size());
      if (auto kept = tuned_readers_kept.find(id); kept != tuned_readers_kept.end()) {
        stats.tuned_concurrency = kept->second;
      }
      const Counters& c = node.counters;
      stats.batches_in = c.batches_in;
      stats.batches_out = c.batches_out;
      stats.rows_in = c.rows_in;
      stats.rows_out = c.rows_out;
      stats.bytes_in = c.bytes_in;
      stats.bytes_out = c.bytes_out;
      stats.busy_seconds = static_cast<double>(c.busy_ns.load()) / 1e9;
      stats.waiting_seconds = static_cast<double>(c.waiting_ns.load()) / 1e9;
      for (const auto& reader : node.readers) stats.rejected_rows += reader->reader->rejected_rows();
      for (const auto& op : node.operators) stats.rejected_rows += op->rejected_rows();
    }
    if (logical.kind == NodeKind::source) {
      stream.rows_read += stats.rows_out;
      stream.bytes_read += stats.bytes_out;
    } else if (logical.kind == NodeKind::sink) {
      stream.rows_written += stats.rows_in;
      stream.bytes_written += stats.bytes_in;
    }
    stream.rejected_rows += stats.rejected_rows;
    report.nodes.push_back(std::move(stats));
  }
  if (report.ok()) {
    for (auto& output : dry_run_outputs_) report.dry_run_outputs.push_back(std::move(*output));
  }
  return report;
}

RunReport Execution::run() {
  started_ns_ = now_ns();
  build_nodes();
  log_start();
  std::thread monitor([this] { monitor_loop(); });

  bool ready = prepare() && open_readers_and_writers();
  if (ready && !stopped()) {
    // The arena asks for more threads than there may be cores (readers and writers block
    // in I/O); without raising the global limit oneTBB would cap it at the core count.
    tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                                static_cast<size_t>(arena_concurrency(plan_, options_.dry_run)));
    tbb::task_arena arena(arena_concurrency(plan_, options_.dry_run));
    arena.execute([&] {
      tbb::task_group_context context;
      flow::graph g(context);
      auto gate = std::make_shared<Gate>();
      std::vector<flow::input_node<Msg>*> inputs;
      {
        std::vector<std::unique_ptr<flow::graph_node>> owned;
        lower(g, owned, inputs, gate);
        {
          std::lock_guard lock(graph_mutex_);
          graph_ = &g;
          arena_ = &arena;
          // A signal may have arrived while the graph was built.
          if (stopped()) g.cancel();
        }
        for (auto* input : inputs) input->activate();
        g.wait_for_all();
        for (auto& node : nodes_) {
          if (node->tuner) node->tuner->close();
        }
        {
          std::lock_guard lock(graph_mutex_);
          graph_ = nullptr;
          arena_ = nullptr;
        }
        gate->open.store(false);
        // Tickets and batches still buffered in a cancelled graph go with its nodes.
        owned.clear();
      }
    });
    // A sequencer that still holds batches would mean lost rows; never report success then.
    if (!first_error_.any()) {
      for (auto& node : nodes_) {
        uint64_t put = node->counters.puts.load(), processed = node->counters.batches_in.load();
        if (node->logical->kind != NodeKind::source && put != processed) {
          fail(*node, 0,
               "internal: " + std::to_string(put - processed) + " of " + std::to_string(put) +
                   " batches never reached the node (sequence gap)");
        }
      }
    }
  }
  finish_sinks();
  {
    std::lock_guard lock(monitor_mutex_);
    monitor_done_ = true;
  }
  monitor_wake_.notify_all();
  monitor.join();
  double seconds = static_cast<double>(now_ns() - started_ns_) / 1e9;
  if (options_.on_progress) {
    RunProgress last = progress();
    for (auto& stream : last.streams) stream.done = true;
    options_.on_progress(last);
  }
  return make_report(seconds);
}

}  // namespace

namespace {

constexpr int kMaxArenaThreads = 512;

// Why this stream alone cannot be probed ("" when it can).
std::string stream_not_tunable(const PhysicalPlan& plan, NodeId source, bool dry_run) {
  const NodePlan& node = plan.at(source);
  if (!node.autotune_note.empty()) return node.autotune_note;
  if (!node.autotune) return "no autotune candidates in the plan: baseline values";
  if (dry_run) return "dry run: baseline values";
  const SourceNode& logical = plan.graph.node(source).source();
  if (logical.stream.sync_mode.value != SyncMode::full_refresh)
    return "an incremental stream is read in cursor order, not in key windows: baseline values";
  const ConnectorSpec* spec = find_connector_spec(logical.connector.use.value);
  if (spec == nullptr || !spec->partitioned_reads)
    return "a " + logical.connector.use.value + " source cannot be read in key windows: baseline values";
  return "";
}

// A probed stream's readers: enough for its largest parallelism candidate.
int probe_readers(const PhysicalPlan& plan, NodeId source) {
  int64_t most = std::max(1, plan.at(source).partitions);
  for (int64_t p : plan.at(source).autotune->parallelism) most = std::max(most, p);
  return static_cast<int>(most);
}

// Threads a run needs: the compute workers plus one per reader and writer (they block in
// I/O); with `probe`, every stream that can be probed has its probe's readers, and as
// many writers in each sink it feeds.
int threads_needed(const PhysicalPlan& plan, bool probe, bool dry_run) {
  // `effective` threads for transforms and routers; a plan without any needs none (idle
  // arena threads are not free: oneTBB workers spin looking for work, on the cores the
  // database servers need).
  int threads = 0;
  for (NodeId id = 0; id < plan.graph.node_count(); ++id) {
    NodeKind kind = plan.graph.node(id).kind;
    if (kind == NodeKind::transform || kind == NodeKind::router) {
      threads = plan.parallelism ? std::max(1, plan.parallelism->effective) : 1;
      break;
    }
  }
  for (NodeId id = 0; id < plan.graph.node_count(); ++id) {
    NodeKind kind = plan.graph.node(id).kind;
    if (kind != NodeKind::source && kind != NodeKind::sink) continue;
    int partitions = std::max(1, plan.at(id).partitions);
    threads += partitions;
    if (kind != NodeKind::source || !probe || !stream_not_tunable(plan, id, dry_run).empty()) continue;
    int extra = std::max(0, probe_readers(plan, id) - partitions);
    threads += extra;
    for (NodeId next : plan.graph.reachable_from(id))
      threads += extra * (plan.graph.node(next).kind == NodeKind::sink);
  }
  return threads;
}

// Probing a stream blocks readers that have no part in a window until its writers are
// done: every reader and writer needs its own thread, so all must fit the arena.
bool probes_fit(const PhysicalPlan& plan, bool dry_run) {
  return threads_needed(plan, true, dry_run) <= kMaxArenaThreads;
}

}  // namespace

int arena_concurrency(const PhysicalPlan& plan, bool dry_run) {
  return std::clamp(threads_needed(plan, probes_fit(plan, dry_run), dry_run), 2, kMaxArenaThreads);
}

std::string why_not_tuned(const PhysicalPlan& plan, NodeId source, bool dry_run) {
  std::string reason = stream_not_tunable(plan, source, dry_run);
  if (!reason.empty()) return reason;
  if (!probes_fit(plan, dry_run))
    return "the probes' extra readers and writers would not fit the runtime's " +
           std::to_string(kMaxArenaThreads) + " threads: baseline values";
  return "";
}

int tuned_readers(const PhysicalPlan& plan, NodeId source, bool dry_run) {
  return why_not_tuned(plan, source, dry_run).empty() ? probe_readers(plan, source) : 0;
}

namespace {

// "20240501T120000Z-1234-9f3a": sortable by time, unique across processes.
std::string new_run_id() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(std::random_device{}() & 0xffff));
  return std::string(stamp) + "-" + std::to_string(getpid()) + "-" + suffix;
}

RunReport failed_before_start(const PhysicalPlan& plan, const std::string& run_id, const Status& status) {
  RunReport report;
  report.pipeline = plan.graph.info.name.value;
  report.run_id = run_id;
  RunError error;
  error.message = status.message();
  error.retry = status.retry();
  report.error = std::move(error);
  return report;
}

// Waits `seconds`, or less when a signal asks to stop; false when it did.
bool wait_unless_cancelled(double seconds, const std::atomic<bool>* cancel) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (cancel != nullptr && cancel->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cancel == nullptr || !cancel->load();
}

}  // namespace

// Runs attempts until one succeeds or a failure may not be retried (SPEC section 3): the
// error must be retryable and safe (nothing committed in the failed step), no commit of
// the attempt may be one that a new attempt would write again, and at most
// resources.max_retries retries, waiting base * 2^(retry-1), at most 60 s. A new attempt
// starts the whole run again: every source and sink is prepared anew and incremental
// streams read after their saved cursor, i.e. from their last committed checkpoint.
RunReport run_plan(const PhysicalPlan& plan, const RunOptions& options) {
  const PipelineInfo& info = plan.graph.info;
  const std::string run_id = new_run_id();
  const ConnectorRef* destination = nullptr;
  for (NodeId id = 0; id < plan.graph.node_count() && destination == nullptr; ++id) {
    if (plan.graph.node(id).kind == NodeKind::sink)
      destination = &plan.graph.node(id).sink().destination.connector;
  }
  auto store = make_state_store(info.state, destination ? *destination : ConnectorRef{});
  if (!store.is_ok()) return failed_before_start(plan, run_id, store.status());
  StateStore& state = **store;

  std::vector<RunRecord> records;
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::source)) {
    const SourceNode& source = plan.graph.node(id).source();
    records.push_back(RunRecord::of(run_id, info.name.value, source.stream.name.value));
    if (source.stream.sync_mode.value == SyncMode::incremental && info.state.backend.value == "none") {
      spdlog::warn("incremental stream=\"{}\" has no state backend (state.backend: none): it reads every row",
                   source.stream.name.value);
    }
  }
  if (!options.dry_run) {
    spdlog::info("state: run_id={} backend={}", run_id, state.describe());
    for (const auto& record : records) {
      Status begun = state.begin_run(record);
      if (!begun.is_ok()) return failed_before_start(plan, run_id, begun.prefixed("state: "));
    }
  }

  const int max_retries = static_cast<int>(std::max<int64_t>(0, info.resources.max_retries.value));
  std::vector<RetryEvent> retries;
  RunReport report;
  for (int attempt = 1;; ++attempt) {
    Execution execution(plan, options, state, run_id);
    report = execution.run();
    if (report.ok() || report.cancelled_by_signal || options.dry_run) break;
    const RunError& error = *report.error;
    std::string why_not;
    if (!error.retry || !error.retry->retryable) {
      break;  // a permanent error: nothing to say
    } else if (!error.retry->safe_to_retry) {
      why_not = "the failed step may have committed";
    } else if (execution.committed_unsafe()) {
      why_not = "rows were already committed that a new attempt would write again";
    } else if (attempt > max_retries) {
      why_not = "max_retries (" + std::to_string(max_retries) + ") reached";
    }
    if (!why_not.empty()) {
      spdlog::error("not retried: {}", why_not);
      break;
    }
    double wait = std::min(60.0, error.retry->base_backoff_ms / 1000.0 * std::pow(2.0, attempt - 1));
    spdlog::warn("retry {}/{} in {:.1f} s after {} error: {}", attempt, max_retries, wait,
                 error.retry->category, error.to_string());
    retries.push_back({attempt, wait, error.to_string()});
    if (!wait_unless_cancelled(wait, options.cancel_requested)) break;
  }
  report.run_id = run_id;
  report.retries = std::move(retries);
  if (!options.dry_run) {
    for (auto& record : records) {
      record.status = report.ok() ? "succeeded" : "failed";
      record.retries = static_cast<int>(report.retries.size());
      if (report.error) record.error = report.error->to_string();
      Status ended = state.end_run(record);
      if (!ended.is_ok()) spdlog::warn("state: cannot record the end of run {}: {}", run_id, ended.message());
    }
  }
  return report;
}

}  // namespace rbc
