// Parses an .rbc program into its syntax tree, reporting the syntax errors of the file
// (after an error the driver re-synchronises at the next line that starts a statement).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dsl/lang/ast.h"
#include "graph/diagnostic.h"

namespace rbc::lang {

namespace parser {
class ErrorHandler;
}

// A `# comment` of the source, kept for `rbc fmt`.
struct Comment {
  size_t offset = 0;  // of the '#'
  std::string text;   // from the '#' to the end of the line, trailing blanks removed
};

struct ParsedProgram {
  ParsedProgram(std::string file_name, std::string source_text);
  ~ParsedProgram();
  ParsedProgram(const ParsedProgram&) = delete;
  ParsedProgram& operator=(const ParsedProgram&) = delete;

  std::shared_ptr<const std::string> file;
  std::string text;
  ast::Program program;
  std::vector<Comment> comments;
  std::unique_ptr<parser::ErrorHandler> positions;
  std::vector<size_t> line_starts;

  bool tagged(const boost::spirit::x3::position_tagged& node) const;
  size_t offset_of(const boost::spirit::x3::position_tagged& node) const;
  size_t end_of(const boost::spirit::x3::position_tagged& node) const;
  // 1-based line of a byte offset.
  uint32_t line_of(size_t offset) const;
  SourceRange range_at(size_t offset) const;
  SourceRange range_of(const boost::spirit::x3::position_tagged& node) const {
    return range_at(offset_of(node));
  }
};

// Registers the text with `diagnostics` and parses it; syntax errors are reported there.
// The program holds every statement that parsed.
std::unique_ptr<ParsedProgram> parse_program(const std::string& file_name, std::string text,
                                             DiagnosticEngine& diagnostics);

}  // namespace rbc::lang
