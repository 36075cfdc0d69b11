// The physical plan: the logical graph plus every decision the compiler passes made,
// each with its reason. Passes fill it in step by step; printers show whatever has
// been decided so far, which is what `--print-after` relies on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "graph/logical_graph.h"

namespace rbc {

inline constexpr const char* kParallelismTag = "static_heuristic_v1";

// The run-level parallelism decision (SPEC section 2, steps 3 and 4).
struct ParallelismDecision {
  bool manual = false;  // parallelism: N given
  int available_cores = 0;
  int cap = 0;
  int eligible_streams = 0;
  int per_stream_target = 1;  // 1 when no stream is eligible
  int base_target = 1;
  int transform_count = 0;
  double transform_factor = 1.0;
  int effective = 1;

  const char* mode() const { return manual ? "manual" : "auto"; }
};

// The autotuner's candidate values for one stream's knobs; a single value when pinned.
struct AutotuneCandidates {
  std::vector<int64_t> parallelism;
  std::vector<PartitionMode> partition_mode;
  std::vector<int64_t> copy_flush_bytes;
  std::vector<std::string> pinned;  // names of pinned knobs
};

struct NodePlan {
  // eligibility (source nodes)
  std::optional<bool> partition_eligible;
  std::string eligibility_reason;
  // concurrency (every node): 0 = not decided yet
  int partitions = 0;   // parallel copies of this node's stream slice
  int concurrency = 0;  // tbb concurrency of the node
  std::string concurrency_reason;
  // knobs the runtime starts from (source and sink nodes)
  PartitionMode partition_mode = PartitionMode::mod;
  int64_t copy_flush_bytes = kDefaultCopyFlushBytes;
  bool copy_flush_pinned = false;              // by autotune.pin_copy_flush_bytes or the destination's own
  std::optional<AutotuneCandidates> autotune;  // source nodes, when the tuner may run
  std::string autotune_note;                   // why it will not run, when it will not
};

struct PhysicalPlan {
  LogicalGraph graph;
  std::vector<NodePlan> nodes;  // indexed by NodeId
  std::optional<ParallelismDecision> parallelism;

  NodePlan& at(NodeId id) { return nodes[id]; }
  const NodePlan& at(NodeId id) const { return nodes[id]; }
};

}  // namespace rbc
