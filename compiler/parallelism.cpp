// static_heuristic_v1: see docs/passes.md. The formulas are the contract; keep them literal.
#include "compiler/parallelism.h"

#include <algorithm>
#include <cmath>

namespace rbc {

ParallelismDecision plan_base_target(int available_cores, int eligible_streams) {
  ParallelismDecision decision;
  decision.available_cores = std::max(1, available_cores);
  decision.cap = std::min(decision.available_cores, 16);
  decision.eligible_streams = eligible_streams;
  if (eligible_streams == 0) {
    decision.per_stream_target = 1;
    decision.base_target = 1;
  } else {
    decision.per_stream_target = std::min(4, std::max(1, decision.cap / eligible_streams));
    decision.base_target = std::min(decision.cap, eligible_streams * decision.per_stream_target);
  }
  return decision;
}

double transform_factor(int transform_count) {
  if (transform_count <= 0) return 1.0;
  return std::max(0.6, 1.0 / (1.0 + 0.15 * transform_count));
}

void apply_transform_penalty(ParallelismDecision& decision, int transform_count,
                             std::optional<int64_t> manual_parallelism) {
  decision.transform_count = transform_count;
  decision.transform_factor = transform_factor(transform_count);
  if (manual_parallelism) {
    decision.manual = true;
    decision.effective = static_cast<int>(std::max<int64_t>(1, *manual_parallelism));
    return;
  }
  decision.manual = false;
  long rounded = std::lround(decision.base_target * decision.transform_factor);
  decision.effective = std::clamp(static_cast<int>(std::max(1L, rounded)), 1, decision.cap);
}

ParallelismDecision decide_parallelism(int available_cores, int eligible_streams, int transform_count,
                                       std::optional<int64_t> manual_parallelism) {
  ParallelismDecision decision = plan_base_target(available_cores, eligible_streams);
  apply_transform_penalty(decision, transform_count, manual_parallelism);
  return decision;
}

}  // namespace rbc
