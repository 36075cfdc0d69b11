// One attempt at running a plan (execution.h). Errors: runner bodies never throw out; a
// failure records a RunError and cancels the graph (RunContext::fail).
#include "operators/runtime/execution.h"

#include <oneapi/tbb/global_control.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "graph/plan_printer.h"
#include "operators/runtime/clock.h"
#include "operators/runtime/flow_graph_builder.h"
#include "operators/runtime/router_runner.h"
#include "operators/runtime/run_monitor.h"
#include "operators/runtime/sink_runner.h"
#include "operators/runtime/source_runner.h"
#include "operators/runtime/transform_runner.h"

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

}  // namespace

void Execution::build_runners() {
  const PhysicalPlan& plan = run_.plan();
  std::vector<std::unique_ptr<NodeRunner>> runners(plan.graph.node_count());
  for (NodeId id : plan.graph.node_ids()) {
    switch (plan.graph.node(id).kind) {
      case NodeKind::source: {
        size_t group = static_cast<size_t>(plan.step<SourceStep>(id).sequence_group);
        while (sequences_.size() <= group) sequences_.push_back(std::make_unique<std::atomic<uint64_t>>(0));
        runners[id] = std::make_unique<SourceRunner>(run_, id, *sequences_[group]);
        break;
      }
      case NodeKind::transform: runners[id] = std::make_unique<TransformRunner>(run_, id); break;
      case NodeKind::router: runners[id] = std::make_unique<RouterRunner>(run_, id); break;
      case NodeKind::sink: runners[id] = std::make_unique<SinkRunner>(run_, id); break;
    }
  }
  for (const auto& edge : plan.graph.edges()) runners[edge.from]->successors.push_back({edge.to, edge.label});
  run_.set_runners(std::move(runners));
}

// Every connector first, so that they all start connecting at once (connect_ahead); then
// the leader steps in dependency order, each node getting its input's schema. The first
// failure stops here.
bool Execution::connect_and_prepare() {
  const PhysicalPlan& plan = run_.plan();
  for (NodeId id : plan.graph.topological_order()) {
    NodeRunner& runner = run_.runner(id);
    Status status;
    switch (plan.graph.node(id).kind) {
      case NodeKind::source: status = static_cast<SourceRunner&>(runner).connect_ahead(); break;
      case NodeKind::sink: status = static_cast<SinkRunner&>(runner).connect_ahead(); break;
      case NodeKind::transform:
      case NodeKind::router: break;  // nothing to connect
    }
    if (!status.is_ok()) {
      run_.fail(id, 0, status.message());
      return false;
    }
  }
  for (NodeId id : plan.graph.topological_order()) {
    NodeRunner& runner = run_.runner(id);
    // A node fed by several inputs (a merge) needs the same columns from each.
    std::shared_ptr<const Schema> input;
    std::optional<NodeId> first_input;
    for (NodeId pred : plan.graph.predecessors(id)) {
      const std::shared_ptr<const Schema>& schema = run_.runner(pred).output_schema;
      if (!input) {
        input = schema;
        first_input = pred;
      } else if (schema && !same_columns(*input, *schema)) {
        run_.fail(id, 0,
                  "its inputs have different columns: %" + std::to_string(*first_input) + " gives (" +
                      columns_text(*input) + "), %" + std::to_string(pred) + " gives (" +
                      columns_text(*schema) + ")");
        return false;
      }
    }
    Status status;
    switch (plan.graph.node(id).kind) {
      case NodeKind::source: status = static_cast<SourceRunner&>(runner).prepare(); break;
      case NodeKind::transform: status = static_cast<TransformRunner&>(runner).prepare(input); break;
      case NodeKind::router: status = static_cast<RouterRunner&>(runner).prepare(input); break;
      case NodeKind::sink: status = static_cast<SinkRunner&>(runner).prepare(input); break;
    }
    if (!status.is_ok()) {
      run_.fail(id, 0, status);
      return false;
    }
  }
  // A tuner probing a stream sets the flush threshold of the writers the plan gives it.
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::sink)) {
    const SinkStep& step = plan.step<SinkStep>(id);
    if (step.flush_tuned_by)
      static_cast<SinkRunner&>(run_.runner(id))
          .set_flush_tuner(static_cast<SourceRunner&>(run_.runner(*step.flush_tuned_by)).tuner());
  }
  // Likewise the batches at once of the stateless transforms only a probed stream feeds.
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::transform)) {
    const TransformStep& step = plan.step<TransformStep>(id);
    if (step.concurrency_tuned_by)
      static_cast<TransformRunner&>(run_.runner(id))
          .set_concurrency_tuner(static_cast<SourceRunner&>(run_.runner(*step.concurrency_tuned_by)).tuner());
  }
  return true;
}

