// Located user errors: every problem in a pipeline file is reported as
// `file:line:col: error: message`, followed by the source line and a caret.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rbc {

// A position in a pipeline file; line and column count from 1, 0 means unknown.
struct SourceRange {
  std::shared_ptr<const std::string> file;  // shared so every node can carry one cheaply
  uint32_t line = 0;
  uint32_t column = 0;

  bool known() const { return line != 0; }
  std::string file_name() const { return file ? *file : std::string("<input>"); }
};

enum class Severity { error, warning, note };

struct Diagnostic {
  Severity severity = Severity::error;
  SourceRange where;
  std::string message;
  std::string hint;  // optional, printed as a note line ("did you mean ...")
};

// Collects diagnostics for one run and renders them against the source text.
class DiagnosticEngine {
 public:
  // Registers the text of a file so that diagnostics can quote its lines.
  void add_source(const std::string& file_name, std::string text);

  void error(SourceRange where, std::string message, std::string hint = {});
  void warning(SourceRange where, std::string message, std::string hint = {});

  bool has_errors() const { return error_count_ > 0; }
  size_t error_count() const { return error_count_; }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

  // Diagnostics sorted by file, line and column, each with its source line and caret.
  std::string render() const;
  // Line `line` (from 1) of a registered file, or "" if unknown.
  std::string source_line(const std::string& file, uint32_t line) const;

 private:
  std::vector<Diagnostic> diagnostics_;
  std::vector<std::pair<std::string, std::string>> sources_;  // file name, text
  size_t error_count_ = 0;
};

// The closest candidate to `word` within a small edit distance, or "" if none is close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace rbc
