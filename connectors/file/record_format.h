// Row printers for the file sink: CSV (RFC 4180, quoting only where needed) and JSON
// lines (one object per row). Values print through graph/value_format.h, so what the
// file source reads back is exactly what was written.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "graph/batch.h"

namespace rbc::file {

class CsvFormatter {
 public:
  CsvFormatter(const Schema& schema, char delimiter, std::string null_text);
  void append_header(std::string& out);
  void append_row(std::string& out, const Batch& batch, size_t row);

 private:
  // Quotes the text at out[from...] when it would not read back as itself.
  void quote_if_needed(std::string& out, size_t from);

  std::vector<std::string> names_;
  char delimiter_;
  std::string null_text_;
  std::array<bool, 256> needs_quotes_{};  // the bytes that make a value need quotes
  std::string scratch_;
};

// NULL prints as null, numbers as JSON numbers (NaN and infinities as the strings
// "NaN", "Infinity", "-Infinity"), json columns as embedded JSON values, every other
// type as a JSON string of its text form.
class JsonlFormatter {
 public:
  explicit JsonlFormatter(const Schema& schema);
  void append_row(std::string& out, const Batch& batch, size_t row);

 private:
  std::vector<std::string> prefixes_;  // {"name": and ,"name":
  std::string scratch_;
};

}  // namespace rbc::file