bool Execution::open_readers_and_writers() {
  // Opening a reader or writer is mostly connecting (a round trip, authentication, a
  // server process starting), so all of them open at once, each on its own thread: the
  // run holds every one of these connections anyway. Failures are then reported in node
  // and lane order, so the error named does not depend on which thread lost the race.
  struct Opening {
    NodeId node;
    int lane;
    SourceRunner* source = nullptr;
    SinkRunner* sink = nullptr;
    std::optional<Result<std::unique_ptr<PartitionReader>>> reader;
    std::optional<Result<std::unique_ptr<PartitionWriter>>> writer;
  };
  const PhysicalPlan& plan = run_.plan();
  std::vector<Opening> openings;
  for (NodeId id : plan.graph.node_ids()) {
    if (plan.graph.node(id).kind == NodeKind::source) {
      auto* source = &static_cast<SourceRunner&>(run_.runner(id));
      for (int lane = 0; lane < source->readers(); ++lane)
        openings.push_back(Opening{id, lane, source, nullptr, {}, {}});
    } else if (plan.graph.node(id).kind == NodeKind::sink) {
      auto* sink = &static_cast<SinkRunner&>(run_.runner(id));
      if (sink->dry_run()) continue;
      for (int lane = 0; lane < sink->step().writers.value; ++lane)
        openings.push_back(Opening{id, lane, nullptr, sink, {}, {}});
    }
  }
  std::vector<Status> opened = on_own_threads(openings.size(), [&openings](size_t i) {
    Opening& opening = openings[i];
    if (opening.source != nullptr) {
      opening.reader = opening.source->open(opening.lane);
      return opening.reader->status();
    }
    opening.writer = opening.sink->open(opening.lane);
    return opening.writer->status();
  });
  // Every writer opened is kept, even after another failed, so that the failure's
  // cleanup aborts it (a file writer's abort removes its part file).
  const Opening* failed = nullptr;
  Status failure;
  for (size_t i = 0; i < openings.size(); ++i) {
    Opening& opening = openings[i];
    if (!opened[i].is_ok()) {
      if (failed == nullptr) {
        failed = &opening;
        failure = opened[i];
      }
      continue;
    }
    if (opening.source != nullptr) {
      opening.source->add_reader(std::move(*opening.reader).value(), opening.lane);
    } else {
      opening.sink->add_writer(std::move(*opening.writer).value());
    }
  }
  if (failed != nullptr) {
    run_.fail(failed->node, failed->lane, failure.prefixed("open: "));
    return false;
  }
  return true;
}

void Execution::run_graph() {
  const int threads = run_.plan().run.arena_threads.value;
  // The arena asks for more threads than there may be cores (readers and writers block
  // in I/O); without raising the global limit oneTBB would cap it at the core count.
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(threads));
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::task_group_context context;
    flow::graph g(context);
    auto gate = std::make_shared<Gate>();
    FlowGraph built;
    build_flow_graph(g, run_, gate, built);
    run_.attach(&g, &arena);
    for (auto* input : built.inputs) input->activate();
    g.wait_for_all();
    // The input has ended: each aggregation, upstream first, lets its groups flow on.
    for (NodeId id : run_.plan().graph.topological_order()) {
      if (run_.plan().graph.node(id).kind != NodeKind::transform) continue;
      auto& transform = static_cast<TransformRunner&>(run_.runner(id));
      if (!transform.holds_rows()) continue;
      transform.finish();
      g.wait_for_all();
    }
    for (NodeId id : run_.plan().graph.nodes_of_kind(NodeKind::source))
      static_cast<SourceRunner&>(run_.runner(id)).close_tuner();
    run_.attach(nullptr, nullptr);
    gate->open.store(false);
    // Tickets and batches still buffered in a cancelled graph go with its nodes.
    built.nodes.clear();
  });
  // A reader that did not reach the end of its input, or a sequencer that still holds
  // batches, would mean lost rows; never report success then.
  if (run_.failed()) return;
  for (NodeId id : run_.plan().graph.nodes_of_kind(NodeKind::source)) {
    const auto& source = static_cast<const SourceRunner&>(run_.runner(id));
    for (int lane = 0; lane < source.readers(); ++lane) {
      if (!source.exhausted(lane) && !run_.stopped())
        return run_.fail(id, lane, "internal: the reader stopped before the end of its input");
    }
  }
  for (const auto& runner : run_.runners()) {
    uint64_t put = runner->counters.puts.load(), processed = runner->counters.batches_in.load();
    if (run_.plan().graph.node(runner->id()).kind != NodeKind::source && put != processed) {
      run_.fail(runner->id(), 0,
                "internal: " + std::to_string(put - processed) + " of " + std::to_string(put) +
                    " batches never reached the node (sequence gap)");
    }
  }
}

