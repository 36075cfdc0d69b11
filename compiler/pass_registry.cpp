// Explicit registration of the passes listed in passes.def.
#include "compiler/passes/passes.h"

namespace rbc {

const std::vector<PassInfo>& registered_passes() {
  static const std::vector<PassInfo> passes = {
#define RBC_PASS(name, class_name, summary) {name, summary, false},
#define RBC_CHECK_PASS(name, class_name, summary) {name, summary, true},
#include "compiler/passes.def"
#undef RBC_CHECK_PASS
#undef RBC_PASS
  };
  return passes;
}

std::unique_ptr<Pass> create_pass(const std::string& pass_name) {
#define RBC_PASS(name, class_name, summary) \
  if (pass_name == name) return std::make_unique<class_name>();
#include "compiler/passes.def"
#undef RBC_PASS
  return nullptr;
}

}  // namespace rbc
