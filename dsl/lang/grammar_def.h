// Definition of the .rbc grammar. Included only by grammar.cpp, which instantiates it
// once for the iterator and context of grammar_config.h.
//
//   program   := 'pipeline' NAME '{' statement* '}'        (driven by parser.cpp)
//   statement := 'let' NAME '=' chain | SECTION block | chain
//   chain     := step ('|>' step)*
//   step      := NAME arguments? ('.' NAME arguments?)*
//   arguments := '(' (argument (',' argument)*)? ','? ')'
//   argument  := NAME ':' value | value
//   value     := string | number | NAME arguments | NAME | list | block
//   list      := '[' (argument (',' argument)*)? ','? ']'
//   block     := '{' (NAME (':' value | block) ','?)* '}'
//
// `>` marks the points where a parse is committed: after them a mismatch is a syntax
// error ("expected '='") rather than a backtrack.
#pragma once

#include <boost/spirit/home/x3.hpp>
#include <boost/spirit/home/x3/support/utility/annotate_on_success.hpp>

#include "dsl/lang/ast.h"
#include "dsl/lang/grammar.h"
#include "dsl/lang/grammar_config.h"

namespace rbc::lang::parser {

namespace x3 = boost::spirit::x3;
// ASCII classes: x3's standard alnum/alpha/digit hand a non-ASCII byte (a negative
// char) to <cctype>, which is undefined; the ascii ones reject it first.
using x3::attr;
using x3::char_;
using x3::eol;
using x3::lexeme;
using x3::lit;
using x3::raw;
using x3::ascii::alnum;
using x3::ascii::alpha;
using x3::ascii::digit;

inline constexpr const char* kEscapeRuleName = "an escape sequence";

// Reports a failed expectation as "expected <rule name>".
struct ErrorReporting {
  template <typename Iterator, typename Exception, typename Context>
  x3::error_handler_result on_error(Iterator&, Iterator const&, Exception const& failure,
                                    Context const& context) {
    x3::get<x3::error_handler_tag>(context).get().fail(failure.where(), "expected " + failure.which());
    return x3::error_handler_result::fail;
  }
};

// For bracketed rules: names the opening bracket when the closing one is missing.
struct BracketReporting : x3::annotate_on_success {
  template <typename Iterator, typename Exception, typename Context>
  x3::error_handler_result on_error(Iterator& first, Iterator const& last, Exception const& failure,
                                    Context const& context) {
    x3::get<x3::error_handler_tag>(context).get().fail_in_brackets(skip_blanks(first, last), failure.where(),
                                                                   failure.which());
    return x3::error_handler_result::fail;
  }
};

// For strings: a bad escape is reported where it is, anything else as an unterminated
// string at its opening quote.
struct StringReporting {
  template <typename Iterator, typename Exception, typename Context>
  x3::error_handler_result on_error(Iterator& first, Iterator const& last, Exception const& failure,
                                    Context const& context) {
    auto& handler = x3::get<x3::error_handler_tag>(context).get();
    if (failure.which() == kEscapeRuleName) {
      handler.fail(failure.where() - 1, "invalid escape sequence in a string",
                   "escapes are \\\" \\\\ \\n \\t \\r; use \"\"\"...\"\"\" for text with backslashes");
    } else {
      handler.fail_string(skip_blanks(first, last));
    }
    return x3::error_handler_result::fail;
  }
};

// ---- tokens -------------------------------------------------------------------------

auto const word_end = !(alnum | '_');
auto const kw_let = x3::rule<class kw_let_class>{"'let'"} = lexeme[lit("let") >> word_end];
auto const kw_pipeline = x3::rule<class kw_pipeline_class>{"'pipeline'"} =
    lexeme[lit("pipeline") >> word_end];

// Named so that expectation failures read "expected ')'" rather than a parser dump.
auto const close_paren = x3::rule<class close_paren_class>{"')'"} = lit(')');
auto const close_bracket = x3::rule<class close_bracket_class>{"']'"} = lit(']');
auto const close_brace = x3::rule<class close_brace_class>{"'}'"} = lit('}');
auto const open_brace = x3::rule<class open_brace_class>{"'{'"} = lit('{');
auto const equals = x3::rule<class equals_class>{"'='"} = lit('=');
auto const close_quote = x3::rule<class close_quote_class>{"'\"'"} = lit('"');
auto const close_triple = x3::rule<class close_triple_class>{"'\"\"\"'"} = lit("\"\"\"");

auto const identifier = x3::rule<class identifier_class, std::string>{"a name"} =
    lexeme[(alpha | char_('_')) >> *(alnum | char_('_'))];
auto const escape = x3::rule<class escape_class, char>{kEscapeRuleName} =
    char_('"') | char_('\\') | ('n' >> attr('\n')) | ('t' >> attr('\t')) | ('r' >> attr('\r'));

struct quoted_text_class : StringReporting {};
struct triple_text_class : StringReporting {};
x3::rule<quoted_text_class, std::string> const quoted_text = "a string";
x3::rule<triple_text_class, std::string> const triple_text = "a string";
auto const quoted_text_def = lexeme['"' >> *(('\\' > escape) | (char_ - '"' - '\\' - eol)) > close_quote];
auto const triple_text_def = lexeme[lit("\"\"\"") >> *(char_ - lit("\"\"\"")) > close_triple];

// ---- rules --------------------------------------------------------------------------

#define RBC_LANG_RULE(name, type, text, base) \
  struct name##_class : base {};              \
  x3::rule<name##_class, type> const name = text;
struct Tagged : x3::annotate_on_success, ErrorReporting {};
RBC_LANG_RULE(name, ast::Name, "a name", Tagged)
RBC_LANG_RULE(key, ast::Name, "a name", Tagged)
RBC_LANG_RULE(section_keyword, ast::Name, "'resources' or 'state'", Tagged)
RBC_LANG_RULE(pipeline_name, ast::Name, "the pipeline's name", Tagged)
RBC_LANG_RULE(string_value, ast::String, "a string", Tagged)
RBC_LANG_RULE(number, ast::Number, "a number", Tagged)
RBC_LANG_RULE(word, ast::Word, "a name", Tagged)
RBC_LANG_RULE(call, ast::Call, "a call", Tagged)
RBC_LANG_RULE(value, ast::Value, "a value", Tagged)
RBC_LANG_RULE(keyed_argument, ast::Argument, "an argument", Tagged)
RBC_LANG_RULE(positional_argument, ast::Argument, "an argument", Tagged)
RBC_LANG_RULE(argument, ast::Argument, "an argument", Tagged)
RBC_LANG_RULE(entry, ast::Entry, "an entry", Tagged)
RBC_LANG_RULE(entry_value, ast::Value, "':' and a value, or a '{' block", Tagged)
RBC_LANG_RULE(member, ast::Member, "a member", Tagged)
RBC_LANG_RULE(step, ast::Step, "a node", Tagged)
RBC_LANG_RULE(chain, ast::Chain, "a chain", Tagged)
RBC_LANG_RULE(let_statement, ast::Let, "let", Tagged)
RBC_LANG_RULE(section, ast::Section, "a section", Tagged)
RBC_LANG_RULE(arguments, std::vector<ast::Argument>, "arguments", BracketReporting)
RBC_LANG_RULE(list_items, std::vector<ast::Argument>, "a list", BracketReporting)
RBC_LANG_RULE(block_entries, std::vector<ast::Entry>, "a block", BracketReporting)
RBC_LANG_RULE(chain_steps, std::vector<ast::Step>, "a chain", Tagged)
RBC_LANG_RULE(list, ast::List, "a list", Tagged)
RBC_LANG_RULE(block, ast::Block, "a block", Tagged)
#undef RBC_LANG_RULE

struct header_class : x3::annotate_on_success, ErrorReporting {};
struct statement_class : x3::annotate_on_success, ErrorReporting {};
header_type const header = "'pipeline NAME {'";
statement_type const statement = "a statement";

auto const name_def = identifier;
// Option and entry keys: a name, or a quoted string for anything else ("order-id": int64).
auto const key_def = identifier | quoted_text;
auto const section_keyword_def = raw[lexeme[(lit("resources") | lit("state")) >> word_end]];
auto const pipeline_name_def = identifier | quoted_text;
auto const string_value_def = (triple_text >> attr(true)) | (quoted_text >> attr(false));
auto const number_def = raw[lexeme[-char_('-') >> +digit >> -('.' >> +digit) >>
                                   -(char_("eE") >> -char_("+-") >> +digit) >> *alpha]];
auto const word_def = identifier;
auto const call_def = name >> arguments;
auto const value_def = string_value | number | call | word | list | block;
auto const keyed_argument_def = (key >> ':') > value;
auto const positional_argument_def = attr(boost::optional<ast::Name>()) >> value;
auto const argument_def = keyed_argument | positional_argument;
auto const arguments_def = '(' > -(argument % ',') > -lit(',') > close_paren;
// List, Block and Chain hold a single vector: their rules take it from a vector rule.
auto const list_items_def = '[' > -(argument % ',') > -lit(',') > close_bracket;
auto const list_def = list_items;
auto const block_entries_def = '{' > *(entry >> -lit(',')) > close_brace;
auto const block_def = block_entries;
auto const entry_value_def = (':' > value) | block;
auto const entry_def = key > entry_value;
auto const member_def = '.' > name >> -arguments;
auto const step_def = name >> -arguments >> *member;
auto const chain_steps_def = step >> *(lit("|>") > step);
auto const chain_def = chain_steps;
auto const let_statement_def = kw_let > name > equals > chain;
auto const section_def = section_keyword > block;
auto const statement_def = let_statement | section | chain;
auto const header_def = kw_pipeline > pipeline_name > open_brace;

BOOST_SPIRIT_DEFINE(quoted_text, triple_text, name, key, section_keyword, pipeline_name, string_value, number,
                    word, call, value, keyed_argument, positional_argument, argument, arguments, list_items,
                    list, block_entries, block, chain_steps, entry_value, entry, member, step, chain,
                    let_statement, section, statement, header)

}  // namespace rbc::lang::parser
