// Turns query text into an AST plus the position cache the binder needs for offsets.
#pragma once

#include <memory>
#include <string_view>
#include <variant>

#include "expr/ast.h"
#include "expr/grammar_config.h"
#include "expr/query.h"

namespace rbc::sql {

struct ParsedQuery {
  ast::Query query;
  std::unique_ptr<parser::ErrorHandler> positions;  // owns the offsets of query's nodes
};

// The parsed query, or the first syntax error ("expected FROM") at its offset.
std::variant<ParsedQuery, SqlError> parse_query(std::string_view text);

}  // namespace rbc::sql
