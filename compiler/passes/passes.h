// Declarations of every compiler pass; one .cpp file per pass in this folder.
#pragma once

#include "compiler/pass.h"

namespace rbc {

#define RBC_PASS(name, class_name, summary)                        \
  class class_name final : public Pass {                           \
   public:                                                         \
    Status run(PhysicalPlan& plan, PassContext& context) override; \
  };
#include "compiler/passes.def"
#undef RBC_PASS

// The first partition-eligibility rule (SPEC section 2) that the stream read by
// `source_id` breaks, or "" when it is eligible. Used by eligibility, and by validate to
// decide whether a stream needs an integer partition key.
std::string partition_ineligibility_reason(const LogicalGraph& graph, NodeId source_id);

}  // namespace rbc
