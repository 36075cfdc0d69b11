// Runs the X3 grammar with our error handler in its context.
#include "expr/parser.h"

#include <cctype>

#include "expr/grammar.h"

namespace rbc::sql {

namespace {

// The grammar recurses once per nesting level; bound it so that hostile input
// cannot exhaust the stack.
constexpr int max_nesting = 128;

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// The word NOT (any case) at `i`, standing alone.
bool is_not_keyword(std::string_view text, size_t i) {
  if (i + 3 > text.size() || (i > 0 && is_word_char(text[i - 1]))) return false;
  if ((text[i] | 0x20) != 'n' || (text[i + 1] | 0x20) != 'o' || (text[i + 2] | 0x20) != 't') return false;
  return i + 3 == text.size() || !is_word_char(text[i + 3]);
}

std::optional<SqlError> check_nesting(std::string_view text) {
  int depth = 0;
  int signs = 0;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(') {
      if (++depth > max_nesting) return SqlError{i, "expressions nested too deeply"};
    } else if (c == ')') {
      --depth;
    }
    // Chains of unary signs and NOTs recurse too.
    if (c == '-' || c == '+') {
      if (++signs > max_nesting) return SqlError{i, "expressions nested too deeply"};
    } else if (is_not_keyword(text, i)) {
      if (++signs > max_nesting) return SqlError{i, "expressions nested too deeply"};
      i += 2;
    } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      signs = 0;
    }
  }
  return std::nullopt;
}

}  // namespace

std::variant<ParsedQuery, SqlError> parse_query(std::string_view text) {
  namespace x3 = boost::spirit::x3;
  if (auto error = check_nesting(text)) return *error;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  ParsedQuery parsed;
  parsed.positions = std::make_unique<parser::ErrorHandler>(first, last);
  auto const grammar = x3::with<x3::error_handler_tag>(std::ref(*parsed.positions))[query_grammar()];
  bool ok = false;
  try {
    ok = x3::phrase_parse(first, last, grammar, x3::ascii::space, parsed.query);
  } catch (const std::exception& e) {
    // Expectation failures are handled by the grammar's on_error; anything else is a bug.
    return SqlError{0, std::string("internal parser error: ") + e.what()};
  }
  if (ok) return parsed;
  if (parsed.positions->error()) return *parsed.positions->error();
  size_t offset = text.find_first_not_of(" \t\r\n");
  if (offset == std::string_view::npos) return SqlError{text.size(), "expected SELECT"};
  return SqlError{offset, "expected SELECT"};
}

}  // namespace rbc::sql
