// Parser configuration shared by the grammar's instantiation file and its caller:
// the iterator, skipper and context types, and the error handler that records
// positions (for annotate_on_success) and the first syntax error.
#pragma once

#include <boost/spirit/home/x3.hpp>
#include <boost/spirit/home/x3/support/ast/position_tagged.hpp>
#include <boost/spirit/home/x3/support/utility/error_reporting.hpp>
#include <optional>
#include <string>
#include <vector>

#include "expr/query.h"

namespace rbc::sql::parser {

namespace x3 = boost::spirit::x3;

using iterator_type = const char*;

// X3's own error_handler prints to a stream; we need the error as a value with a
// 0-based offset, so this one keeps the position cache and the first error.
class ErrorHandler {
 public:
  ErrorHandler(iterator_type first, iterator_type last)
      : first_(first), last_(last), positions_(first, last) {}

  // Called by x3::annotate_on_success for every tagged node.
  template <typename Node>
  void tag(Node& node, iterator_type first, iterator_type last) {
    positions_.annotate(node, first, last);
  }

  // Offset of the first character of `node`, 0 when the node was never tagged.
  size_t offset_of(const x3::position_tagged& node) const {
    if (node.id_first < 0) return 0;
    return static_cast<size_t>(positions_.position_of(node).begin() - first_);
  }
  size_t end_of(const x3::position_tagged& node) const {
    if (node.id_last < 0) return 0;
    return static_cast<size_t>(positions_.position_of(node).end() - first_);
  }

  // Records a syntax error at `where` (after any whitespace, so that the offset
  // names the offending token); only the first one is kept.
  void fail(iterator_type where, std::string message) {
    while (where != last_ && (*where == ' ' || *where == '\t' || *where == '\n' || *where == '\r')) ++where;
    if (!error_) error_ = SqlError{static_cast<size_t>(where - first_), std::move(message)};
  }
  const std::optional<SqlError>& error() const { return error_; }

 private:
  iterator_type first_;
  iterator_type last_;
  x3::position_cache<std::vector<iterator_type>> positions_;
  std::optional<SqlError> error_;
};

using skipper_type = x3::ascii::space_type;
using phrase_context_type = x3::phrase_parse_context<skipper_type>::type;
using context_type =
    x3::context<x3::error_handler_tag, std::reference_wrapper<ErrorHandler>, phrase_context_type>;

}  // namespace rbc::sql::parser
