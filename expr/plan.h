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
  std::optional<WindowSpec> window;
};

// One lane's groups of an aggregation (aggregation.cpp; with a window, windows.cpp, which
// has one part).
std::unique_ptr<QueryState> start_aggregation(std::shared_ptr<const Plan> plan,
                                              const WatermarkStep& watermark, MergePart part);
std::unique_ptr<QueryState> start_windows(std::shared_ptr<const Plan> plan, const WatermarkStep& watermark);

// Groups leave a finished aggregation in batches of at most this many rows.
constexpr size_t kFinishBatchRows = 65536;

// A LIMIT over the rows a state emits, batch after batch.
class RowLimit {
 public:
  explicit RowLimit(std::optional<uint64_t> limit) : limit_(limit) {}
  bool reached() const { return limit_ && emitted_ >= *limit_; }
  // `rows` cut to what the LIMIT leaves.
  Batch cut(Batch rows);

 private:
  std::optional<uint64_t> limit_;
  uint64_t emitted_ = 0;
};

// Appends every row of `from` (of the same schema) to `into`.
void append_rows(Batch& into, const Batch& from);

// The rows `where` (of type boolean, or null) holds for, as a selection vector; `all`
// when it holds for every row (the selection is then empty).
Result<std::vector<uint32_t>> select_rows(const ExprPtr& where, const Batch& input, bool& all);

}  // namespace rbc::sql
