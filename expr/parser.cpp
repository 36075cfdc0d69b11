// Runs the X3 grammar with our error handler in its context, then bounds the depth of
// the tree it parsed (max_expression_depth in query.h).
#include "expr/parser.h"

#include "expr/grammar.h"

namespace rbc::sql {

namespace {

namespace x3 = boost::spirit::x3;

// The grammar bounds its own recursion (depth_limit); this walk bounds the depth of
// the tree the binder will build from the parse, where each operator of a chain such
// as `a + b + c`, and each `::type`, is one more level (AND and OR chains bind to one
// node). Top-down, so that the error names the outermost level that is too deep.
class DepthCheck {
 public:
  explicit DepthCheck(const parser::ErrorHandler& positions) : positions_(positions) {}
  const std::optional<SqlError>& error() const { return error_; }

  void operator()(const ast::Operand& operand, size_t depth) {
    if (error_) return;
    boost::apply_visitor([&](const auto& node) { visit(node, depth); }, operand);
  }
  void operator()(const ast::Chain& chain, size_t depth) { visit(chain, depth); }

 private:
  bool too_deep(const x3::position_tagged& node, size_t depth) {
    if (depth <= max_expression_depth) return false;
    if (!error_) error_ = SqlError{positions_.offset_of(node), too_deep_message()};
    return true;
  }
  template <typename T>
  void visit(const x3::forward_ast<T>& node, size_t depth) {
    visit(node.get(), depth);
  }
  void visit(const ast::Nil&, size_t) {}
  void visit(const ast::Star&, size_t) {}
  void visit(const ast::Literal&, size_t) {}
  void visit(const ast::Identifier&, size_t) {}
  void visit(const ast::Unary& n, size_t depth) {
    if (!too_deep(n, depth)) (*this)(n.operand, depth + 1);
  }
  void visit(const ast::Chain& n, size_t depth) {
    if (n.rest.empty()) return (*this)(n.first, depth);
    bool flat =
        n.rest.front().op == ast::BinaryOp::logical_and || n.rest.front().op == ast::BinaryOp::logical_or;
    if (flat) {
      if (too_deep(n, depth)) return;
      (*this)(n.first, depth + 1);
      for (const auto& operation : n.rest) (*this)(operation.operand, depth + 1);
      return;
    }
    // Left-deep: the last operator is the root, the first one is rest.size() levels down.
    for (size_t i = n.rest.size(); i-- > 0;) {
      size_t level = depth + (n.rest.size() - 1 - i);
      if (too_deep(n.rest[i], level)) return;
      (*this)(n.rest[i].operand, level + 1);
    }
    (*this)(n.first, depth + n.rest.size());
  }
  void visit(const ast::Predicate& n, size_t depth) {
    if (!n.suffix) return (*this)(n.left, depth);
    if (too_deep(n, depth)) return;
    (*this)(n.left, depth + 1);
    (*this)(n.suffix->first, depth + 1);
    for (const auto& operand : n.suffix->rest) (*this)(operand, depth + 1);
  }
  void visit(const ast::PostfixCast& n, size_t depth) {
    if (n.types.empty()) return (*this)(n.value, depth);
    if (too_deep(n, depth + n.types.size() - 1)) return;
    (*this)(n.value, depth + n.types.size());
  }
  void visit(const ast::FunctionCall& n, size_t depth) {
    if (too_deep(n, depth)) return;
    for (const auto& argument : n.args) (*this)(argument, depth + 1);
  }
  void visit(const ast::CaseExpr& n, size_t depth) {
    if (too_deep(n, depth)) return;
    if (n.subject) (*this)(*n.subject, depth + 1);
    for (const auto& when : n.whens) {
      (*this)(when.condition, depth + 1);
      (*this)(when.result, depth + 1);
    }
    if (n.otherwise) (*this)(*n.otherwise, depth + 1);
  }
  void visit(const ast::CastExpr& n, size_t depth) {
    if (!too_deep(n, depth)) (*this)(n.value, depth + 1);
  }
  void visit(const ast::ExtractExpr& n, size_t depth) {
    if (!too_deep(n, depth)) (*this)(n.value, depth + 1);
  }
  void visit(const ast::KeywordCall& n, size_t depth) {
    if (too_deep(n, depth)) return;
    for (const auto& argument : n.args) (*this)(argument, depth + 1);
  }

  const parser::ErrorHandler& positions_;
  std::optional<SqlError> error_;
};

std::optional<SqlError> check_depth(const ParsedQuery& parsed) {
  DepthCheck check(*parsed.positions);
  const ast::Query& query = parsed.query;
  for (const auto& item : query.items) check(item.value, 1);
  if (query.where) check(*query.where, 1);
  for (const auto& key : query.group_by) check(key, 1);
  if (query.window) check(query.window->time, 1);
  if (query.having) check(*query.having, 1);
  return check.error();
}

}  // namespace

std::variant<ParsedQuery, SqlError> parse_query(std::string_view text) {
  namespace x3 = boost::spirit::x3;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  ParsedQuery parsed;
  parsed.positions = std::make_unique<parser::ErrorHandler>(first, last);
  auto const grammar = x3::with<x3::error_handler_tag>(std::ref(*parsed.positions))[query_grammar()];
  bool ok = false;
  try {
    ok = x3::phrase_parse(first, last, grammar, parser::skipper, parsed.query);
  } catch (const std::exception& e) {
    // Expectation failures are handled by the grammar's on_error; anything else is a bug.
    return SqlError{0, std::string("internal parser error: ") + e.what()};
  }
  if (parsed.positions->too_deep()) return *parsed.positions->too_deep();
  if (ok) {
    if (auto error = check_depth(parsed)) return *error;
    return parsed;
  }
  if (parsed.positions->error()) return *parsed.positions->error();
  size_t offset = text.find_first_not_of(" \t\r\n");
  if (offset == std::string_view::npos) return SqlError{text.size(), "expected SELECT"};
  return SqlError{offset, "expected SELECT"};
}

}  // namespace rbc::sql
