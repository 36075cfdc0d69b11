// The pass manager and the plan verifier.
#include "compiler/pass_manager.h"

#include <chrono>

#include "graph/plan_printer.h"

namespace rbc {

PassManager::PassManager(PassInstrumentation instrumentation)
    : instrumentation_(std::move(instrumentation)) {}

bool PassManager::should_print(const std::string& pass) const {
  return instrumentation_.print_stream != nullptr &&
         (instrumentation_.print_after.count("all") > 0 || instrumentation_.print_after.count(pass) > 0);
}

Status PassManager::run(PhysicalPlan& plan, PassContext& context) {
  if (plan.steps.size() != plan.graph.node_count()) plan.reset_steps();
  plan.run.dry_run = context.options.dry_run;
  for (const PassInfo& info : registered_passes()) {
    // The checks all run, whatever the errors before them; nothing runs after errors.
    if (context.diagnostics.has_errors() && !info.check) return Status::ok();
    std::unique_ptr<Pass> pass = create_pass(info.name);
    if (!pass) return Status::internal("pass '" + info.name + "' is listed but not constructible");
    bool printing = should_print(info.name);
    std::string before = printing ? print_plan_text(plan) : std::string();

    auto start = std::chrono::steady_clock::now();
    RBC_RETURN_NOT_OK(pass->run(plan, context));
    auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
    timings_.push_back({info.name, elapsed.count()});

    if (context.diagnostics.has_errors()) continue;
    RBC_RETURN_NOT_OK(verify_plan(plan, info.name));
    if (printing) {
      std::string after = print_plan_text(plan);
      *instrumentation_.print_stream << "// ----- after pass '" << info.name << "'"
                                     << (after == before ? " (unchanged)" : " (changed)") << " -----\n"
                                     << after;
    }
  }
  return Status::ok();
}

namespace {

bool has_negative_count(const SourceStep& s) { return s.partitions.value < 0 || s.readers.value < 0; }
bool has_negative_count(const TransformStep& s) { return s.concurrency.value < 0 || s.copies.value < 0; }
bool has_negative_count(const RouterStep& s) { return s.concurrency.value < 0 || s.outputs.value < 0; }
bool has_negative_count(const SinkStep& s) { return s.partitions.value < 0 || s.writers.value < 0; }

}  // namespace

Status verify_plan(const PhysicalPlan& plan, const std::string& after_pass) {
  auto broken = [&](const std::string& what) {
    return Status::internal("plan verification failed after pass '" + after_pass + "': " + what);
  };
  const LogicalGraph& graph = plan.graph;
  if (plan.steps.size() != graph.node_count()) return broken("node steps do not match the graph");
  if (graph.node_count() > 0 && graph.topological_order().empty()) return broken("the graph has a cycle");
  for (NodeId id : graph.node_ids()) {
    const LogicalNode& node = graph.node(id);
    if (node.id != id) return broken("node ids are not stable");
    if (node.kind == NodeKind::source && !graph.predecessors(id).empty())
      return broken("a source has an input");
    if (node.kind == NodeKind::sink && !graph.successors(id).empty()) return broken("a sink has an output");
    if (plan.steps[id].index() != static_cast<size_t>(node.kind)) return broken("a step of another kind");
    bool negative = false;
    std::visit([&negative](const auto& step) { negative = has_negative_count(step); }, plan.steps[id]);
    if (negative) return broken("a negative count of readers, copies or writers");
  }
  if (plan.parallelism && plan.parallelism->effective < 1) return broken("effective parallelism below 1");
  return Status::ok();
}

}  // namespace rbc
