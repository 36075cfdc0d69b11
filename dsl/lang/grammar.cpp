// The one instantiation of the .rbc grammar: Spirit X3 compiles slowly, so no other
// file includes grammar_def.h.
#include "dsl/lang/grammar_def.h"

namespace rbc::lang::parser {
BOOST_SPIRIT_INSTANTIATE(header_type, iterator_type, context_type)
BOOST_SPIRIT_INSTANTIATE(statement_type, iterator_type, context_type)
}  // namespace rbc::lang::parser

namespace rbc::lang {
parser::header_type const& header_grammar() { return parser::header; }
parser::statement_type const& statement_grammar() { return parser::statement; }
}  // namespace rbc::lang
