// The plan printers: text for people (an SSA-style listing, one line per node plus its
// decisions), JSON for machines, Graphviz DOT for review pictures. All three are
// byte-stable and redact secrets. They print whatever has been decided so far, so the
// same printer serves `--print-after` between passes.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "graph/physical_plan.h"

namespace rbc {

// Extra lines shown under a node (runtime statistics after `rbc exec`, for example).
using NodeOverlay = std::function<std::vector<std::string>(NodeId)>;

std::string print_plan_text(const PhysicalPlan& plan, const NodeOverlay& overlay = {});
nlohmann::json plan_to_json(const PhysicalPlan& plan);
std::string print_plan_dot(const PhysicalPlan& plan);

// The six parallelism_* telemetry fields (plus the tag; docs/passes.md, Telemetry), for plans and run
// reports.
nlohmann::json parallelism_telemetry(const ParallelismDecision& decision);
// One line: "mode=auto effective=3 cap=16 cores=16 eligible_streams=1 ... tag=static_heuristic_v1".
std::string describe_decision(const ParallelismDecision& decision);
// 0.8695... -> "0.87".
std::string format_factor(double factor);
// 4194304 -> "4mb"; other values in bytes.
std::string format_bytes(int64_t bytes);

}  // namespace rbc
