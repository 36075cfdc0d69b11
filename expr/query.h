// The `sql` transform's expression engine: compiles
//   SELECT <expressions> FROM input [WHERE <predicate>]
//     [GROUP BY <expressions>] [HAVING <predicate>] [EMIT FINAL|CHANGES] [LIMIT n]
// against an input Schema and evaluates it column-at-a-time over Batches: a plain query
// by evaluate(), one that keeps state (an aggregation, a LIMIT) by a QueryState per lane.
//
// Output column names: the alias (`expr AS name` or `expr name`); else, for a bare
// column reference, the column's name; else `col_N`, N being the 1-based position
// of the item in the select list (`SELECT id, amount * 2` gives `id`, `col_2`).
// `*` expands to every input column in order.
//
// Unquoted names are looked up exactly first and then case-insensitively (when that
// is unambiguous); "quoted" names only exactly.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "graph/batch.h"
#include "graph/physical_plan.h"
#include "graph/status.h"
#include "graph/types.h"

namespace rbc {

// A compile-time problem in a query; `offset` is the 0-based byte offset into the
// query text of the offending token.
struct SqlError {
  size_t offset = 0;
  std::string message;
  bool operator==(const SqlError&) const = default;
};

// Expressions nest at most this many levels: parentheses, NOT, signs, CASE, casts,
// function arguments, and one per operator of a chain like `a + b + c` (AND and OR
// chains excepted). Deeper is a located compile error, so that parsing, binding,
// evaluating and printing an expression never exhaust the stack.
inline constexpr size_t max_expression_depth = 256;
inline std::string too_deep_message() {
  return "expression nested deeper than " + std::to_string(max_expression_depth) + " levels";
}

// The largest value of a window's time column in microseconds since the epoch (an integer
// is epoch milliseconds, a date its midnight); none when every value is NULL.
std::optional<int64_t> max_event_time_us(const Column& times);

// Renders an error as `line:col: error: message`, the query line and a caret.
std::string format_sql_error(std::string_view query, const SqlError& error);

namespace sql {
struct Plan;
}

// A row that came after every window it belongs to had closed (or whose time is NULL).
struct LateRow {
  uint32_t row = 0;  // in the batch given to add()
  std::string reason;
};

// One lane's running state of a query that keeps state across batches: an aggregation
// (its groups) or a LIMIT (its count). Not thread-safe: a lane feeds it one batch at a time.
class QueryState {
 public:
  virtual ~QueryState() = default;
  // Takes a batch; returns the rows to emit now: EMIT CHANGES' updated groups, a LIMIT's
  // rows, the windows the watermark closed, nothing for EMIT FINAL without a window.
  // `progress` says where the batch was read, for the watermark.
  virtual Result<Batch> add(const Batch& input, const BatchProgress& progress) = 0;
  Result<Batch> add(const Batch& input) { return add(input, BatchProgress{}); }
  // The rows of the last add()'s batch that were late for their windows.
  virtual std::vector<LateRow> take_late_rows() { return {}; }
  // Windows holding groups now, and late rows so far.
  virtual size_t open_windows() const { return 0; }
  virtual uint64_t late_rows() const { return 0; }
  // Adds another lane's partial state of the same query (two-phase aggregation), group by
  // group: the groups of the part of the keys this lane owns (MergePart), which `other`
  // then no longer holds. Lanes may merge at once, each its own part.
  virtual Status merge(QueryState& other) = 0;
  // Every lane of a two-phase aggregation but the first joins the first before any batch,
  // so that the lanes may shuffle: when a lane's first rows make many groups, every lane
  // folds each row into the lane that owns its key's part from then on (aggregation.cpp).
  // lanes_note() says what was decided and why ("" before a decision, or without lanes).
  virtual void join(QueryState& /*first*/) {}
  virtual std::string lanes_note() const { return ""; }
  // Once the input has ended: EMIT FINAL's row per group (after HAVING and LIMIT) in the
  // order the groups first appeared (a two-phase lane: of its part), in batches of at most
  // 65,536 rows; nothing for the others.
  virtual Result<std::vector<Batch>> finish() = 0;
  virtual size_t groups() const = 0;
  virtual size_t state_bytes() const = 0;
};

// Which groups a lane of a two-phase aggregation emits. Each of `count` lanes keeps its
// groups in `count` parts by key hash; at the end, lane `own` gathers part `own` from every
// other lane (QueryState::merge) and emits it, the lanes in parallel, each touching only
// its part. One part: the lane keeps and emits all its groups.
struct MergePart {
  int count = 1;
  int own = 0;
};

// What the compiler plans an aggregation by, known from the query text alone (and exact
// once the input's schema is known).
struct QueryShape {
  bool aggregate = false;               // GROUP BY, HAVING or an aggregate function
  std::vector<std::string> group_keys;  // the GROUP BY expressions as written (GROUP BY 1: the item)
  bool emit_changes = false;
  std::optional<uint64_t> limit;
  // Partial states of two lanes can be merged (no DISTINCT aggregate, no STRING_AGG,
  // whose order a merge would not keep).
  bool mergeable = true;
  std::string window;       // the WINDOW clause as written ("TUMBLING(ts, 1m)"), "" for none
  std::string window_time;  // its time expression as written ("ts")
};

// A bound, type-checked query. Cheap to copy (shares its immutable plan), and safe to
// evaluate from several threads at once.
class CompiledQuery {
 public:
  explicit CompiledQuery(std::shared_ptr<const sql::Plan> plan);

  const Schema& output_schema() const;
  std::shared_ptr<const Schema> output_schema_ptr() const;
  // Only rows for which the WHERE predicate is TRUE are kept, then projected.
  // Runtime errors (division by zero, failed casts) name the expression.
  Result<Batch> evaluate(const Batch& input) const;
  // No state is carried between batches (no aggregation, no LIMIT), so batches may be
  // processed in parallel by evaluate(); otherwise each lane runs its own start().
  bool is_stateless() const;
  const QueryShape& shape() const;
  std::unique_ptr<QueryState> start(const WatermarkStep& watermark = {}, MergePart part = {}) const;
  // The bound query for plan printing: each item as `expr AS name:type`, implicit casts
  // shown, constants folded, e.g. `SELECT id AS id:int64, upper(name) AS name:text,
  // (amount * 1.2) AS gross:float64 FROM input WHERE (amount > 10)`.
  std::string to_string() const;

 private:
  std::shared_ptr<const sql::Plan> plan_;
};

using SqlCompileResult = std::variant<CompiledQuery, std::vector<SqlError>>;

// Parses, binds names and type-checks `query` against `input`. Never throws.
SqlCompileResult compile_sql(std::string_view query, const Schema& input);

// Only parses `query` (when its input's schema is not known): the first syntax error.
std::optional<SqlError> check_sql_syntax(std::string_view query);

// Only parses `query`: its shape (GROUP BY keys as written), or the first syntax error.
std::variant<QueryShape, SqlError> describe_query(std::string_view query);

}  // namespace rbc
