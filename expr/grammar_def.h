// Definition of the query grammar. Included only by grammar.cpp, which instantiates
// it once for the iterator and context of grammar_config.h.
//
// Precedence, loosest first (PostgreSQL's order): OR, AND, NOT, comparison /
// IS / IN / BETWEEN / LIKE (non-associative), ||, + -, * / %, unary + -, ::, primary.
// `>` marks the points where a parse is committed: after them a mismatch is a
// syntax error ("expected FROM") rather than a backtrack.
#pragma once

#include <boost/spirit/home/x3.hpp>
#include <boost/spirit/home/x3/support/utility/annotate_on_success.hpp>

#include "expr/ast.h"
#include "expr/grammar.h"
#include "expr/grammar_config.h"

namespace rbc::sql::parser {

namespace x3 = boost::spirit::x3;
// ASCII classes: x3's standard alnum/alpha/digit hand a non-ASCII byte (a negative
// char) to <cctype>, which is undefined; the ascii ones reject it first.
using x3::attr;
using x3::char_;
using x3::lexeme;
using x3::lit;
using x3::matches;
using x3::no_case;
using x3::raw;
using x3::uint_;
using x3::ascii::alnum;
using x3::ascii::alpha;
using x3::ascii::digit;

// Reports the failed expectation of any rule below as "expected <rule name>".
struct ErrorReporting {
  template <typename Iterator, typename Exception, typename Context>
  x3::error_handler_result on_error(Iterator&, Iterator const&, Exception const& failure,
                                    Context const& context) {
    auto& handler = x3::get<x3::error_handler_tag>(context).get();
    handler.fail(failure.where(), "expected " + failure.which());
    return x3::error_handler_result::fail;
  }
};

struct query_class : x3::annotate_on_success, ErrorReporting {};

// depth_limit[p]: one level of the grammar's recursion. Each cycle of rules passes
// through one of them, so hostile nesting ends in a located error, not a stack overflow.
// It wraps what follows a committed token (`(`, NOT, a sign), never a mere attempt.
template <typename Subject>
struct depth_limit_directive : x3::unary_parser<Subject, depth_limit_directive<Subject>> {
  using base_type = x3::unary_parser<Subject, depth_limit_directive<Subject>>;
  static bool const is_pass_through_unary = true;
  static bool const handles_container = Subject::handles_container;
  constexpr depth_limit_directive(Subject const& subject) : base_type(subject) {}

  template <typename Iterator, typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, Iterator const& last, Context const& context, RContext& rcontext,
             Attribute& attribute) const {
    auto& handler = x3::get<x3::error_handler_tag>(context).get();
    if (!handler.enter_level(first)) return false;
    bool ok = false;
    try {
      ok = this->subject.parse(first, last, context, rcontext, attribute);
    } catch (...) {
      handler.leave_level();
      throw;
    }
    handler.leave_level();
    return ok;
  }
};
struct depth_limit_gen {
  template <typename Subject>
  constexpr depth_limit_directive<typename x3::extension::as_parser<Subject>::value_type> operator[](
      Subject const& subject) const {
    return {x3::as_parser(subject)};
  }
};
constexpr depth_limit_gen depth_limit{};

// remember_failure[p]: p is not tried again where it failed. A keyword call that turns
// out to be a plain call (TRIM(x), POSITION(...) without IN) is parsed again as one, so
// without this, nested ones would take time exponential in their depth.
template <typename Subject>
struct remember_failure_directive : x3::unary_parser<Subject, remember_failure_directive<Subject>> {
  using base_type = x3::unary_parser<Subject, remember_failure_directive<Subject>>;
  static bool const is_pass_through_unary = true;
  static bool const handles_container = Subject::handles_container;
  constexpr remember_failure_directive(Subject const& subject) : base_type(subject) {}

  template <typename Iterator, typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, Iterator const& last, Context const& context, RContext& rcontext,
             Attribute& attribute) const {
    auto& handler = x3::get<x3::error_handler_tag>(context).get();
    if (handler.failed_before(first)) return false;
    Iterator start = first;
    if (this->subject.parse(first, last, context, rcontext, attribute)) return true;
    handler.failed_at(start);
    return false;
  }
};
struct remember_failure_gen {
  template <typename Subject>
  constexpr remember_failure_directive<typename x3::extension::as_parser<Subject>::value_type> operator[](
      Subject const& subject) const {
    return {x3::as_parser(subject)};
  }
};
constexpr remember_failure_gen remember_failure{};

// ---- tokens -------------------------------------------------------------------

inline auto keyword(char const* word) { return lexeme[no_case[lit(word)] >> !(alnum | '_')]; }

