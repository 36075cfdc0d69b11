// The list of operator specs, registered explicitly (operators/operators.def; no static
// initialisers that a linker could drop), and the operator factory the runtime calls.
#include "operators/operator_specs.h"

namespace rbc {

#define RBC_OPERATOR(name) const OperatorSpec& name##_operator_spec();
#include "operators/operators.def"
#undef RBC_OPERATOR

const std::vector<const OperatorSpec*>& operator_specs() {
  static const std::vector<const OperatorSpec*> specs = {
#define RBC_OPERATOR(name) &name##_operator_spec(),
#include "operators/operators.def"
#undef RBC_OPERATOR
  };
  return specs;
}

const OperatorSpec* find_operator_spec(std::string_view name) {
  for (const OperatorSpec* spec : operator_specs()) {
    if (spec->name == name) return spec;
  }
  return nullptr;
}

std::vector<std::string> operator_names() {
  std::vector<std::string> names;
  for (const OperatorSpec* spec : operator_specs()) names.push_back(spec->name);
  return names;
}

Result<std::unique_ptr<Operator>> make_operator(const std::string& use, const Config& config,
                                                std::shared_ptr<const Schema> input,
                                                const OperatorContext& context) {
  const OperatorSpec* spec = find_operator_spec(use);
  if (spec == nullptr || spec->make == nullptr) return Status::invalid("unknown transform '" + use + "'");
  return spec->make(config, std::move(input), context);
}

}  // namespace rbc
