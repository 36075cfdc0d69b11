// Block reading and record scanning for CSV and JSON-lines files.
#include "connectors/file/record_scanner.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rbc::file {

namespace {

size_t count_newlines(const char* p, const char* end) {
  size_t count = 0;
  while (p < end) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr) break;
    ++count;
    p = nl + 1;
  }
  return count;
}

// A UTF-8 byte order mark at the very start is not part of the first value.
void skip_byte_order_mark(BlockReader& reader) {
  const char* p = reader.begin();
  if (reader.end() - p >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) reader.consume(p + 3);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

bool read_hex4(const char* at, const char* end, uint32_t* out) {
  if (end - at < 4) return false;
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    int digit = hex_digit(at[i]);
    if (digit < 0) return false;
    value = value << 4 | static_cast<uint32_t>(digit);
  }
  *out = value;
  return true;
}

}  // namespace

BlockReader::~BlockReader() = default;

Status BlockReader::open(const std::string& path, Compression compression, size_t block_size) {
  RBC_RETURN_NOT_OK(input_.open(path, compression));
  buffer_.resize(block_size);
  start_ = end_ = 0;
  eof_ = false;
  return Status::ok();
}

void BlockReader::view(const char* data, size_t size) {
  view_ = data;
  start_ = 0;
  end_ = size;
  eof_ = true;
}

Status BlockReader::fill() {
  if (eof_) return Status::ok();
  const size_t pending = end_ - start_;
  if (start_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + start_, pending);
    start_ = 0;
    end_ = pending;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // one record longer than a block
  RBC_ASSIGN_OR_RETURN(size_t n, input_.read(buffer_.data() + end_, buffer_.size() - end_));
  if (n == 0) eof_ = true;
  end_ += n;
  return Status::ok();
}

void CsvScanner::open_chunk(std::string_view data, uint64_t first_line, bool file_start) {
  reader_.view(data.data(), data.size());
  line_ = 0;
  next_line_ = first_line;
  started_ = !file_start;  // a byte order mark is skipped only at the file's start
}

Result<ScanResult> CsvScanner::next() {
  if (!started_) {
    started_ = true;
    RBC_RETURN_NOT_OK(reader_.fill());
    skip_byte_order_mark(reader_);
  }
  for (;;) {
    const char* p = reader_.begin();
    const char* end = reader_.end();
    if (p == end) {
      if (reader_.eof()) return ScanResult::end;
      RBC_RETURN_NOT_OK(reader_.fill());
      continue;
    }
    const char* next = nullptr;
    Scan scanned = scan(p, end, reader_.eof(), &next);
    if (scanned == Scan::need_more) {
      RBC_RETURN_NOT_OK(reader_.fill());
      continue;
    }
    line_ = next_line_;
    next_line_ += newlines_;
    reader_.consume(next);
    if (scanned == Scan::malformed) return ScanResult::malformed;
    if (fields_.size() == 1 && fields_[0].size == 0 && !fields_[0].quoted) continue;  // blank line
    return ScanResult::record;
  }
}

