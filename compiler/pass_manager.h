// Runs the registered passes in order. Instrumentation wraps every pass the same way:
// a timer, a verifier of the plan's invariants, and `--print-after` printing under one
// fixed banner. Passes never print themselves.
#pragma once

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "compiler/pass.h"

namespace rbc {

struct PassInstrumentation {
  std::set<std::string> print_after;  // pass names, or "all"
  std::ostream* print_stream = nullptr;
  bool time_passes = false;
};

struct PassTiming {
  std::string name;
  double milliseconds = 0;
};

class PassManager {
 public:
  explicit PassManager(PassInstrumentation instrumentation = {});
  // Runs every pass; stops after the first one that reports a user error.
  Status run(PhysicalPlan& plan, PassContext& context);
  const std::vector<PassTiming>& timings() const { return timings_; }

 private:
  bool should_print(const std::string& pass) const;

  PassInstrumentation instrumentation_;
  std::vector<PassTiming> timings_;
};

// Checks what every pass must leave true (one step of its kind per node, no cycles, ...).
Status verify_plan(const PhysicalPlan& plan, const std::string& after_pass);

}  // namespace rbc