// Every writer sends what it still buffers and waits for the destination to take it, all
// at once, one thread each (one after another, those waits would add up); then the
// commits, one after another: after a failure nothing more is committed, so that an
// attempt that committed nothing may still be retried. Then every sink publishes (a
// replace swaps, a file is renamed). On any error, before or here, the writers that did
// not commit abort and every prepared sink is abandoned.
void Execution::finish_sinks() {
  const PhysicalPlan& plan = run_.plan();
  std::vector<SinkRunner*> sinks;
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::sink))
    sinks.push_back(&static_cast<SinkRunner&>(run_.runner(id)));
  if (!run_.failed()) {
    std::vector<std::pair<SinkRunner*, int>> writers;
    for (SinkRunner* sink : sinks) {
      for (int w = 0; w < sink->writers_opened(); ++w) writers.emplace_back(sink, w);
    }
    std::vector<Status> finished = on_own_threads(
        writers.size(), [&writers](size_t i) { return writers[i].first->finish_writing(writers[i].second); });
    for (size_t i = 0; i < writers.size(); ++i) {
      if (!finished[i].is_ok())
        run_.fail(writers[i].first->id(), writers[i].second, finished[i].prefixed("commit: "));
    }
    for (SinkRunner* sink : sinks) {
      for (int w = 0; w < sink->writers_opened() && !run_.failed(); ++w) {
        Status status = sink->commit(w);
        if (!status.is_ok()) run_.fail(sink->id(), w, status);
      }
    }
    for (SinkRunner* sink : sinks) {
      if (run_.failed()) break;
      Status status = sink->finish();
      if (!status.is_ok()) run_.fail(sink->id(), 0, status);
    }
    save_untracked_cursors();
  }
  if (!run_.failed()) return;
  for (SinkRunner* sink : sinks) sink->abandon();
}

// Incremental streams whose position no sink committed with the rows (several sinks or
// writers): saved once every sink finished, so it is never ahead of the rows.
void Execution::save_untracked_cursors() {
  const PhysicalPlan& plan = run_.plan();
  if (plan.run.dry_run) return;
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::source)) {
    if (run_.failed()) return;
    const SourceStep& step = plan.step<SourceStep>(id);
    auto& source = static_cast<SourceRunner&>(run_.runner(id));
    if (step.cursor_with_rows.value || !source.last_position()) continue;
    Checkpoint checkpoint;
    checkpoint.position = *source.last_position();
    Status saved = run_.state().save(run_.run_record(step.stream), checkpoint);
    if (!saved.is_ok()) run_.fail(id, 0, saved.prefixed("state: "));
  }
}

void Execution::log_start() const {
  const PhysicalPlan& plan = run_.plan();
  if (plan.parallelism) {
    spdlog::info("run start: pipeline={} {}", plan.run.pipeline, describe_decision(*plan.parallelism));
  } else {
    spdlog::info("run start: pipeline={} (no parallelism decision) tag={}", plan.run.pipeline,
                 kParallelismTag);
  }
  int64_t inflight = 0;
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::source))
    inflight = std::max<int64_t>(inflight, plan.step<SourceStep>(id).max_inflight_batches);
  spdlog::info("runtime: arena_concurrency={} max_inflight_batches={} per partition{}",
               plan.run.arena_threads.value, inflight, plan.run.dry_run ? " (dry run)" : "");
  // Streams the autotuner probes log their event when it decides (StreamTuner); the
  // others say here why they keep their baseline knobs.
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::source)) {
    if (plan.step<SourceStep>(id).tuned.value) continue;
    spdlog::info(
        "{}", format_autotune_event(static_cast<const SourceRunner&>(*run_.runners()[id]).autotune_event()));
  }
}

RunReport Execution::run() {
  const int64_t started = now_ns();
  build_runners();
  log_start();
  std::optional<RunMonitor> monitor(std::in_place, run_);
  if (connect_and_prepare() && open_readers_and_writers() && !run_.stopped()) run_graph();
  finish_sinks();
  monitor->stop();
  RunReport report = monitor->report(static_cast<double>(now_ns() - started) / 1e9);
  if (report.ok()) {
    for (NodeId id : run_.plan().graph.nodes_of_kind(NodeKind::sink)) {
      auto output = static_cast<SinkRunner&>(run_.runner(id)).take_dry_run_output();
      if (output) report.dry_run_outputs.push_back(std::move(*output));
    }
  }
  return report;
}

}  // namespace rbc