CsvScanner::Scan CsvScanner::scan(const char* p, const char* end, bool eof, const char** next) {
  fields_.clear();
  const char delimiter = delimiter_;
  const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
  if (nl == nullptr && !eof) return Scan::need_more;
  const char* line_end = nl != nullptr ? nl : end;

  // Fast path: a line without quotes is split at each delimiter with memchr.
  if (std::memchr(p, '"', static_cast<size_t>(line_end - p)) == nullptr) {
    const char* content_end = line_end;
    if (content_end > p && content_end[-1] == '\r') --content_end;
    const char* s = p;
    for (;;) {
      const auto* d =
          static_cast<const char*>(std::memchr(s, delimiter, static_cast<size_t>(content_end - s)));
      if (d == nullptr) {
        fields_.push_back({s, static_cast<uint32_t>(content_end - s)});
        break;
      }
      fields_.push_back({s, static_cast<uint32_t>(d - s)});
      s = d + 1;
    }
    raw_ = {p, static_cast<size_t>(content_end - p)};
    *next = nl != nullptr ? nl + 1 : end;
    newlines_ = nl != nullptr ? 1 : 0;
    return Scan::done;
  }

  // Quoted fields may hold delimiters, doubled quotes and line breaks.
  const char* s = p;
  const char* record_end = nullptr;
  for (;;) {
    if (s < end && *s == '"') {
      const char* q = s + 1;
      bool doubled = false;
      for (;;) {
        const auto* c = static_cast<const char*>(std::memchr(q, '"', static_cast<size_t>(end - q)));
        if (c == nullptr) {
          if (!eof) return Scan::need_more;
          error_ = "unterminated quoted field";
          raw_ = {p, static_cast<size_t>(end - p)};
          *next = end;
          newlines_ = count_newlines(p, end);
          return Scan::malformed;
        }
        if (c + 1 == end && !eof) return Scan::need_more;
        if (c + 1 < end && c[1] == '"') {
          doubled = true;
          q = c + 2;
          continue;
        }
        q = c;
        break;
      }
      fields_.push_back({s + 1, static_cast<uint32_t>(q - s - 1), true, doubled});
      s = q + 1;
      if (s == end) {  // closing quote at the end of the file
        record_end = end;
        *next = end;
        break;
      }
      if (*s == delimiter) {
        ++s;
        continue;
      }
      if (*s == '\n') {
        record_end = s;
        *next = s + 1;
        break;
      }
      if (*s == '\r' && (s + 1 == end || s[1] == '\n')) {
        if (s + 1 == end && !eof) return Scan::need_more;
        record_end = s;
        *next = s + 1 == end ? end : s + 2;
        break;
      }
      error_ = "unexpected character after a closing quote";
      const auto* e = static_cast<const char*>(std::memchr(s, '\n', static_cast<size_t>(end - s)));
      if (e == nullptr && !eof) return Scan::need_more;
      raw_ = {p, static_cast<size_t>((e != nullptr ? e : end) - p)};
      *next = e != nullptr ? e + 1 : end;
      newlines_ = count_newlines(p, *next);
      return Scan::malformed;
    }
    const char* c = s;
    while (c < end && *c != delimiter && *c != '\n') ++c;
    if (c == end && !eof) return Scan::need_more;
    const char* field_end = c;
    if ((c == end || *c == '\n') && field_end > s && field_end[-1] == '\r') --field_end;
    fields_.push_back({s, static_cast<uint32_t>(field_end - s)});
    if (c < end && *c == delimiter) {
      s = c + 1;
      continue;
    }
    record_end = field_end;
    *next = c < end ? c + 1 : end;
    break;
  }
  raw_ = {p, static_cast<size_t>(record_end - p)};
  newlines_ = count_newlines(p, *next);
  return Scan::done;
}

std::string_view CsvScanner::text(const CsvField& field, std::string& scratch) {
  if (!field.doubled_quotes) return {field.data, field.size};
  scratch.clear();
  for (uint32_t i = 0; i < field.size; ++i) {
    scratch.push_back(field.data[i]);
    if (field.data[i] == '"') ++i;  // the second quote of a doubled pair
  }
  return scratch;
}

void JsonlScanner::open_chunk(std::string_view data, uint64_t first_line, bool file_start) {
  reader_.view(data.data(), data.size());
  line_ = 0;
  next_line_ = first_line;
  started_ = !file_start;
}

Result<ScanResult> JsonlScanner::next() {
  if (!started_) {
    started_ = true;
    RBC_RETURN_NOT_OK(reader_.fill());
    skip_byte_order_mark(reader_);
  }
  for (;;) {
    const char* p = reader_.begin();
    const char* end = reader_.end();
    if (p == end) {
      if (reader_.eof()) return ScanResult::end;
      RBC_RETURN_NOT_OK(reader_.fill());
      continue;
    }
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr && !reader_.eof()) {
      RBC_RETURN_NOT_OK(reader_.fill());
      continue;
    }
    const char* content_end = nl != nullptr ? nl : end;
    if (content_end > p && content_end[-1] == '\r') --content_end;
    line_ = next_line_++;
    reader_.consume(nl != nullptr ? nl + 1 : end);
    raw_ = {p, static_cast<size_t>(content_end - p)};
    const char* at = p;
    skip_json_space(&at, content_end);
    if (at == content_end) continue;  // blank line
    error_ = "";
    return ScanResult::record;
  }
}

