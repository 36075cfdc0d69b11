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

  // The grammar's recursive rules enter and leave a level here (depth_limit in
  // grammar_def.h); entering one level too many records the error and refuses. That
  // error stands even where the grammar backtracks and then succeeds.
  bool enter_level(iterator_type where) {
    if (++depth_ <= max_expression_depth) return true;
    while (where != last_ && (*where == ' ' || *where == '\t' || *where == '\n' || *where == '\r')) ++where;
    if (!too_deep_) too_deep_ = SqlError{static_cast<size_t>(where - first_), too_deep_message()};
    return false;
  }
  void leave_level() { --depth_; }
  const std::optional<SqlError>& too_deep() const { return too_deep_; }

  // Where a keyword call (POSITION, TRIM) did not parse: it is not tried there again.
  bool failed_before(iterator_type where) const {
    size_t at = static_cast<size_t>(where - first_);
    return at < failed_.size() && failed_[at];
  }
  void failed_at(iterator_type where) {
    size_t at = static_cast<size_t>(where - first_);
    if (failed_.size() <= at) failed_.resize(static_cast<size_t>(last_ - first_) + 1);
    failed_[at] = true;
  }

 private:
  iterator_type first_;
  iterator_type last_;
  x3::position_cache<std::vector<iterator_type>> positions_;
  std::optional<SqlError> error_;
  size_t depth_ = 0;
  std::optional<SqlError> too_deep_;
  std::vector<bool> failed_;
};

// Between tokens: whitespace, and `-- comments` to the end of the line, as in PostgreSQL.
inline const auto skipper = x3::ascii::space | (x3::lit("--") >> *(x3::char_ - x3::eol));
using skipper_type = std::remove_cv_t<decltype(skipper)>;
using phrase_context_type = x3::phrase_parse_context<skipper_type>::type;
using context_type =
    x3::context<x3::error_handler_tag, std::reference_wrapper<ErrorHandler>, phrase_context_type>;

}  // namespace rbc::sql::parser
