// The parser driver: the header, then one statement at a time. After a syntax error it
// skips to the next line that can start a statement (no deeper indented than the broken
// one), so that one run reports every error of the file.
#include "dsl/lang/parser.h"

#include <algorithm>

#include "dsl/lang/grammar.h"
#include "dsl/lang/grammar_config.h"

namespace rbc::lang {

namespace parser {

iterator_type skip_blanks(iterator_type where, iterator_type last) {
  while (where != last) {
    if (*where == ' ' || *where == '\t' || *where == '\n' || *where == '\r') {
      ++where;
    } else if (*where == '#') {
      while (where != last && *where != '\n') ++where;
    } else {
      break;
    }
  }
  return where;
}

void ErrorHandler::fail(iterator_type where, std::string message, std::string hint) {
  if (error_) return;
  where = skip_blanks(where, last_);
  error_ = SyntaxError{static_cast<size_t>(where - first_), std::move(message), std::move(hint)};
}

std::string ErrorHandler::line_column(iterator_type where) const {
  uint32_t line = 1;
  iterator_type line_start = first_;
  for (iterator_type p = first_; p != where; ++p) {
    if (*p == '\n') {
      ++line;
      line_start = p + 1;
    }
  }
  return std::to_string(line) + ":" + std::to_string(where - line_start + 1);
}

void ErrorHandler::fail_in_brackets(iterator_type rule_start, iterator_type where, const std::string& which) {
  if (error_) return;
  char open = rule_start != last_ ? *rule_start : '\0';
  const char* close = open == '(' ? "')'" : open == '[' ? "']'" : open == '{' ? "'}'" : nullptr;
  if (close == nullptr || which != close) return fail(where, "expected " + which);
  // What was opened: the name before a '(' ("stream("), or the word before a '{'.
  iterator_type name_end = rule_start;
  if (open == '{') {
    while (name_end != first_ && (name_end[-1] == ' ' || name_end[-1] == '\t')) --name_end;
  }
  iterator_type name_start = name_end;
  while (name_start != first_ &&
         (std::isalnum(static_cast<unsigned char>(name_start[-1])) || name_start[-1] == '_'))
    --name_start;
  std::string opened = std::string(name_start, name_end) +
                       (open == '{' && name_start != name_end ? " {" : std::string(1, open));
  fail(where, "expected " + which + " to close '" + opened + "' opened at " + line_column(rule_start));
}

void ErrorHandler::fail_string(iterator_type rule_start) {
  if (error_) return;
  bool triple = last_ - rule_start >= 3 && std::string_view(rule_start, 3) == "\"\"\"";
  fail(rule_start, "unterminated string",
       triple ? "close it with \"\"\""
              : "close it with '\"' on the same line; use \"\"\"...\"\"\" for text over several lines");
}

}  // namespace parser

namespace {

namespace x3 = boost::spirit::x3;
using parser::iterator_type;

// The end of the string literal that starts at text[i] ('"'): after its closing quote,
// or at the end of its line (one-line strings) or of the text (triple-quoted ones) when
// it is not closed. The one place outside the grammar that knows the string syntax.
size_t skip_string(const std::string& text, size_t i) {
  if (text.compare(i, 3, "\"\"\"") == 0) {
    size_t close = text.find("\"\"\"", i + 3);
    return close == std::string::npos ? text.size() : close + 3;
  }
  for (++i; i < text.size() && text[i] != '\n'; ++i) {
    if (text[i] == '"') return i + 1;
    if (text[i] == '\\') ++i;
  }
  return i;
}

size_t skip_comment(const std::string& text, size_t i) {
  size_t end = text.find('\n', i);
  return end == std::string::npos ? text.size() : end;
}

// Bracket nesting is recursion in the grammar: bound it so that hostile input cannot
// exhaust the stack. Returns the offset of the first bracket too deep.
constexpr int kMaxNesting = 64;

std::optional<size_t> too_deep(const std::string& text) {
  int depth = 0;
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '#') {
      i = skip_comment(text, i);
      continue;
    }
    if (c == '"') {
      i = skip_string(text, i);
      continue;
    }
    if (c == '(' || c == '[' || c == '{') {
      if (++depth > kMaxNesting) return i;
    } else if (c == ')' || c == ']' || c == '}') {
      depth = std::max(0, depth - 1);  // a stray closer must not buy depth for later openers
    }
    ++i;
  }
  return std::nullopt;
}

std::vector<Comment> find_comments(const std::string& text) {
  std::vector<Comment> comments;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '"') {
      i = skip_string(text, i);
    } else if (text[i] == '#') {
      size_t end = skip_comment(text, i);
      std::string comment = text.substr(i, end - i);
      while (!comment.empty() && (comment.back() == ' ' || comment.back() == '\t' || comment.back() == '\r'))
        comment.pop_back();
      comments.push_back({i, comment});
      i = end;
    } else {
      ++i;
    }
  }
  return comments;
}

size_t indentation(const std::string& text, size_t offset) {
  size_t start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  start = start == std::string::npos || offset == 0 ? 0 : start + 1;
  return offset - start;
}

