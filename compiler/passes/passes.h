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

// The first partition-eligibility rule (docs/passes.md, Eligibility) that the stream read by
// `source_id` breaks, or "" when it is eligible. Used by eligibility, and by validate to
// decide whether a stream needs an integer partition key. `split`, when given, receives what
// is cut into chunks when the stream is eligible that way (a large file).
std::string partition_ineligibility_reason(const LogicalGraph& graph, NodeId source_id,
                                           std::string* split = nullptr);

// "did you mean 'x'?" for the closest candidate, else "expected one of: a, b, c".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// Where offset `offset` of a sql text written at `where` is in the pipeline file: exact
// for a one-line scalar (quoted or plain), else the start of the value. (bind locates
// query errors, validate router condition errors.)
SourceRange query_position(const SourceRange& where, const std::string& query, size_t offset,
                           const DiagnosticEngine& diagnostics);

}  // namespace rbc
