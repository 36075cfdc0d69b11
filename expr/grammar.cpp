// The one instantiation of the query grammar: Spirit X3 compiles slowly, so no other
// file includes grammar_def.h.
#include "expr/grammar_def.h"

namespace rbc::sql::parser {
BOOST_SPIRIT_INSTANTIATE(query_type, iterator_type, context_type)
}  // namespace rbc::sql::parser

namespace rbc::sql {
parser::query_type const& query_grammar() { return parser::query; }
}  // namespace rbc::sql
