// Name resolution and type checking: turns the parsed query into bound expressions
// against the input Schema, collecting every error with the offset of its token.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "expr/expr.h"
#include "expr/parser.h"

namespace rbc::sql {

struct BoundQuery {
  std::vector<ExprPtr> projections;
  std::vector<std::string> names;
  ExprPtr where;  // null when there is no WHERE
};

// Binds `parsed` (parsed from `text`); on failure `errors` is not empty.
BoundQuery bind_query(std::string_view text, const ParsedQuery& parsed, const Schema& input,
                      std::vector<SqlError>& errors);

}  // namespace rbc::sql
