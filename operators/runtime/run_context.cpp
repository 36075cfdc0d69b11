// The run context shared by the runners (run_context.h).
#include "operators/runtime/run_context.h"

#include <limits>

#include "operators/runtime/clock.h"

namespace rbc {

bool FirstError::record(RunError error) {
  std::lock_guard lock(mutex_);
  bool first = !best_.has_value();
  auto rank = [](const RunError& e) {
    return std::make_pair(e.node.value_or(std::numeric_limits<NodeId>::max()), e.partition);
  };
  if (first || rank(error) < rank(*best_)) best_ = std::move(error);
  return first;
}

std::optional<RunError> FirstError::get() const {
  std::lock_guard lock(mutex_);
  return best_;
}

bool FirstError::any() const {
  std::lock_guard lock(mutex_);
  return best_.has_value();
}

RunContext::RunContext(const PhysicalPlan& plan, RunOptions options, StateStore& state, std::string run_id)
    : plan_(plan),
      options_(std::move(options)),
      state_(state),
      run_id_(std::move(run_id)),
      // A plan made without the lanes pass (a test's) sets no bound.
      workers_(plan.run.worker_limit.decided() ? plan.run.worker_limit.value
                                               : std::numeric_limits<int>::max()) {}

std::string RunContext::describe(NodeId id) const {
  struct Describe {
    std::string operator()(const SourceStep& s) const {
      return "source " + s.connector + " \"" + s.stream + "\"";
    }
    std::string operator()(const TransformStep& s) const { return "transform " + s.op; }
    std::string operator()(const RouterStep& s) const {
      if (s.mode == RouterNode::Mode::predicate) return "router predicate";
      std::string keys;
      for (const auto& key : s.keys) keys += (keys.empty() ? "" : ", ") + key;
      return "router hash(" + keys + ") x" + std::to_string(s.outputs.value);
    }
    std::string operator()(const SinkStep& s) const {
      return "sink " + s.connector + " \"" + s.target + "\"";
    }
  };
  return std::visit(Describe{}, plan_.steps[id]);
}

void RunContext::fail(NodeId node, int lane, std::string message, std::optional<RetryDetail> retry) {
  RunError error;
  error.retry = std::move(retry);
  error.node = node;
  error.kind = plan_.graph.node(node).kind;
  error.description = describe(node);
  error.stream = plan_.graph.node(node).stream;
  error.partition = lane;
  error.message = std::move(message);
  first_error_.record(std::move(error));
  stop_.store(true);
  std::lock_guard lock(graph_mutex_);
  if (graph_ != nullptr) graph_->cancel();
}

void RunContext::cancel_by_signal() {
  if (cancelled_by_signal_.exchange(true)) return;
  RunError error;
  error.message = "cancelled by signal";
  first_error_.record(std::move(error));
  stop_.store(true);
  std::lock_guard lock(graph_mutex_);
  if (graph_ != nullptr) graph_->cancel();
}

void RunContext::put(NodeRunner& to, Msg envelope) {
  envelope->ready_ns = now_ns();
  to.counters.puts.fetch_add(1, std::memory_order_relaxed);
  to.queued(envelope->lane);
  flow::receiver<Msg>& receiver = to.receiver(envelope->lane);
  receiver.try_put(std::move(envelope));
}

void RunContext::emit(NodeRunner& from, Msg envelope) {
  from.counters.out(envelope->batch);
  for (size_t i = 0; i < from.successors.size(); ++i) {
    Msg message =
        i + 1 == from.successors.size() ? std::move(envelope) : std::make_shared<Envelope>(*envelope);
    put(*runners_[from.successors[i].node], std::move(message));
  }
}

void RunContext::attach(flow::graph* graph, tbb::task_arena* arena) {
  std::lock_guard lock(graph_mutex_);
  graph_ = graph;
  arena_ = arena;
  if (graph != nullptr) graph_started_.store(true);
  // A signal may have arrived while the graph was built.
  if (graph_ != nullptr && stopped()) graph_->cancel();
}

void RunContext::hold_thread(std::function<void()> wait) {
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

std::shared_ptr<DurablePosition> RunContext::durable_position(const std::string& stream) {
  std::lock_guard lock(durable_mutex_);
  auto& position = durable_[stream];
  if (!position) position = std::make_shared<DurablePosition>();
  return position;
}

}  // namespace rbc
