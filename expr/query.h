// The `sql` transform's expression engine: compiles
//   SELECT <expressions> FROM input [WHERE <predicate>]
// against an input Schema and evaluates it column-at-a-time over Batches.
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

// Renders an error as `line:col: error: message`, the query line and a caret.
std::string format_sql_error(std::string_view query, const SqlError& error);

namespace sql {
struct Plan;
}

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
  // No state is carried between batches, so batches may be processed in parallel.
  bool is_stateless() const { return true; }
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

}  // namespace rbc
