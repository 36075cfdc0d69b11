// The compiler's entry point: pipeline file -> front-end -> passes -> PhysicalPlan.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/pass_manager.h"
#include "dsl/lang/lower.h"
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

// The pipeline written in the .rbc language: a YAML pipeline translated (with its
// `${VAR}` references kept), an .rbc program in its canonical layout (`rbc fmt`).
// Errors of the file go to `diagnostics`.
std::optional<std::string> pipeline_as_rbc(const std::string& path, DiagnosticEngine& diagnostics);

// The functions an .rbc program may call: the connectors and transforms rbc has.
lang::Vocabulary pipeline_vocabulary();
bool is_rbc_program(const std::string& path);

// Picks the front-end by file extension (.rbc: the pipeline language, else YAML) and
// builds the logical graph.
std::optional<LogicalGraph> load_pipeline(const std::string& path, DiagnosticEngine& diagnostics,
                                          const EnvLookup& env);

}  // namespace rbc
