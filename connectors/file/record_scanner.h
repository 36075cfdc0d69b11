// Record scanners for the file source: a block reader that reads a file in large
// chunks, an RFC 4180 CSV record scanner and a JSON-lines object scanner on top of it.
// Records are handed out as views into the block buffer, valid until the next call,
// so that parsing a row allocates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/file/compression.h"
#include "graph/status.h"

namespace rbc::file {

// Reads a file (decompressed when it is compressed) in large blocks and keeps the unconsumed tail at the
// buffer's front.
class BlockReader {
 public:
  BlockReader() = default;
  BlockReader(const BlockReader&) = delete;
  BlockReader& operator=(const BlockReader&) = delete;
  ~BlockReader();

  Status open(const std::string& path, Compression compression = Compression::detect,
              size_t block_size = 4 << 20);
  // Reads `size` bytes at `data` (kept by the caller) as a whole file instead.
  void view(const char* data, size_t size);
  const char* begin() const { return base() + start_; }
  const char* end() const { return base() + end_; }
  bool eof() const { return eof_; }
  void consume(const char* to) { start_ = static_cast<size_t>(to - base()); }
  // Moves the unconsumed bytes to the front (growing the buffer when it is full) and
  // reads more; views into the buffer are invalid afterwards.
  Status fill();

 private:
  const char* base() const { return view_ != nullptr ? view_ : buffer_.data(); }

  ByteInput input_;
  std::vector<char> buffer_;
  const char* view_ = nullptr;
  size_t start_ = 0, end_ = 0;
  bool eof_ = false;
};

enum class ScanResult { record, malformed, end };

struct CsvField {
  const char* data = nullptr;
  uint32_t size = 0;
  bool quoted = false;
  bool doubled_quotes = false;  // contains "" that reads as one quote
};

class CsvScanner {
 public:
  explicit CsvScanner(char delimiter) : delimiter_(delimiter) {}
  Status open(const std::string& path, Compression compression = Compression::detect,
              size_t block_size = 4 << 20) {
    return reader_.open(path, compression, block_size);
  }
  // Scans the records of one chunk of a file (record_chunks.h) instead: `data` holds whole
  // records, the first on line `first_line`; `file_start`: the chunk starts the file.
  void open_chunk(std::string_view data, uint64_t first_line, bool file_start);

  // The next record (blank lines are skipped); malformed: see error().
  Result<ScanResult> next();
  const std::vector<CsvField>& fields() const { return fields_; }
  // The record as written, without its line break.
  std::string_view raw() const { return raw_; }
  // The line on which the last record started (from 1).
  uint64_t line() const { return line_; }
  const char* error() const { return error_; }
  // The field's value, quotes removed; `scratch` holds it when quotes were doubled.
  static std::string_view text(const CsvField& field, std::string& scratch);

 private:
  enum class Scan { done, need_more, malformed };
  Scan scan(const char* p, const char* end, bool eof, const char** next);

  BlockReader reader_;
  char delimiter_;
  std::vector<CsvField> fields_;
  std::string_view raw_;
  uint64_t line_ = 0, next_line_ = 1;
  size_t newlines_ = 0;  // line breaks in the last scanned record, its own included
  const char* error_ = "";
  bool started_ = false;
};

// One member value of a JSON object line.
enum class JsonKind : uint8_t { absent, null, true_value, false_value, number, string, nested };
struct JsonValue {
  JsonKind kind = JsonKind::absent;
  std::string_view raw;   // the value as written (strings with their quotes)
  std::string_view text;  // strings: the unescaped text; other kinds: raw
};

// Splits a file into lines and each line into the members of one flat JSON object.
class JsonlScanner {
 public:
  Status open(const std::string& path, Compression compression = Compression::detect) {
    return reader_.open(path, compression);
  }
  // As CsvScanner::open_chunk.
  void open_chunk(std::string_view data, uint64_t first_line, bool file_start);
  // The next non-blank line; malformed: not one JSON object (see error()).
  Result<ScanResult> next();
  // Parses the current line, calling on_member(key, value) for each member.
  template <typename OnMember>
  bool parse(OnMember&& on_member);
  std::string_view raw() const { return raw_; }
  uint64_t line() const { return line_; }
  const char* error() const { return error_; }

 private:
  bool parse_string(const char** at, const char* end, std::string_view* text);
  bool parse_value(const char** at, const char* end, JsonValue* value);

  BlockReader reader_;
  std::string_view raw_;
  std::string scratch_;  // unescaped strings of the current line
  uint64_t line_ = 0, next_line_ = 1;
  const char* error_ = "";
  bool started_ = false;
};

inline void skip_json_space(const char** at, const char* end) {
  while (*at < end && (**at == ' ' || **at == '\t' || **at == '\r' || **at == '\n')) ++*at;
}

template <typename OnMember>
bool JsonlScanner::parse(OnMember&& on_member) {
  // Unescaped text is never longer than the line, so views into scratch_ stay valid.
  scratch_.clear();
  scratch_.reserve(raw_.size());
  const char* at = raw_.data();
  const char* end = raw_.data() + raw_.size();
  skip_json_space(&at, end);
  if (at == end || *at != '{') {
    error_ = "expected a JSON object";
    return false;
  }
  ++at;
  skip_json_space(&at, end);
  if (at < end && *at == '}') {
    ++at;
  } else {
    for (;;) {
      std::string_view key;
      if (at == end || *at != '"') {
        error_ = "expected a member name";
        return false;
      }
      if (!parse_string(&at, end, &key)) return false;
      skip_json_space(&at, end);
      if (at == end || *at != ':') {
        error_ = "expected ':' after a member name";
        return false;
      }
      ++at;
      skip_json_space(&at, end);
      JsonValue value;
      if (!parse_value(&at, end, &value)) return false;
      on_member(key, value);
      skip_json_space(&at, end);
      if (at < end && *at == ',') {
        ++at;
        skip_json_space(&at, end);
        continue;
      }
      if (at < end && *at == '}') {
        ++at;
        break;
      }
      error_ = "expected ',' or '}'";
      return false;
    }
  }
  skip_json_space(&at, end);
  if (at != end) {
    error_ = "unexpected text after the JSON object";
    return false;
  }
  return true;
}

}  // namespace rbc::file
