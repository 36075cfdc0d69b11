// The transform operator table: one entry per operator.
#include "operators/operator_specs.h"

#include <algorithm>

namespace rbc {
namespace {

std::string validate_keeps_state(const Config& config) {
  auto rules = config.values.find("rules");
  if (rules == config.values.end() || !rules->is_array()) return {};
  for (const auto& rule : *rules) {
    if (rule.is_object() && rule.contains("assert_unique")) return "assert_unique keeps state across batches";
  }
  return {};
}

}  // namespace

const std::vector<OperatorSpec>& operator_specs() {
  static const std::vector<OperatorSpec> specs = {
      {"sql", "SELECT <expressions> FROM input [WHERE <predicate>]", {"query"}, {"query"}},
      {"validate",
       "assert_not_null, assert_regex, assert_range, assert_unique rules",
       {"rules"},
       {"rules"},
       validate_keeps_state},
  };
  return specs;
}

const OperatorSpec* find_operator_spec(std::string_view name) {
  const auto& specs = operator_specs();
  auto it = std::find_if(specs.begin(), specs.end(), [&](const OperatorSpec& s) { return s.name == name; });
  return it == specs.end() ? nullptr : &*it;
}

std::vector<std::string> operator_names() {
  std::vector<std::string> names;
  for (const auto& spec : operator_specs()) names.push_back(spec.name);
  return names;
}

}  // namespace rbc