// Named so that expectation failures read "expected FROM" rather than a parser dump.
#define RBC_SQL_KEYWORD(name, text, spelling) \
  auto const name = x3::rule<class name##_class>{text} = keyword(spelling);
RBC_SQL_KEYWORD(kw_select, "SELECT", "select")
RBC_SQL_KEYWORD(kw_from, "FROM", "from")
RBC_SQL_KEYWORD(kw_where, "WHERE", "where")
RBC_SQL_KEYWORD(kw_and, "AND", "and")
RBC_SQL_KEYWORD(kw_or, "OR", "or")
RBC_SQL_KEYWORD(kw_not, "NOT", "not")
RBC_SQL_KEYWORD(kw_is, "IS", "is")
RBC_SQL_KEYWORD(kw_null, "NULL", "null")
RBC_SQL_KEYWORD(kw_in, "IN", "in")
RBC_SQL_KEYWORD(kw_between, "BETWEEN", "between")
RBC_SQL_KEYWORD(kw_like, "LIKE", "like")
RBC_SQL_KEYWORD(kw_case, "CASE", "case")
RBC_SQL_KEYWORD(kw_when, "WHEN", "when")
RBC_SQL_KEYWORD(kw_then, "THEN", "then")
RBC_SQL_KEYWORD(kw_else, "ELSE", "else")
RBC_SQL_KEYWORD(kw_end, "END", "end")
RBC_SQL_KEYWORD(kw_as, "AS", "as")
RBC_SQL_KEYWORD(kw_cast, "CAST", "cast")
RBC_SQL_KEYWORD(kw_true, "TRUE", "true")
RBC_SQL_KEYWORD(kw_false, "FALSE", "false")
RBC_SQL_KEYWORD(kw_extract, "EXTRACT", "extract")
RBC_SQL_KEYWORD(kw_precision, "PRECISION", "precision")
RBC_SQL_KEYWORD(kw_group, "GROUP", "group")
RBC_SQL_KEYWORD(kw_by, "BY", "by")
RBC_SQL_KEYWORD(kw_having, "HAVING", "having")
RBC_SQL_KEYWORD(kw_emit, "EMIT", "emit")
RBC_SQL_KEYWORD(kw_limit, "LIMIT", "limit")
RBC_SQL_KEYWORD(kw_window, "WINDOW", "window")
RBC_SQL_KEYWORD(kw_interval, "INTERVAL", "interval")
RBC_SQL_KEYWORD(kw_distinct, "DISTINCT", "distinct")
RBC_SQL_KEYWORD(kw_position, "POSITION", "position")
RBC_SQL_KEYWORD(kw_trim, "TRIM", "trim")
RBC_SQL_KEYWORD(kw_current_timestamp, "CURRENT_TIMESTAMP", "current_timestamp")
#undef RBC_SQL_KEYWORD

// Words that cannot be unquoted column names or aliases.
struct ReservedWords : x3::symbols<> {
  ReservedWords() {
    add("select")("from")("where")("and")("or")("not")("is")("null")("in")("between")("like")("case")("when")(
        "then")("else")("end")("as")("cast")("true")("false")("extract");
  }
} const reserved_words;
auto const reserved = lexeme[no_case[reserved_words] >> !(alnum | '_')];

auto const closing_quote = x3::rule<class closing_quote_class>{"closing quote"} = lit('\'');
auto const closing_double_quote = x3::rule<class closing_double_quote_class>{"closing double quote"} =
    lit('"');
auto const closing_paren = x3::rule<class closing_paren_class>{"')'"} = lit(')');
auto const opening_paren = x3::rule<class opening_paren_class>{"'('"} = lit('(');
auto const end_of_query = x3::rule<class end_of_query_class>{"end of query"} = x3::eoi;

auto const plain_name = x3::rule<class plain_name_class, std::string>{"identifier"} =
    lexeme[(alpha | char_('_')) >> *(alnum | char_('_'))] - reserved;
auto const quoted_name = x3::rule<class quoted_name_class, std::string>{"identifier"} =
    lexeme['"' >> *((lit("\"\"") >> attr('"')) | ~char_('"')) > closing_double_quote];
auto const number_text = x3::rule<class number_text_class, std::string>{"number"} =
    raw[lexeme[((+digit >> -('.' >> *digit)) | ('.' >> +digit)) >>
               -(no_case['e'] >> -char_("+-") >> +digit)]];
auto const string_text = x3::rule<class string_text_class, std::string>{"string"} =
    lexeme['\'' >> *((lit("''") >> attr('\'')) | ~char_('\'')) > closing_quote];
