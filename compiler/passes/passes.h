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

}  // namespace rbc
