// Public declaration of the .rbc grammar (definition in grammar_def.h, compiled once in
// grammar.cpp), split in the manner of Spirit X3's rexpr_full example. The driver in
// parser.cpp parses the header, then one statement at a time, so that an error in one
// statement does not hide the errors of the next.
#pragma once

#include <boost/spirit/home/x3.hpp>

#include "dsl/lang/ast.h"

namespace rbc::lang {
namespace parser {
namespace x3 = boost::spirit::x3;
struct header_class;
struct statement_class;
using header_type = x3::rule<header_class, ast::Header>;
using statement_type = x3::rule<statement_class, ast::Statement>;
BOOST_SPIRIT_DECLARE(header_type, statement_type)
}  // namespace parser

// `pipeline NAME {`
parser::header_type const& header_grammar();
// One statement: `let NAME = chain`, a chain, or a `resources { }` / `state { }` section.
parser::statement_type const& statement_grammar();
}  // namespace rbc::lang