auto const type_word = x3::rule<class type_word_class, std::string>{"type name"} =
    lexeme[alpha >> *(alnum | char_('_'))] >> -kw_precision;

struct ComparisonOps : x3::symbols<ast::SuffixKind> {
  ComparisonOps() {
    add("=", ast::SuffixKind::equal)("<>", ast::SuffixKind::not_equal)("!=", ast::SuffixKind::not_equal)(
        "<", ast::SuffixKind::less)("<=", ast::SuffixKind::less_equal)(">", ast::SuffixKind::greater)(
        ">=", ast::SuffixKind::greater_equal)("~", ast::SuffixKind::regex_match)(
        "~*", ast::SuffixKind::regex_match_ci)("!~", ast::SuffixKind::regex_not_match)(
        "!~*", ast::SuffixKind::regex_not_match_ci);
  }
} const comparison_op;
// TRIM's side, as the function that trims it.
struct TrimSides : x3::symbols<std::string> {
  TrimSides() { add("both", "btrim")("leading", "ltrim")("trailing", "rtrim"); }
} const trim_sides;
auto const trim_side = x3::rule<class trim_side_class, std::string>{"TRIM side"} =
    lexeme[no_case[trim_sides] >> !(alnum | '_')] | attr(std::string("btrim"));
struct AdditiveOps : x3::symbols<ast::BinaryOp> {
  AdditiveOps() { add("+", ast::BinaryOp::add)("-", ast::BinaryOp::subtract); }
} const additive_op;
struct MultiplicativeOps : x3::symbols<ast::BinaryOp> {
  MultiplicativeOps() {
    add("*", ast::BinaryOp::multiply)("/", ast::BinaryOp::divide)("%", ast::BinaryOp::modulo);
  }
} const multiplicative_op;
struct EmitModes : x3::symbols<ast::EmitMode> {
  EmitModes() { add("final", ast::EmitMode::final_rows)("changes", ast::EmitMode::changes); }
} const emit_modes;
auto const emit_mode = x3::rule<class emit_mode_class, ast::EmitMode>{"FINAL or CHANGES"} =
    lexeme[no_case[emit_modes] >> !(alnum | '_')];
auto const row_count = x3::rule<class row_count_class, unsigned long long>{"row count"} = x3::ulong_long;
auto const unit_word = x3::rule<class unit_word_class, std::string>{"time unit"} =
    lexeme[+alpha >> !(alnum | '_')];
auto const duration_amount = x3::rule<class duration_amount_class, std::string>{"duration"} = lexeme[+digit];

struct SignOps : x3::symbols<ast::UnaryOp> {
  SignOps() { add("-", ast::UnaryOp::negate)("+", ast::UnaryOp::plus); }
} const sign_op;

// ---- rules ------------------------------------------------------------------------

// Every rule whose node carries a position has an ID deriving from annotate_on_success.
#define RBC_SQL_RULE(name, type, text)              \
  struct name##_class : x3::annotate_on_success {}; \
  x3::rule<name##_class, type> const name = text;
