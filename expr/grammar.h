// Public declaration of the query grammar (definition in grammar_def.h, compiled
// once in grammar.cpp), split in the manner of Spirit X3's rexpr_full example.
#pragma once

#include <boost/spirit/home/x3.hpp>

#include "expr/ast.h"

namespace rbc::sql {
namespace parser {
namespace x3 = boost::spirit::x3;
struct query_class;
using query_type = x3::rule<query_class, ast::Query>;
BOOST_SPIRIT_DECLARE(query_type)
}  // namespace parser

// The start rule: `SELECT ... FROM ... [WHERE ...]` followed by the end of input.
parser::query_type const& query_grammar();
}  // namespace rbc::sql
