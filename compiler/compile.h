// The compiler's entry point: pipeline file -> front-end -> passes -> PhysicalPlan.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/pass_manager.h"
#include "dsl/values.h"
#include "graph/diagnostic.h"
#include "graph/physical_plan.h"

namespace rbc {

struct CompileRequest {
  std::string path;
  CompileOptions options;
  PassInstrumentation instrumentation;
  EnvLookup env = process_environment();
};

struct Compilation {
  std::optional<PhysicalPlan> plan;  // set when there were no errors
  DiagnosticEngine diagnostics;
  std::vector<PassTiming> timings;
  std::vector<std::string> notes;  // see PassContext::notes
  Status internal_error;           // a bug in rbc, not in the pipeline
};

Compilation compile_pipeline(const CompileRequest& request);

// Picks the front-end by file extension (.yaml/.yml) and builds the logical graph.
std::optional<LogicalGraph> load_pipeline(const std::string& path, DiagnosticEngine& diagnostics,
                                          const EnvLookup& env);

}  // namespace rbc