RBC_SQL_RULE(identifier, ast::Identifier, "identifier")
RBC_SQL_RULE(type_name, ast::TypeName, "type name")
RBC_SQL_RULE(literal, ast::Literal, "literal")
RBC_SQL_RULE(expression, ast::Chain, "expression")
RBC_SQL_RULE(or_operation, ast::Operation, "expression")
RBC_SQL_RULE(and_expr, ast::Chain, "expression")
RBC_SQL_RULE(and_operation, ast::Operation, "expression")
RBC_SQL_RULE(not_expr, ast::Operand, "expression")
RBC_SQL_RULE(logical_not, ast::Unary, "expression")
RBC_SQL_RULE(predicate, ast::Predicate, "expression")
RBC_SQL_RULE(suffix, ast::Suffix, "expression")
RBC_SQL_RULE(comparison_suffix, ast::Suffix, "comparison")
RBC_SQL_RULE(is_suffix, ast::Suffix, "IS")
RBC_SQL_RULE(in_suffix, ast::Suffix, "IN")
RBC_SQL_RULE(between_suffix, ast::Suffix, "BETWEEN")
RBC_SQL_RULE(like_suffix, ast::Suffix, "LIKE")
RBC_SQL_RULE(concat_expr, ast::Chain, "expression")
RBC_SQL_RULE(concat_operation, ast::Operation, "expression")
RBC_SQL_RULE(additive_expr, ast::Chain, "expression")
RBC_SQL_RULE(additive_operation, ast::Operation, "expression")
RBC_SQL_RULE(multiplicative_expr, ast::Chain, "expression")
RBC_SQL_RULE(multiplicative_operation, ast::Operation, "expression")
RBC_SQL_RULE(unary_expr, ast::Operand, "expression")
RBC_SQL_RULE(sign, ast::Unary, "expression")
RBC_SQL_RULE(postfix_expr, ast::PostfixCast, "expression")
RBC_SQL_RULE(primary, ast::Operand, "expression")
RBC_SQL_RULE(function_call, ast::FunctionCall, "function call")
RBC_SQL_RULE(when_clause, ast::WhenClause, "WHEN")
RBC_SQL_RULE(case_expr, ast::CaseExpr, "CASE")
RBC_SQL_RULE(cast_expr, ast::CastExpr, "CAST")
RBC_SQL_RULE(extract_expr, ast::ExtractExpr, "EXTRACT")
RBC_SQL_RULE(keyword_call, ast::KeywordCall, "expression")
RBC_SQL_RULE(position_call, ast::KeywordCall, "POSITION")
RBC_SQL_RULE(trim_call, ast::KeywordCall, "TRIM")
RBC_SQL_RULE(current_timestamp_call, ast::KeywordCall, "CURRENT_TIMESTAMP")
RBC_SQL_RULE(position_args, std::vector<ast::Operand>, "expression")
RBC_SQL_RULE(trim_args, std::vector<ast::Operand>, "expression")
RBC_SQL_RULE(select_value, ast::Operand, "expression")
RBC_SQL_RULE(select_item, ast::SelectItem, "expression")
RBC_SQL_RULE(alias, ast::Identifier, "alias")
RBC_SQL_RULE(argument, ast::Operand, "expression")
RBC_SQL_RULE(argument_list, std::vector<ast::Operand>, "expression")
RBC_SQL_RULE(group_by, std::vector<ast::Chain>, "GROUP BY")
RBC_SQL_RULE(emit_clause, ast::EmitClause, "EMIT")
RBC_SQL_RULE(limit_clause, ast::LimitClause, "LIMIT")
RBC_SQL_RULE(window_clause, ast::WindowClause, "WINDOW")
RBC_SQL_RULE(duration, ast::Duration, "a duration (INTERVAL '1' MINUTE, 30s)")
RBC_SQL_RULE(select_list, std::vector<ast::SelectItem>, "expression")
RBC_SQL_RULE(when_clauses, std::vector<ast::WhenClause>, "WHEN")
RBC_SQL_RULE(between_upper, std::vector<ast::Operand>, "expression")
#undef RBC_SQL_RULE

query_type const query = "query";

auto const identifier_def = (quoted_name >> attr(true)) | (plain_name >> attr(false));
auto const type_name_def = type_word >> -(opening_paren >> (uint_ % ',') > closing_paren);
auto const literal_def = (attr(ast::LiteralKind::number) >> number_text) |
                         (attr(ast::LiteralKind::string) >> string_text) |
                         (kw_true >> attr(ast::LiteralKind::boolean_true) >> attr(std::string())) |
                         (kw_false >> attr(ast::LiteralKind::boolean_false) >> attr(std::string())) |
                         (kw_null >> attr(ast::LiteralKind::null) >> attr(std::string()));

auto const expression_def = depth_limit[and_expr >> *or_operation];
auto const or_operation_def = (kw_or >> attr(ast::BinaryOp::logical_or)) > and_expr;
auto const and_expr_def = not_expr >> *and_operation;
auto const and_operation_def = (kw_and >> attr(ast::BinaryOp::logical_and)) > not_expr;
auto const not_expr_def = logical_not | predicate;
auto const logical_not_def = (kw_not >> attr(ast::UnaryOp::logical_not)) > depth_limit[not_expr];
auto const predicate_def = concat_expr >> -suffix;
auto const suffix_def = comparison_suffix | is_suffix | in_suffix | between_suffix | like_suffix;
auto const comparison_suffix_def = (attr(false) >> comparison_op > concat_expr) >>
                                   attr(std::vector<ast::Operand>());
auto const is_suffix_def = (kw_is >> matches[kw_not] >> attr(ast::SuffixKind::is_null) > kw_null) >>
                           attr(ast::Operand()) >> attr(std::vector<ast::Operand>());
auto const in_suffix_def = matches[kw_not] >> kw_in >> attr(ast::SuffixKind::in_list) > opening_paren
                           > expression > *(',' > expression) > closing_paren;
auto const between_suffix_def = matches[kw_not] >> kw_between >> attr(ast::SuffixKind::between) > concat_expr
                                > kw_and > between_upper;
