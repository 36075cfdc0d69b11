// transform-penalty: effective parallelism = base target scaled by the transform factor,
// or the user's explicit number (mode manual).
#include "compiler/parallelism.h"
#include "compiler/passes/passes.h"

namespace rbc {

Status TransformPenaltyPass::run(PhysicalPlan& plan, PassContext& /*context*/) {
  if (!plan.parallelism) return Status::internal("transform-penalty runs after parallelism");
  const auto& parallelism = plan.graph.info.resources.parallelism;
  std::optional<int64_t> manual;
  if (parallelism.present) manual = parallelism.value;
  // In a YAML pipeline every stream has the same transforms; in a DAG the longest chain counts.
  apply_transform_penalty(*plan.parallelism, plan.graph.longest_transform_chain(), manual);
  return Status::ok();
}

}  // namespace rbc
