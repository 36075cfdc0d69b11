// Aggregate functions: declared, not implemented. Keyed aggregation (GROUP BY,
// issue 15) adds its COUNT/SUM/AVG/MIN/MAX/... as entries of this table, beside
// the scalar table (functions.h), with the same signatures and argument rules;
// the binder will look a call up here when the scalar table does not have it
// and the query allows aggregates. Until then the table is empty and nothing
// reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "expr/functions.h"
#include "graph/status.h"

namespace rbc::sql {

// One aggregate. The state of one group lives in `state_size` bytes owned by
// the aggregation operator (aligned to 16), so lanes and the two-phase merge
// can hold states for many groups without one allocation each; `destroy` frees
// what a state owns.
struct AggregateFunction {
  std::string name{};                   // lower case
  std::vector<std::string> aliases{};   // STDDEV for STDDEV_SAMP, ...
  std::vector<Signature> signatures{};  // argument rules -> result type, as for scalar functions
  bool skips_nulls = true;              // SQL aggregates ignore NULL arguments (COUNT(*) has none)
  size_t state_size = 0;

  void (*init)(void* state) = nullptr;
  // Folds rows[0..count) of the evaluated arguments into the states of their
  // groups.
  Status (*update)(void* const* states, const std::vector<Vec>& args, const uint32_t* rows,
                   size_t count) = nullptr;
  // Two-phase aggregation: adds a partial state into another.
  void (*merge)(void* into, const void* from) = nullptr;
  // The result of each state, as one vector of `call.type`.
  Result<Vec> (*finalize)(const Expr& call, const void* const* states, size_t count) = nullptr;
  void (*destroy)(void* state) = nullptr;
};

// Empty until keyed aggregation lands.
inline const std::vector<AggregateFunction>& aggregate_functions() {
  static const std::vector<AggregateFunction> none;
  return none;
}

}  // namespace rbc::sql
