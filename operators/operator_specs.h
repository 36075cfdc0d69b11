// What each transform operator accepts, what the compiler can tell about its output, whether
// it keeps state across batches, and how to build it: one spec per operator, in its own
// folder, registered by one line in operators/operators.def. The compiler checks
// pipelines and picks concurrency from the specs; the runtime only calls make_operator.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "expr/query.h"
#include "graph/config.h"
#include "operators/operator.h"

namespace rbc {

// What the compiler learns from a transform's config and its input's schema.
struct TypeCheck {
  std::optional<Schema> output;       // the output's schema, when it is known
  std::vector<ConfigProblem> errors;  // not empty: the chain is not checked further
};

struct OperatorSpec {
  std::string name;
  std::string summary;
  std::vector<std::string> config_keys;
  std::vector<std::string> required_keys;
  // Builds the operator over batches of schema `input`; an error names the problem.
  Result<std::unique_ptr<Operator>> (*make)(const Config& config, std::shared_ptr<const Schema> input,
                                            const OperatorContext& context) = nullptr;
  // Checks the config against the input's schema (nullopt: not known before the run)
  // and says the output's. Null: the output's schema is not known before the run.
  TypeCheck (*check_types)(const Config& config, const std::optional<Schema>& input) = nullptr;
  // Why an instance configured so keeps state across batches (so it must see its
  // stream's rows serially, or one hash lane's keys per copy); "" when it keeps none.
  std::string (*keeps_state)(const Config& config) = nullptr;
  // The aggregation an instance configured so runs (group keys, EMIT, LIMIT), or nullopt
  // when it aggregates nothing; the aggregation pass plans its lanes from it.
  std::optional<QueryShape> (*aggregation)(const Config& config) = nullptr;
};

// The registered operators, in the order of operators/operators.def.
const std::vector<const OperatorSpec*>& operator_specs();
const OperatorSpec* find_operator_spec(std::string_view name);
std::vector<std::string> operator_names();

}  // namespace rbc
