// The flow-graph builder (flow_graph_builder.h).
#include "operators/runtime/flow_graph_builder.h"

#include <algorithm>

#include "operators/runtime/router_runner.h"
#include "operators/runtime/sink_runner.h"
#include "operators/runtime/source_runner.h"
#include "operators/runtime/transform_runner.h"

namespace rbc {
namespace {

using Body = std::function<void(Msg)>;

class Builder {
 public:
  Builder(flow::graph& graph, RunContext& run, const std::shared_ptr<Gate>& gate, FlowGraph& out)
      : graph_(graph), run_(run), gate_(gate), out_(out) {}

  void source(SourceRunner& runner) {
    const size_t max_inflight = static_cast<size_t>(runner.step().max_inflight_batches);
    for (int lane = 0; lane < runner.readers(); ++lane) {
      auto limiter = std::make_unique<Limiter>(graph_, max_inflight);
      Limiter* limiter_ptr = limiter.get();
      // The input node only hands out admission triggers; the read itself happens after the
      // limiter, so a batch is never read before there is room for it. The reader puts the
      // batch and its ticket in an envelope of its own: the input node keeps a copy of the
      // last item it made until it makes the next, and a ticket held there would never give
      // its room back (with max_inflight_batches 1 the stream would end early, silently).
      auto input = std::make_unique<flow::input_node<Msg>>(
          graph_, [&run = run_, &runner, lane](tbb::flow_control& control) {
            if (run.stopped() || runner.exhausted(lane)) {
              control.stop();
              return Msg();
            }
            return std::make_shared<Envelope>();
          });
      auto reader = serial([&runner, lane, limiter_ptr, gate = gate_](Msg /*trigger*/) {
        auto token = std::make_shared<Envelope>();
        token->ticket = std::make_shared<Ticket>(limiter_ptr, gate);
        runner.read(lane, std::move(token));
      });
      flow::make_edge(*input, *limiter);
      flow::make_edge(*limiter, *reader);
      out_.inputs.push_back(input.get());
      out_.nodes.push_back(std::move(input));
      out_.nodes.push_back(std::move(limiter));
      out_.nodes.push_back(std::move(reader));
    }
  }

  void transform(TransformRunner& runner) {
    const TransformStep& step = runner.step();
    if (step.copies.value > 1) {
      // Behind a hash router of N lanes, lane k's batches are numbered k, N + k, 2N + k, ...
      const auto stride = static_cast<uint64_t>(step.copies.value);
      for (int copy = 0; copy < step.copies.value; ++copy) {
        Body body = [&runner, copy](Msg m) { runner.process(copy, m); };
        runner.receivers.push_back(step.in_order.value ? in_order(std::move(body), stride)
                                                       : own(serial(std::move(body))));
      }
    } else if (step.in_order.value) {
      runner.receivers.push_back(in_order([&runner](Msg m) { runner.process(0, m); }));
    } else {
      // A tuned node allows its largest candidate; the runner keeps to the tuner's current one.
      int concurrency = step.concurrency.value;
      if (step.concurrency_tuned_by) {
        const auto& tuned = run_.plan().step<SourceStep>(*step.concurrency_tuned_by).autotune;
        if (tuned) {
          for (int64_t c : tuned->node_concurrency) concurrency = std::max(concurrency, static_cast<int>(c));
        }
      }
      runner.receivers.push_back(
          own(concurrent(static_cast<size_t>(concurrency), [&runner](Msg m) { runner.process(0, m); })));
    }
  }

  void router(RouterRunner& runner, const RouterStep& step) {
    runner.receivers.push_back(
        own(concurrent(static_cast<size_t>(step.concurrency.value), [&runner](Msg m) { runner.route(m); })));
  }

  void sink(SinkRunner& runner) {
    const SinkStep& step = runner.step();
    if (runner.dry_run()) {
      runner.receivers.push_back(in_order([&runner](Msg m) { runner.collect_dry_run(m); }));
    } else if (step.in_order.value) {
      runner.receivers.push_back(in_order([&runner](Msg m) { runner.write(0, m); }));
    } else {
      for (int writer = 0; writer < runner.writers_opened(); ++writer)
        runner.receivers.push_back(own(serial([&runner, writer](Msg m) { runner.write(writer, m); })));
    }
  }

 private:
  std::unique_ptr<flow::function_node<Msg, flow::continue_msg>> concurrent(size_t concurrency, Body body) {
    return std::make_unique<flow::function_node<Msg, flow::continue_msg>>(graph_, concurrency,
                                                                          [body = std::move(body)](Msg m) {
                                                                            body(std::move(m));
                                                                            return flow::continue_msg();
                                                                          });
  }
  std::unique_ptr<flow::function_node<Msg, flow::continue_msg>> serial(Body body) {
    return concurrent(flow::serial, std::move(body));
  }
  template <typename Node>
  flow::receiver<Msg>* own(std::unique_ptr<Node> node) {
    flow::receiver<Msg>* receiver = node.get();
    out_.nodes.push_back(std::move(node));
    return receiver;
  }
  // A sequencer in front of a serial body: batches reach the body in sequence order (of
  // seq / stride: one lane's batches of a hash router with `stride` lanes).
  flow::receiver<Msg>* in_order(Body body, uint64_t stride = 1) {
    auto sequencer = std::make_unique<flow::sequencer_node<Msg>>(
        graph_, [stride](const Msg& m) { return m->seq / stride; });
    auto body_node = serial(std::move(body));
    flow::make_edge(*sequencer, *body_node);
    flow::receiver<Msg>* entry = sequencer.get();
    out_.nodes.push_back(std::move(sequencer));
    out_.nodes.push_back(std::move(body_node));
    return entry;
  }

  flow::graph& graph_;
  RunContext& run_;
  std::shared_ptr<Gate> gate_;
  FlowGraph& out_;
};

}  // namespace

void build_flow_graph(flow::graph& graph, RunContext& run, const std::shared_ptr<Gate>& gate,
                      FlowGraph& out) {
  Builder builder(graph, run, gate, out);
  const PhysicalPlan& plan = run.plan();
  for (NodeId id : plan.graph.node_ids()) {
    NodeRunner& runner = run.runner(id);
    switch (plan.graph.node(id).kind) {
      case NodeKind::source: builder.source(static_cast<SourceRunner&>(runner)); break;
      case NodeKind::transform: builder.transform(static_cast<TransformRunner&>(runner)); break;
      case NodeKind::router:
        builder.router(static_cast<RouterRunner&>(runner), plan.step<RouterStep>(id));
        break;
      case NodeKind::sink: builder.sink(static_cast<SinkRunner&>(runner)); break;
    }
  }
}

}  // namespace rbc
