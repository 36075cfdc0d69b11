// Messages for records a file source cannot read (see record_errors.h).
#include "connectors/file/record_errors.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "graph/utf8.h"

namespace rbc::file {

namespace {
constexpr size_t kQuotedValueLimit = 80;  // longer values are cut in error messages
}  // namespace

std::string quoted_value(std::string_view text) {
  std::string out = "\"";
  out.append(text.substr(0, kQuotedValueLimit));
  if (text.size() > kQuotedValueLimit) out += "...";
  out += "\"";
  return out;
}

std::string cannot_read(const Field& field, std::string_view text) {
  return "column \"" + field.name + "\": cannot read " + quoted_value(text) + " as " + field.type.to_string();
}

// Where the first byte of `text` that is not part of well-formed UTF-8 is, or npos.
size_t invalid_utf8_at(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    uint64_t word = 0;
    if (i + 8 <= text.size() &&
        (std::memcpy(&word, text.data() + i, 8), (word & 0x8080808080808080ULL) == 0)) {
      i += 8;  // eight ASCII bytes
    } else if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
    } else {
      const size_t length = utf8_sequence_length(text, i);
      if (length == 0) return i;
      i += length;
    }
  }
  return std::string_view::npos;
}

// PostgreSQL's words for the invalid sequence at text[at]: the bytes its first byte claims.
std::string invalid_utf8(const Field& field, std::string_view text, size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  size_t claimed = lead >= 0xF0 && lead <= 0xF7 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (lead > 0xF7) claimed = 1;
  claimed = std::min(claimed, text.size() - at);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string bytes;
  for (size_t i = 0; i < claimed; ++i) {
    const auto byte = static_cast<unsigned char>(text[at + i]);
    bytes += std::string(i ? " 0x" : "0x") + kHex[byte >> 4] + kHex[byte & 15];
  }
  return "column \"" + field.name + "\": invalid byte sequence for encoding \"UTF8\": " + bytes;
}

// The line and byte column (from 1) of `where` in the record `raw` that starts on `line`;
// column 0 when `where` is not in `raw`.
std::pair<uint64_t, uint64_t> position_in(std::string_view raw, uint64_t line, const char* where) {
  if (where < raw.data() || where > raw.data() + raw.size()) return {line, 0};
  const auto before = raw.substr(0, static_cast<size_t>(where - raw.data()));
  const size_t newline = before.rfind('\n');
  line += static_cast<uint64_t>(std::count(before.begin(), before.end(), '\n'));
  return {line, before.size() - (newline == std::string_view::npos ? 0 : newline + 1) + 1};
}

}  // namespace rbc::file
