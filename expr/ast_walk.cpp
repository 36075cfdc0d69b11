// Walks over the syntax tree that need no binding: whether a query aggregates and whether
// its aggregates' partial states merge (binder.h declares them; the planner's QueryShape
// uses them before the input's schema is known).
#include "expr/binder.h"

namespace rbc::sql {

namespace x3 = boost::spirit::x3;

namespace {

struct AggregateFinder {
  bool found = false;
  bool unmergeable = false;  // DISTINCT or STRING_AGG
  void operator()(const ast::Nil&) {}
  void operator()(const ast::Star&) {}
  void operator()(const ast::Literal&) {}
  void operator()(const ast::Identifier&) {}
  void operator()(const ast::Operand& o) { boost::apply_visitor(*this, o); }
  template <typename T>
  void operator()(const x3::forward_ast<T>& node) {
    (*this)(node.get());
  }
  void operator()(const ast::Unary& n) { (*this)(n.operand); }
  void operator()(const ast::Chain& n) {
    (*this)(n.first);
    for (const auto& op : n.rest) (*this)(op.operand);
  }
  void operator()(const ast::Predicate& n) {
    (*this)(n.left);
    if (!n.suffix) return;
    (*this)(n.suffix->first);
    for (const auto& o : n.suffix->rest) (*this)(o);
  }
  void operator()(const ast::PostfixCast& n) { (*this)(n.value); }
  void operator()(const ast::FunctionCall& n) {
    if (const AggregateFunction* f = find_aggregate_function(n.name.name)) {
      found = true;
      unmergeable = unmergeable || n.distinct || f->name == "string_agg";
    }
    for (const auto& a : n.args) (*this)(a);
  }
  void operator()(const ast::CaseExpr& n) {
    if (n.subject) (*this)(*n.subject);
    for (const auto& w : n.whens) {
      (*this)(w.condition);
      (*this)(w.result);
    }
    if (n.otherwise) (*this)(*n.otherwise);
  }
  void operator()(const ast::CastExpr& n) { (*this)(n.value); }
  void operator()(const ast::ExtractExpr& n) { (*this)(n.value); }
  void operator()(const ast::KeywordCall& n) {
    for (const auto& a : n.args) (*this)(a);
  }
};

}  // namespace

bool contains_aggregate(const ast::Operand& operand) {
  AggregateFinder finder;
  finder(operand);
  return finder.found;
}

bool contains_aggregate(const ast::Chain& chain) {
  AggregateFinder finder;
  finder(chain);
  return finder.found;
}

bool partial_states_merge(const ast::Query& query) {
  AggregateFinder finder;
  for (const auto& item : query.items) finder(item.value);
  if (query.having) finder(*query.having);
  return !finder.unmergeable;
}

const x3::position_tagged* tagged_node(const ast::Operand& operand) {
  const x3::position_tagged* node = nullptr;
  boost::apply_visitor(
      [&](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, ast::Nil> || std::is_same_v<T, ast::Star>) {
        } else if constexpr (std::is_base_of_v<x3::position_tagged, T>) {
          node = &n;
        } else {
          node = &n.get();
        }
      },
      operand);
  return node;
}

}  // namespace rbc::sql
