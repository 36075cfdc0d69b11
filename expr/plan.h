// A compiled query's plan, shared (immutable) by every copy of the query and the states
// it starts. Internal to the expression engine.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "expr/aggregates.h"
#include "expr/binder.h"
#include "expr/query.h"

namespace rbc::sql {

// A select list with an optional filter over batches of one schema.
struct Projection {
  Schema input;
  std::shared_ptr<const Schema> output;
  std::vector<ExprPtr> items;
  ExprPtr where;  // null: every row
};

// Keeps the rows `projection.where` holds for and evaluates the items over them.
Result<Batch> project(const Projection& projection, const Batch& input);

struct Plan {
  Schema input;
  QueryShape shape;
  ExprPtr where;  // over the input
  // The output: over the input for a plain query; over the groups (their keys, then their
  // aggregates' results) with HAVING as its filter for an aggregation.
  Projection select;
  std::vector<ExprPtr> keys;
  std::vector<AggregateCall> aggregates;
  EmitMode emit = EmitMode::final_rows;
};

// One lane's groups of an aggregation (aggregation.cpp).
std::unique_ptr<QueryState> start_aggregation(std::shared_ptr<const Plan> plan);

// The rows `where` (of type boolean, or null) holds for, as a selection vector; `all`
// when it holds for every row (the selection is then empty).
Result<std::vector<uint32_t>> select_rows(const ExprPtr& where, const Batch& input, bool& all);

}  // namespace rbc::sql
