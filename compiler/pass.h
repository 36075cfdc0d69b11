// The compiler pass interface and the context every pass receives.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "graph/diagnostic.h"
#include "graph/physical_plan.h"
#include "graph/status.h"

namespace rbc {

class SourceCatalog;

struct CompileOptions {
  int available_cores = 0;  // 0 = this machine's hardware concurrency
  // When set, bind checks streams against their source's catalog (tables, columns,
  // partition keys, sql types); when null, compiling needs no database.
  SourceCatalog* catalog = nullptr;
  // Plan for `rbc exec --dry-run`: nothing is written and nothing is tuned.
  bool dry_run = false;
  // `rbc exec --advise`: every probed stream reports the tuner's choice and runs the baseline.
  bool advise = false;
};

struct PassContext {
  const CompileOptions& options;
  DiagnosticEngine& diagnostics;
  // Facts about the compilation itself, not about a line of the pipeline
  // ("catalog checks skipped: cannot connect ..."); the driver decides whether to show them.
  std::vector<std::string>* notes = nullptr;
};

class Pass {
 public:
  virtual ~Pass() = default;
  // Refines `plan`; user errors go to context.diagnostics, a false Status means a bug.
  virtual Status run(PhysicalPlan& plan, PassContext& context) = 0;
};

struct PassInfo {
  std::string name;
  std::string summary;
  // Runs even after errors, so that every error of the file is reported (RBC_CHECK_PASS).
  bool check = false;
};

// Every registered pass, in run order (from compiler/passes.def).
const std::vector<PassInfo>& registered_passes();
std::unique_ptr<Pass> create_pass(const std::string& name);

}  // namespace rbc
