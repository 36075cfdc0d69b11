// Name resolution and type checking: turns the parsed query into bound expressions
// against the input Schema, collecting every error with the offset of its token.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "expr/aggregates.h"
#include "expr/expr.h"
#include "expr/parser.h"

namespace rbc::sql {

enum class EmitMode { final_rows, changes };

enum class WindowKind { tumbling, hopping, session };

// `WINDOW TUMBLING|HOPPING|SESSION(time, ...)`: every group is per window too. Times are
// microseconds since the epoch (an integer time column is epoch milliseconds).
struct WindowSpec {
  WindowKind kind = WindowKind::tumbling;
  ExprPtr time;            // over the input: timestamp, timestamptz, date or an integer
  int64_t size_us = 0;     // TUMBLING and HOPPING
  int64_t advance_us = 0;  // HOPPING (TUMBLING: size_us)
  int64_t gap_us = 0;      // SESSION
  DataType column_type;    // of window_start and window_end: the time's (date: timestamp)
};

// A query that aggregates reads its input in two steps. First, over the input rows:
// WHERE, then the group keys and the aggregates' arguments. Then, over the groups (one
// row per group: its keys, then its aggregates' results): HAVING and the select list,
// whose expressions refer to those columns (column k < keys.size() is key k; with a window,
// the next two are window_start and window_end; the others are the aggregates in order).
struct BoundQuery {
  std::vector<ExprPtr> projections;  // over the input, or over the groups
  std::vector<std::string> names;
  ExprPtr where;  // over the input; null when there is no WHERE

  bool aggregate = false;  // GROUP BY, HAVING or an aggregate function
  std::vector<ExprPtr> keys;
  std::vector<std::string> key_texts;  // as written (GROUP BY 1 gives the select item's text)
  std::optional<WindowSpec> window;
  std::vector<AggregateCall> aggregates;
  ExprPtr having;  // over the groups
  EmitMode emit = EmitMode::final_rows;
  std::optional<uint64_t> limit;
};

// Binds `parsed` (parsed from `text`); on failure `errors` is not empty.
BoundQuery bind_query(std::string_view text, const ParsedQuery& parsed, const Schema& input,
                      std::vector<SqlError>& errors);

// Whether `operand` calls an aggregate function anywhere.
bool contains_aggregate(const ast::Operand& operand);
bool contains_aggregate(const ast::Chain& chain);
// Whether two lanes' partial states of the query's aggregates can be merged: not for a
// DISTINCT aggregate (its sets stay in their lane) or STRING_AGG (a merge loses the order).
bool partial_states_merge(const ast::Query& query);
// The syntax node behind `operand`, for its position (null for `*`).
const boost::spirit::x3::position_tagged* tagged_node(const ast::Operand& operand);

}  // namespace rbc::sql
