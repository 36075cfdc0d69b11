// What each transform operator accepts and whether it keeps state across batches;
// the compiler checks pipelines and picks concurrency from this table.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "graph/config.h"

namespace rbc {

struct OperatorSpec {
  std::string name;
  std::string summary;
  std::vector<std::string> config_keys;
  std::vector<std::string> required_keys;
  // Why an instance configured so keeps state across batches (so it must see its
  // stream's rows serially, or one hash lane's keys per copy); "" when it keeps none.
  std::string (*keeps_state)(const Config& config) = nullptr;
};

const std::vector<OperatorSpec>& operator_specs();
const OperatorSpec* find_operator_spec(std::string_view name);
std::vector<std::string> operator_names();

}  // namespace rbc
