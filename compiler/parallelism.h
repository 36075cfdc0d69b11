// The parallelism heuristic static_heuristic_v1 and its transform-factor penalty
// (docs/passes.md, Parallelism and transform penalty), as pure functions the passes and tests share.
#pragma once

#include <cstdint>
#include <optional>

#include "graph/physical_plan.h"

namespace rbc {

// Step 3: cap, per-stream target and base target from cores and eligible streams.
ParallelismDecision plan_base_target(int available_cores, int eligible_streams);

// 1.0 for no transforms, else max(0.6, 1 / (1 + 0.15 n)).
double transform_factor(int transform_count);

// Step 4: applies the penalty (auto) or the user's number (manual) to `decision`.
void apply_transform_penalty(ParallelismDecision& decision, int transform_count,
                             std::optional<int64_t> manual_parallelism);

// Both steps at once.
ParallelismDecision decide_parallelism(int available_cores, int eligible_streams, int transform_count,
                                       std::optional<int64_t> manual_parallelism = std::nullopt);

}  // namespace rbc
