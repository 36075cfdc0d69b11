// Parser configuration shared by the grammar's instantiation file and the parser
// driver: iterator, skipper (whitespace and `#` comments) and context types, and the
// error handler that records positions (for annotate_on_success) and the first
// syntax error of a statement.
#pragma once

#include <boost/spirit/home/x3.hpp>
#include <boost/spirit/home/x3/support/ast/position_tagged.hpp>
#include <boost/spirit/home/x3/support/utility/error_reporting.hpp>
#include <optional>
#include <string>
#include <vector>

namespace rbc::lang::parser {

namespace x3 = boost::spirit::x3;

using iterator_type = const char*;

struct SyntaxError {
  size_t offset = 0;
  std::string message;
  std::string hint;
};

// Skips blanks and `#` comments from `where`.
iterator_type skip_blanks(iterator_type where, iterator_type last);

class ErrorHandler {
 public:
  ErrorHandler(iterator_type first, iterator_type last)
      : first_(first), last_(last), positions_(first, last) {}

  template <typename Node>
  void tag(Node& node, iterator_type first, iterator_type last) {
    positions_.annotate(node, first, last);
  }
  bool tagged(const x3::position_tagged& node) const { return node.id_first >= 0; }
  size_t offset_of(const x3::position_tagged& node) const {
    return tagged(node) ? static_cast<size_t>(positions_.position_of(node).begin() - first_) : 0;
  }
  size_t end_of(const x3::position_tagged& node) const {
    return tagged(node) ? static_cast<size_t>(positions_.position_of(node).end() - first_) : 0;
  }

  // Records a syntax error at `where` (after blanks, so that it names the offending
  // token); only the first one since clear() is kept.
  void fail(iterator_type where, std::string message, std::string hint = {});
  // An expectation inside a bracketed rule failed. `rule_start` is where the rule began
  // (its opening bracket, after blanks); when the closing bracket was what was missing,
  // the message names the opening: "expected ')' to close 'stream(' opened at 3:14".
  void fail_in_brackets(iterator_type rule_start, iterator_type where, const std::string& which);
  // A string rule failed for another reason than a bad escape: it was not closed.
  void fail_string(iterator_type rule_start);

  const std::optional<SyntaxError>& error() const { return error_; }
  void clear() { error_.reset(); }
  // "3:14" for an offset.
  std::string line_column(iterator_type where) const;

 private:
  iterator_type first_;
  iterator_type last_;
  x3::position_cache<std::vector<iterator_type>> positions_;
  std::optional<SyntaxError> error_;
};

// The skipper: whitespace, and comments from `#` to the end of the line.
inline const auto skipper = x3::ascii::space | (x3::lit('#') >> *(x3::char_ - x3::eol));
using skipper_type = std::remove_const_t<decltype(skipper)>;
using phrase_context_type = x3::phrase_parse_context<skipper_type>::type;
using context_type =
    x3::context<x3::error_handler_tag, std::reference_wrapper<ErrorHandler>, phrase_context_type>;

}  // namespace rbc::lang::parser
