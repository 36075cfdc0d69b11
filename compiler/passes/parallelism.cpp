// parallelism (static_heuristic_v1): cores, cap, per-stream target and base target.
#include "compiler/parallelism.h"

#include <thread>

#include "compiler/passes/passes.h"

namespace rbc {

Status ParallelismPass::run(PhysicalPlan& plan, PassContext& context) {
  int cores = context.options.available_cores;
  if (cores <= 0) cores = static_cast<int>(std::thread::hardware_concurrency());
  int eligible = 0;
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::source)) {
    if (plan.step<SourceStep>(id).eligible.value_or(false)) ++eligible;
  }
  plan.parallelism = plan_base_target(cores, eligible);
  return Status::ok();
}

}  // namespace rbc