auto const like_suffix_def = (matches[kw_not] >> kw_like >> attr(ast::SuffixKind::like) > concat_expr) >>
                             attr(std::vector<ast::Operand>());
auto const concat_expr_def = additive_expr >> *concat_operation;
auto const concat_operation_def = (lit("||") >> attr(ast::BinaryOp::concat)) > additive_expr;
auto const additive_expr_def = multiplicative_expr >> *additive_operation;
auto const additive_operation_def = additive_op > multiplicative_expr;
auto const multiplicative_expr_def = unary_expr >> *multiplicative_operation;
auto const multiplicative_operation_def = multiplicative_op > unary_expr;
auto const unary_expr_def = sign | postfix_expr;
auto const sign_def = sign_op > depth_limit[unary_expr];
auto const postfix_expr_def = primary >> *(lit("::") > type_name);
auto const primary_def = literal | case_expr | cast_expr | extract_expr | keyword_call | function_call |
                         identifier | (opening_paren > expression > closing_paren);
auto const function_call_def =
    identifier >> opening_paren >> matches[kw_distinct] >> -argument_list > closing_paren;
auto const argument_def = (lit('*') >> attr(ast::Star())) | expression;
auto const argument_list_def = argument >> *(',' > argument);
auto const when_clause_def = kw_when > expression > kw_then > expression;
auto const case_expr_def = kw_case > -(!kw_when >> expression) > when_clauses >
                           -(kw_else > expression) > kw_end;
auto const when_clauses_def = +when_clause;
auto const between_upper_def = x3::repeat(1)[concat_expr];
auto const cast_expr_def = kw_cast > opening_paren > expression > kw_as > type_name > closing_paren;
auto const extract_expr_def = kw_extract > opening_paren > identifier > kw_from > expression > closing_paren;
// Keyword forms commit only once they are unmistakable (IN, FROM), so TRIM(s) and
// POSITION(...) without IN fall through to function_call.
auto const keyword_call_def = remember_failure[position_call | trim_call | current_timestamp_call];
auto const position_call_def = kw_position >> attr(std::string("POSITION")) >>
                               attr(std::string("strpos")) >> opening_paren >> position_args > closing_paren;
auto const position_args_def = concat_expr >> kw_in > concat_expr;
auto const trim_call_def = kw_trim >> attr(std::string("TRIM")) >> opening_paren >> trim_side >> trim_args
                           > closing_paren;
auto const trim_args_def = (expression >> kw_from > expression) | (kw_from > expression);
auto const current_timestamp_call_def = kw_current_timestamp >> attr(std::string("CURRENT_TIMESTAMP")) >>
                                        attr(std::string("now")) >> attr(std::vector<ast::Operand>());
auto const select_value_def = (lit('*') >> attr(ast::Star())) | expression;
auto const alias_def = (kw_as > identifier) | identifier;
auto const select_item_def = select_value >> -alias;
auto const select_list_def = select_item >> *(',' > select_item);
auto const group_by_def = (kw_group > kw_by > (expression % ',')) | attr(std::vector<ast::Chain>());
auto const emit_clause_def = kw_emit > emit_mode;
auto const limit_clause_def = kw_limit > row_count;
auto const window_clause_def = kw_window > identifier > opening_paren > expression > ',' >
                               (duration % ',') > closing_paren;
auto const duration_def = (kw_interval > string_text > (unit_word | attr(std::string()))) |
                          (duration_amount >> (lexeme[+alpha] | attr(std::string())));
auto const query_def = kw_select > select_list > kw_from > identifier > -(kw_where > expression) > group_by >
                       -window_clause > -(kw_having > expression) > -emit_clause > -limit_clause
                       > end_of_query;

BOOST_SPIRIT_DEFINE(identifier, type_name, literal, expression, or_operation, and_expr, and_operation,
                    not_expr, logical_not, predicate, suffix, comparison_suffix, is_suffix, in_suffix,
                    between_suffix, like_suffix, concat_expr, concat_operation, additive_expr,
                    additive_operation, multiplicative_expr, multiplicative_operation, unary_expr, sign,
                    postfix_expr, primary, function_call, when_clause, case_expr, cast_expr, extract_expr,
                    select_value, select_item, alias, argument, argument_list, group_by, emit_clause,
                    limit_clause, select_list, when_clauses, between_upper, query)
BOOST_SPIRIT_DEFINE(window_clause, duration)
BOOST_SPIRIT_DEFINE(keyword_call, position_call, position_args, trim_call, trim_args, current_timestamp_call)

}  // namespace rbc::sql::parser
