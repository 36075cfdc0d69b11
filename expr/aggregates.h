// Aggregate functions: one table (aggregates.cpp) beside the scalar one (functions.h),
// through which the binder resolves COUNT, SUM, AVG, MIN, MAX, ... with the same
// signature rules. Each entry makes the states of one aggregate call: one state per
// group of one lane, held column-wise (a vector per field) so that a lane with a million
// groups makes no allocation per group, and merged group by group in a two-phase plan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "expr/functions.h"
#include "graph/status.h"

namespace rbc::sql {

struct AggregateCall;

// The states of one aggregate call, one per group of one lane.
class AggregateStates {
 public:
  virtual ~AggregateStates() = default;
  // Makes room for groups [0, groups); new groups start empty.
  virtual void resize(size_t groups) = 0;
  // Folds value rows[k] of `args` (each evaluated over the batch's selected rows, or
  // constant) into group groups[k], for k < count. NULL arguments are skipped.
  virtual Status update(const std::vector<Vec>& args, const uint32_t* rows, const uint32_t* groups,
                        size_t count) = 0;
  // Adds group g of `other` (the same call's states in another lane) into group into[g].
  virtual Status merge(const AggregateStates& other, const uint32_t* into) = 0;
  // The result of groups[0..count), as a vector of the call's type.
  virtual Result<Vec> result(const uint32_t* groups, size_t count) const = 0;
  // Memory held, for the report and resources.max_state_bytes.
  virtual size_t bytes() const = 0;
};

using MakeStates = std::unique_ptr<AggregateStates> (*)(const AggregateCall& call);

struct AggregateFunction {
  std::string name{};                   // lower case; plans print `name(args)`
  std::vector<std::string> aliases{};   // STDDEV for STDDEV_SAMP, ...
  std::vector<Signature> signatures{};  // argument rules, as for scalar functions
  bool star = false;                    // takes `*` (COUNT(*)): counts rows
  bool never_null = false;              // COUNT of nothing is 0, not NULL
  BindHook bind = nullptr;              // the result type from the argument's (SUM(int) is int64)
  MakeStates make = nullptr;
};

// A bound aggregate call of a query.
struct AggregateCall {
  const AggregateFunction* function = nullptr;
  std::vector<ExprPtr> args;  // over the input rows; empty for COUNT(*)
  bool distinct = false;
  DataType type;  // the result's
  size_t offset = 0;
  std::string text;  // as written, for messages
};

const std::vector<AggregateFunction>& aggregate_functions();
// The aggregate called `name` (or an alias), any case; null when there is none.
const AggregateFunction* find_aggregate_function(std::string_view name);
std::vector<std::string> aggregate_function_names();

// The states of `call`, DISTINCT included (each group folds a value once).
std::unique_ptr<AggregateStates> make_states(const AggregateCall& call);

}  // namespace rbc::sql