bool JsonlScanner::parse_string(const char** at, const char* end, std::string_view* text) {
  const char* start = *at + 1;
  const char* p = start;
  while (p < end && *p != '"' && *p != '\\') ++p;
  if (p < end && *p == '"') {  // no escapes: a view into the line
    *text = {start, static_cast<size_t>(p - start)};
    *at = p + 1;
    return true;
  }
  const size_t from = scratch_.size();
  scratch_.append(start, p);
  while (p < end && *p != '"') {
    if (*p != '\\') {
      scratch_.push_back(*p++);
      continue;
    }
    if (++p == end) break;
    char escape = *p++;
    switch (escape) {
      case '"': scratch_.push_back('"'); break;
      case '\\': scratch_.push_back('\\'); break;
      case '/': scratch_.push_back('/'); break;
      case 'b': scratch_.push_back('\b'); break;
      case 'f': scratch_.push_back('\f'); break;
      case 'n': scratch_.push_back('\n'); break;
      case 'r': scratch_.push_back('\r'); break;
      case 't': scratch_.push_back('\t'); break;
      case 'u': {
        uint32_t code = 0;
        if (!read_hex4(p, end, &code)) {
          error_ = "invalid \\u escape";
          return false;
        }
        p += 4;
        if (code >= 0xD800 && code <= 0xDBFF) {
          uint32_t low = 0;
          if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !read_hex4(p + 2, end, &low) || low < 0xDC00 ||
              low > 0xDFFF) {
            error_ = "unpaired surrogate in a \\u escape";
            return false;
          }
          p += 6;
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        } else if (code >= 0xDC00 && code <= 0xDFFF) {
          error_ = "unpaired surrogate in a \\u escape";
          return false;
        }
        append_utf8(scratch_, code);
        break;
      }
      default: error_ = "invalid escape in a string"; return false;
    }
  }
  if (p == end) {
    error_ = "unterminated string";
    return false;
  }
  *text = {scratch_.data() + from, scratch_.size() - from};
  *at = p + 1;
  return true;
}

bool JsonlScanner::parse_value(const char** at, const char* end, JsonValue* value) {
  const char* start = *at;
  if (start == end) {
    error_ = "expected a value";
    return false;
  }
  auto literal = [&](std::string_view word, JsonKind kind) {
    if (static_cast<size_t>(end - start) < word.size() || std::string_view(start, word.size()) != word) {
      error_ = "invalid literal";
      return false;
    }
    *at = start + word.size();
    value->kind = kind;
    value->raw = value->text = {start, word.size()};
    return true;
  };
  switch (*start) {
    case '"': {
      value->kind = JsonKind::string;
      if (!parse_string(at, end, &value->text)) return false;
      value->raw = {start, static_cast<size_t>(*at - start)};
      return true;
    }
    case 't': return literal("true", JsonKind::true_value);
    case 'f': return literal("false", JsonKind::false_value);
    case 'n': return literal("null", JsonKind::null);
    case '{':
    case '[': {
      // Nested values are kept as text (json columns); only their nesting is checked.
      int depth = 0;
      const char* p = start;
      for (; p < end; ++p) {
        char c = *p;
        if (c == '"') {
          for (++p; p < end && *p != '"'; ++p) {
            if (*p == '\\') ++p;
          }
          if (p >= end) break;
        } else if (c == '{' || c == '[') {
          ++depth;
        } else if (c == '}' || c == ']') {
          if (--depth == 0) break;
        }
      }
      if (p >= end) {
        error_ = "unterminated nested value";
        return false;
      }
      *at = p + 1;
      value->kind = JsonKind::nested;
      value->raw = value->text = {start, static_cast<size_t>(*at - start)};
      return true;
    }
    default: break;
  }
  const char* p = start;
  if (p < end && *p == '-') ++p;
  const char* digits = p;
  while (p < end && *p >= '0' && *p <= '9') ++p;
  bool ok = p > digits;
  if (ok && p < end && *p == '.') {
    const char* fraction = ++p;
    while (p < end && *p >= '0' && *p <= '9') ++p;
    ok = p > fraction;
  }
  if (ok && p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    const char* exponent = p;
    while (p < end && *p >= '0' && *p <= '9') ++p;
    ok = p > exponent;
  }
  if (!ok) {
    error_ = "invalid value";
    return false;
  }
  *at = p;
  value->kind = JsonKind::number;
  value->raw = value->text = {start, static_cast<size_t>(p - start)};
  return true;
}

}  // namespace rbc::file
