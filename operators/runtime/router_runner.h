// Runs a router step: a hash router splits each batch into one fragment per output lane
// (every lane gets one, empty or not, so sequence numbers stay contiguous); a predicate
// router gives each named output the rows its condition holds for.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "expr/query.h"
#include "operators/runtime/run_context.h"

namespace rbc {

class RouterRunner final : public NodeRunner {
 public:
  RouterRunner(RunContext& run, NodeId id)
      : NodeRunner(id), run_(run), step_(run.plan().step<RouterStep>(id)) {}

  Status prepare(std::shared_ptr<const Schema> input);
  void route(const Msg& envelope);

 private:
  void route_by_hash(const Msg& envelope, int64_t start);
  void route_by_predicates(const Msg& envelope, int64_t start);

  RunContext& run_;
  const RouterStep& step_;
  std::vector<int> key_columns_;            // input columns hashed, when every key is one
  std::optional<CompiledQuery> key_query_;  // else: SELECT <keys> FROM input, whose columns are hashed
  std::vector<std::pair<std::string, CompiledQuery>> predicates_;
};

}  // namespace rbc
