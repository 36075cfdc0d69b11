// Syntax tree of a `sql` transform query, as produced by the X3 grammar.
// Every node that can be the subject of an error derives from x3::position_tagged so
// that the binder can point at the exact offset of the offending token.
#pragma once

#include <boost/fusion/include/adapt_struct.hpp>
#include <boost/optional.hpp>
#include <boost/spirit/home/x3/support/ast/position_tagged.hpp>
#include <boost/spirit/home/x3/support/ast/variant.hpp>
#include <string>
#include <vector>

namespace rbc::sql::ast {

namespace x3 = boost::spirit::x3;

struct Nil {};
struct Star {};  // `*` in a select list

enum class LiteralKind { number, string, boolean_true, boolean_false, null };

// Numbers keep their spelling; the binder decides int32/int64/decimal/float64 from it.
struct Literal : x3::position_tagged {
  LiteralKind kind = LiteralKind::null;
  std::string text;
};

struct Identifier : x3::position_tagged {
  std::string name;
  bool quoted = false;  // "quoted" identifiers match case-sensitively only
};

// `decimal(12,2)` is name "decimal" with params {12, 2}.
struct TypeName : x3::position_tagged {
  std::string name;
  std::vector<unsigned> params;
};

enum class UnaryOp { negate, plus, logical_not };
enum class BinaryOp { logical_or, logical_and, concat, add, subtract, multiply, divide, modulo };
enum class SuffixKind {
  equal,
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
  is_null,
  in_list,
  between,
  like,
  regex_match,        // ~
  regex_match_ci,     // ~*
  regex_not_match,    // !~
  regex_not_match_ci  // !~*
};

struct Unary;
struct Chain;
struct Predicate;
struct PostfixCast;
struct FunctionCall;
struct CaseExpr;
struct CastExpr;
struct ExtractExpr;
struct KeywordCall;

struct Operand
    : x3::variant<Nil, Star, Literal, Identifier, x3::forward_ast<Unary>, x3::forward_ast<Chain>,
                  x3::forward_ast<Predicate>, x3::forward_ast<PostfixCast>, x3::forward_ast<FunctionCall>,
                  x3::forward_ast<CaseExpr>, x3::forward_ast<CastExpr>, x3::forward_ast<ExtractExpr>,
                  x3::forward_ast<KeywordCall>> {
  using base_type::base_type;
  using base_type::operator=;
};

struct Unary : x3::position_tagged {
  UnaryOp op = UnaryOp::plus;
  Operand operand;
};

// One `op operand` step of a left-associative chain; tagged with the operator's position.
struct Operation : x3::position_tagged {
  BinaryOp op = BinaryOp::add;
  Operand operand;
};

// `first op operand op operand ...`, one precedence level; `rest` is empty when the
// level has no operator (the binder then just looks through it).
struct Chain : x3::position_tagged {
  Operand first;
  std::vector<Operation> rest;
};

// What may follow an operand at the comparison level: `= x`, `IS [NOT] NULL`,
// `[NOT] IN (first, rest...)`, `[NOT] BETWEEN first AND rest[0]`, `[NOT] LIKE first`.
struct Suffix : x3::position_tagged {
  bool negated = false;
  SuffixKind kind = SuffixKind::equal;
  Operand first;
  std::vector<Operand> rest;
};

struct Predicate : x3::position_tagged {
  Operand left;
  boost::optional<Suffix> suffix;
};

// `value::type::type ...`
struct PostfixCast : x3::position_tagged {
  Operand value;
  std::vector<TypeName> types;
};

// `name([DISTINCT] args)`; an argument may be `*` (COUNT(*)).
struct FunctionCall : x3::position_tagged {
  Identifier name;
  bool distinct = false;
  std::vector<Operand> args;
};

struct WhenClause : x3::position_tagged {
  Operand condition;
  Operand result;
};

struct CaseExpr : x3::position_tagged {
  boost::optional<Chain> subject;  // CASE subject WHEN value ... (simple form)
  std::vector<WhenClause> whens;
  boost::optional<Chain> otherwise;
};

struct CastExpr : x3::position_tagged {
  Operand value;
  TypeName type;
};

struct ExtractExpr : x3::position_tagged {
  Identifier field;
  Operand value;
};

// SQL's keyword forms of calls of the function table: POSITION(sub IN s) is
// strpos(s, sub), TRIM([BOTH|LEADING|TRAILING] [chars] FROM s) is btrim/ltrim/rtrim(s,
// chars), CURRENT_TIMESTAMP is now(). `args` are in the order written, which is the
// reverse of the function's.
struct KeywordCall : x3::position_tagged {
  std::string display;   // for messages: POSITION, TRIM, CURRENT_TIMESTAMP
  std::string function;  // the table's name
  std::vector<Operand> args;
};

struct SelectItem : x3::position_tagged {
  Operand value;
  boost::optional<Identifier> alias;
};

enum class EmitMode { final_rows, changes };

struct EmitClause : x3::position_tagged {
  EmitMode mode = EmitMode::final_rows;
};

struct LimitClause : x3::position_tagged {
  unsigned long long count = 0;
};

// `INTERVAL '1' MINUTE`, `INTERVAL '90 seconds'` or `30s`: the amount and the unit as
// written (the unit may be part of the amount's string); the binder reads them.
struct Duration : x3::position_tagged {
  std::string amount;
  std::string unit;
};

// `WINDOW TUMBLING(ts, 1m)`, `WINDOW HOPPING(ts, 10m, 1m)`, `WINDOW SESSION(ts, 30m)`.
struct WindowClause : x3::position_tagged {
  Identifier kind;
  Chain time;
  std::vector<Duration> durations;
};

struct Query : x3::position_tagged {
  std::vector<SelectItem> items;
  Identifier table;
  boost::optional<Chain> where;
  std::vector<Chain> group_by;  // empty: no GROUP BY
  boost::optional<WindowClause> window;
  boost::optional<Chain> having;
  boost::optional<EmitClause> emit;
  boost::optional<LimitClause> limit;
};

}  // namespace rbc::sql::ast

BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::Literal, kind, text)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::Identifier, name, quoted)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::TypeName, name, params)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::Unary, op, operand)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::Operation, op, operand)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::Chain, first, rest)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::Suffix, negated, kind, first, rest)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::Predicate, left, suffix)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::PostfixCast, value, types)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::FunctionCall, name, distinct, args)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::WhenClause, condition, result)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::CaseExpr, subject, whens, otherwise)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::CastExpr, value, type)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::ExtractExpr, field, value)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::KeywordCall, display, function, args)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::SelectItem, value, alias)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::EmitClause, mode)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::LimitClause, count)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::Duration, amount, unit)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::WindowClause, kind, time, durations)
BOOST_FUSION_ADAPT_STRUCT(rbc::sql::ast::Query, items, table, where, group_by, window, having, emit, limit)
