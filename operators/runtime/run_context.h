// What every runner may touch while a plan runs: the plan, the state store, the batches
// moving between nodes (emit), and the run's first error (fail, stopped). Runners are
// built from plan steps only; nothing here reads the pipeline's own options.
#pragma once

#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "connectors/state/state_store.h"
#include "graph/physical_plan.h"
#include "operators/runtime/executor.h"
#include "operators/runtime/run_report.h"
#include "operators/runtime/worker_slots.h"

namespace rbc {

namespace flow = tbb::flow;

struct Envelope;
using Msg = std::shared_ptr<Envelope>;
using Limiter = flow::limiter_node<Msg>;
struct WindowHold;

// Closed before the graph's nodes are destroyed, so that tickets still buffered in a
// cancelled graph do not decrement a limiter that is gone.
struct Gate {
  std::atomic<bool> open{true};
};

// One admission through a reader's limiter; returned when the last fragment of the batch
// it admitted is gone. This is what bounds memory by in-flight batches.
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
  BatchProgress progress;  // where and when the source read it, for watermarks
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

// What all runners share: their id, counters, output schema and the flow-graph nodes
// that receive their input (lane l goes to receivers[l % size]).
class NodeRunner {
 public:
  explicit NodeRunner(NodeId id) : id_(id) {}
  virtual ~NodeRunner() = default;
  NodeId id() const { return id_; }

  Counters counters;
  std::shared_ptr<const Schema> output_schema;
  std::vector<flow::receiver<Msg>*> receivers;
  struct Successor {
    NodeId node;
    std::string label;  // the router output it takes; "" for plain edges
  };
  std::vector<Successor> successors;

  flow::receiver<Msg>& receiver(int lane) { return *receivers[static_cast<size_t>(lane) % receivers.size()]; }
  // Rows dropped under on_data_error skip or dlq so far.
  virtual uint64_t rejected_rows() const { return 0; }
  // A batch was put into lane `lane`'s receiver (for queue depths).
  virtual void queued(int /*lane*/) {}

 private:
  NodeId id_;
};

// Of the errors recorded before the graph stopped, the one with the lowest (node id,
// lane) is reported, so a run that fails the same way names the same node.
class FirstError {
 public:
  bool record(RunError error);  // true for the run's first error
  std::optional<RunError> get() const;
  bool any() const;

 private:
  mutable std::mutex mutex_;
  std::optional<RunError> best_;
};

class RunContext {
 public:
  RunContext(const PhysicalPlan& plan, RunOptions options, StateStore& state, std::string run_id);

  const PhysicalPlan& plan() const { return plan_; }
  const RunOptions& options() const { return options_; }
  StateStore& state() { return state_; }
  const std::string& run_id() const { return run_id_; }
  RunRecord run_record(const std::string& stream) const {
    return RunRecord::of(run_id_, plan_.run.pipeline, stream);
  }

  // Records the error (the first one wins, see FirstError) and cancels the graph.
  void fail(NodeId node, int lane, std::string message, std::optional<RetryDetail> retry = std::nullopt);
  void fail(NodeId node, int lane, const Status& status) {
    fail(node, lane, status.message(), status.retry());
  }
  void cancel_by_signal();
  bool stopped() const { return stop_.load(std::memory_order_relaxed); }
  bool failed() const { return first_error_.any(); }
  std::optional<RunError> error() const { return first_error_.get(); }
  bool cancelled_by_signal() const { return cancelled_by_signal_.load(); }

  // The plan's bound on source and transform workers at once (worker_slots.h).
  WorkerSlots& workers() { return workers_; }
  const WorkerSlots& workers() const { return workers_; }

  // What every aggregation's groups hold together, after adding `delta`.
  int64_t add_state_bytes(int64_t delta) { return state_bytes_.fetch_add(delta) + delta; }

  // Something was committed that running the attempt again would duplicate.
  void mark_committed_unsafe() { committed_unsafe_.store(true); }
  bool committed_unsafe() const { return committed_unsafe_.load(); }

  // Hands a batch to every successor of `from`; a second successor gets its own copy.
  void emit(NodeRunner& from, Msg envelope);
  void put(NodeRunner& to, Msg envelope);

  NodeRunner& runner(NodeId id) { return *runners_[id]; }
  const std::vector<std::unique_ptr<NodeRunner>>& runners() const { return runners_; }
  void set_runners(std::vector<std::unique_ptr<NodeRunner>> runners) { runners_ = std::move(runners); }

  // The running graph, so that fail() can cancel it and hold_thread() can run in it.
  void attach(flow::graph* graph, tbb::task_arena* arena);
  // The flow graph has been built and attached once: every reader is open (run monitor).
  bool graph_started() const { return graph_started_.load(); }
  // Runs `wait` as a task of the running graph's arena, which the graph waits for.
  void hold_thread(std::function<void()> wait);

  // "source postgres \"public.orders\"": how errors and reports name a node.
  std::string describe(NodeId id) const;

  // cdc: how far the changes of source stream `stream` are durably applied (connector.h).
  std::shared_ptr<DurablePosition> durable_position(const std::string& stream);

 private:
  const PhysicalPlan& plan_;
  RunOptions options_;
  StateStore& state_;
  std::string run_id_;
  std::vector<std::unique_ptr<NodeRunner>> runners_;
  FirstError first_error_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cancelled_by_signal_{false};
  std::atomic<bool> committed_unsafe_{false};
  std::atomic<bool> graph_started_{false};
  std::atomic<int64_t> state_bytes_{0};
  WorkerSlots workers_;
  std::mutex durable_mutex_;
  std::map<std::string, std::shared_ptr<DurablePosition>> durable_;
  std::mutex graph_mutex_;  // guards graph_ and arena_ against the monitor thread
  flow::graph* graph_ = nullptr;
  tbb::task_arena* arena_ = nullptr;
};

}  // namespace rbc
