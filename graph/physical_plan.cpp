// The physical plan's steps (graph/physical_plan.h).
#include "graph/physical_plan.h"

namespace rbc {

void PhysicalPlan::reset_steps() {
  steps.clear();
  steps.reserve(graph.node_count());
  for (NodeId id : graph.node_ids()) {
    switch (graph.node(id).kind) {
      case NodeKind::source: steps.emplace_back(SourceStep{}); break;
      case NodeKind::transform: steps.emplace_back(TransformStep{}); break;
      case NodeKind::router: steps.emplace_back(RouterStep{}); break;
      case NodeKind::sink: steps.emplace_back(SinkStep{}); break;
    }
  }
}

}  // namespace rbc