// Where to go on after a broken statement that began at `start` and failed at `error`:
// the first line, not before the error's line and not inside a string, that begins a
// statement no deeper than the broken one, or a '}' no deeper than the pipeline header.
size_t resume_point(const std::string& text, size_t start, size_t error, size_t header_indent) {
  const size_t statement_indent = indentation(text, start);
  const size_t error_line = error - indentation(text, error);
  for (size_t i = start; i < text.size();) {
    char c = text[i];
    if (c == '"') {
      i = skip_string(text, i);
      continue;
    }
    if (c == '#') {
      i = skip_comment(text, i);
      continue;
    }
    ++i;
    if (c != '\n') continue;
    size_t first = text.find_first_not_of(" \t\r", i);
    if (first == std::string::npos) return text.size();
    if (i < error_line || text[first] == '\n') continue;
    size_t indent = first - i;
    if (text[first] == '}' && indent <= header_indent) return first;
    bool word = std::isalpha(static_cast<unsigned char>(text[first])) || text[first] == '_';
    if (word && indent <= statement_indent) return first;
  }
  return text.size();
}

}  // namespace

ParsedProgram::ParsedProgram(std::string file_name, std::string source_text)
    : file(std::make_shared<const std::string>(std::move(file_name))), text(std::move(source_text)) {
  positions = std::make_unique<parser::ErrorHandler>(text.data(), text.data() + text.size());
  line_starts.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts.push_back(i + 1);
  }
}

ParsedProgram::~ParsedProgram() = default;

bool ParsedProgram::tagged(const x3::position_tagged& node) const { return positions->tagged(node); }
size_t ParsedProgram::offset_of(const x3::position_tagged& node) const { return positions->offset_of(node); }
size_t ParsedProgram::end_of(const x3::position_tagged& node) const { return positions->end_of(node); }

uint32_t ParsedProgram::line_of(size_t offset) const {
  auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
  return static_cast<uint32_t>(it - line_starts.begin());
}

SourceRange ParsedProgram::range_at(size_t offset) const {
  uint32_t line = line_of(offset);
  return {file, line, static_cast<uint32_t>(offset - line_starts[line - 1] + 1)};
}

std::unique_ptr<ParsedProgram> parse_program(const std::string& file_name, std::string text,
                                             DiagnosticEngine& diagnostics) {
  diagnostics.add_source(file_name, text);
  auto parsed = std::make_unique<ParsedProgram>(file_name, std::move(text));
  const std::string& source = parsed->text;
  auto report = [&](const parser::SyntaxError& error) {
    diagnostics.error(parsed->range_at(error.offset), error.message, error.hint);
  };
  if (auto deep = too_deep(source)) {
    report({*deep, "brackets nested too deeply (more than " + std::to_string(kMaxNesting) + " levels)", ""});
    return parsed;
  }
  parsed->comments = find_comments(source);

  parser::ErrorHandler& handler = *parsed->positions;
  const iterator_type begin = source.data();
  const iterator_type end = source.data() + source.size();
  auto with_handler = [&](const auto& rule) {
    return x3::with<x3::error_handler_tag>(std::ref(handler))[rule];
  };

  // A UTF-8 byte order mark (some Windows editors write one) is not part of the program.
  const iterator_type start = source.compare(0, 3, "\xEF\xBB\xBF") == 0 ? begin + 3 : begin;
  iterator_type it = parser::skip_blanks(start, end);
  const size_t header_offset = static_cast<size_t>(it - begin);
  bool ok = false;
  try {
    ok = x3::phrase_parse(it, end, with_handler(header_grammar()), parser::skipper, parsed->program.header);
  } catch (const std::exception& e) {
    report({header_offset, std::string("internal parser error: ") + e.what(), ""});
    return parsed;
  }
  if (!ok || handler.error()) {
    report(handler.error().value_or(
        parser::SyntaxError{header_offset, "expected 'pipeline NAME {' to begin the file",
                            "an .rbc file holds one pipeline: pipeline NAME { ... }"}));
    return parsed;
  }
  const size_t header_indent = indentation(source, header_offset);
  const std::string opened = "'pipeline " + parsed->program.header.name.text + " {' opened at " +
                             handler.line_column(begin + parsed->end_of(parsed->program.header) - 1);

  while (true) {
    it = parser::skip_blanks(it, end);
    if (it == end) {
      report({source.size(), "expected '}' to close " + opened, ""});
      break;
    }
    if (*it == '}') {
      it = parser::skip_blanks(it + 1, end);
      if (it != end)
        report({static_cast<size_t>(it - begin), "unexpected text after the pipeline's closing '}'", ""});
      break;
    }
    if (*it == ';') {
      ++it;
      continue;
    }
    const iterator_type statement_start = it;
    handler.clear();
    ast::Statement statement;
    try {
      ok = x3::phrase_parse(it, end, with_handler(statement_grammar()), parser::skipper, statement);
    } catch (const std::exception& e) {
      handler.fail(statement_start, std::string("internal parser error: ") + e.what());
      ok = false;
    }
    if (ok && !handler.error()) {
      parsed->program.statements.push_back(std::move(statement));
      continue;
    }
    report(handler.error().value_or(parser::SyntaxError{static_cast<size_t>(statement_start - begin),
                                                        "expected a statement: 'let NAME = ...', a chain 'a "
                                                        "|> b', or a 'resources { }' or 'state { }' section",
                                                        ""}));
    const size_t failed_at =
        handler.error() ? handler.error()->offset : static_cast<size_t>(statement_start - begin);
    it = begin + resume_point(source, static_cast<size_t>(statement_start - begin), failed_at, header_indent);
  }
  return parsed;
}

}  // namespace rbc::lang
