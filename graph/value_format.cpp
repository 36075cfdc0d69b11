// Value codecs: the one place that decides how each column type reads and prints as text.
// One file: each type's parse_* and append_* are kept together so that they round-trip
// and a type's text form is decided in one place.
#include "graph/value_format.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "graph/utf8.h"

namespace rbc {

namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != b[i]) return false;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kHexDigits[] = "0123456789abcdef";

// Reads exactly `count` digits at text[at...] into `out`.
bool fixed_digits(std::string_view text, size_t at, size_t count, unsigned* out) {
  if (at + count > text.size()) return false;
  unsigned value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (!is_digit(text[i])) return false;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  *out = value;
  return true;
}

bool is_leap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(int64_t year, unsigned month) {
  static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

// YYYY-MM-DD at the start of `text`; a year before Christ (`bc`, PostgreSQL's " BC"
// suffix) is astronomical year 1 - YYYY: 0001 BC is year 0.
bool parse_date_prefix(std::string_view text, bool bc, int32_t* days) {
  unsigned year = 0, month = 0, day = 0;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return false;
  if (!fixed_digits(text, 0, 4, &year) || !fixed_digits(text, 5, 2, &month) ||
      !fixed_digits(text, 8, 2, &day)) {
    return false;
  }
  if (bc && year == 0) return false;
  const int64_t astronomical = bc ? 1 - static_cast<int64_t>(year) : year;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(astronomical, month)) return false;
  *days = days_from_civil(astronomical, month, day);
  return true;
}

// Removes PostgreSQL's " BC" suffix from `text`; whether there was one.
bool strip_bc(std::string_view& text) {
  if (text.size() < 3 || text[text.size() - 3] != ' ' || (text[text.size() - 2] | 0x20) != 'b' ||
      (text[text.size() - 1] | 0x20) != 'c') {
    return false;
  }
  text.remove_suffix(3);
  return true;
}

// "infinity", "+infinity" or "-infinity" (any case): +1 or -1; 0 for anything else.
int infinity_sign(std::string_view text) {
  int sign = 1;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    sign = text[0] == '-' ? -1 : 1;
    text.remove_prefix(1);
  }
  static constexpr std::string_view kWord = "infinity";
  if (text.size() != kWord.size()) return 0;
  for (size_t i = 0; i < kWord.size(); ++i) {
    if ((text[i] | 0x20) != kWord[i]) return 0;
  }
  return sign;
}

// Parses "YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]]" and returns the rest (offset) in `rest`.
bool parse_local_timestamp(std::string_view text, bool bc, int64_t* micros, std::string_view* rest) {
  int32_t days = 0;
  if (!parse_date_prefix(text, bc, &days)) return false;
  int64_t value = days * kMicrosPerDay;
  size_t at = 10;
  if (at < text.size() && (text[at] == ' ' || text[at] == 'T' || text[at] == 't')) {
    unsigned hour = 0, minute = 0, second = 0;
    if (!fixed_digits(text, at + 1, 2, &hour) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !fixed_digits(text, at + 4, 2, &minute)) {
      return false;
    }
    at += 6;
    if (at < text.size() && text[at] == ':') {
      if (!fixed_digits(text, at + 1, 2, &second)) return false;
      at += 3;
    }
    // 24:00:00 is allowed as the end of a day, as PostgreSQL does.
    if (hour > 24 || minute > 59 || second > 60 || (hour == 24 && (minute != 0 || second != 0))) return false;
    int64_t fraction = 0;
    if (at < text.size() && text[at] == '.') {
      ++at;
      size_t digits = 0;
      while (at < text.size() && is_digit(text[at])) {
        if (digits < 6) fraction = fraction * 10 + (text[at] - '0');
        ++digits;
        ++at;
      }
      if (digits == 0) return false;
      for (size_t i = digits; i < 6; ++i) fraction *= 10;
    }
    value += (hour * 3600 + minute * 60 + second) * kMicrosPerSecond + fraction;
  }
  *micros = value;
  *rest = text.substr(at);
  return true;
}

// Offset forms: Z, +HH, +HH:MM, +HHMM (or '-'); returns seconds east of UTC.
bool parse_offset(std::string_view text, int64_t* seconds) {
  if (text == "Z" || text == "z") {
    *seconds = 0;
    return true;
  }
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return false;
  unsigned hours = 0, minutes = 0;
  if (!fixed_digits(text, 1, 2, &hours)) return false;
  if (text.size() == 6 && text[3] == ':') {
    if (!fixed_digits(text, 4, 2, &minutes)) return false;
  } else if (text.size() == 5) {
    if (!fixed_digits(text, 3, 2, &minutes)) return false;
  } else if (text.size() != 3) {
    return false;
  }
  if (hours > 15 || minutes > 59) return false;
  int64_t value = hours * 3600 + minutes * 60;
  *seconds = text[0] == '-' ? -value : value;
  return true;
}

void append_two_digits(std::string& out, unsigned value) {
  out.push_back(static_cast<char>('0' + value / 10));
  out.push_back(static_cast<char>('0' + value % 10));
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

// Howard Hinnant's days_from_civil / civil_from_days.
int32_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int32_t>(era * 146097 + static_cast<int64_t>(doe) - 719468);
}

void civil_from_days(int32_t days, int64_t* year, unsigned* month, unsigned* day) {
  const int64_t z = static_cast<int64_t>(days) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int64_t>(yoe) + era * 400 + (*month <= 2);
}

bool parse_bool(std::string_view text, bool* out) {
  if (text.size() == 1) {
    switch (text[0]) {
      case 't':
      case 'T':
      case '1': *out = true; return true;
      case 'f':
      case 'F':
      case '0': *out = false; return true;
      default: return false;
    }
  }
  if (equals_ignore_case(text, "true")) {
    *out = true;
    return true;
  }
  if (equals_ignore_case(text, "false")) {
    *out = false;
    return true;
  }
  return false;
}

bool parse_int64(std::string_view text, int64_t* out) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc{} && end == text.data() + text.size();
}

template <typename Float>
static bool parse_float(std::string_view text, Float* out) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty() || text[0] == '+') return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  // Out of range: from_chars leaves *out alone; treat like strtod (±inf / 0) would be
  // silently lossy, so reject instead.
  return ec == std::errc{} && end == text.data() + text.size();
}

bool parse_float64(std::string_view text, double* out) { return parse_float(text, out); }
bool parse_float32(std::string_view text, float* out) { return parse_float(text, out); }

bool parse_decimal(std::string_view text, uint8_t precision, uint8_t scale, __int128* out) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  __int128 value = 0;
  size_t integer_digits = 0, fraction_digits = 0, significant = 0;
  size_t at = 0;
  for (; at < text.size() && is_digit(text[at]); ++at) {
    if (value == 0 && text[at] == '0') {
      ++integer_digits;
      continue;
    }
    if (++significant > 38) return false;
    value = value * 10 + (text[at] - '0');
    ++integer_digits;
  }
  if (at < text.size() && text[at] == '.') {
    ++at;
    for (; at < text.size() && is_digit(text[at]); ++at, ++fraction_digits) {
      if (fraction_digits >= scale) {
        if (text[at] != '0') return false;  // would lose digits
        continue;
      }
      if (value != 0 || text[at] != '0') ++significant;
      if (significant > 38) return false;
      value = value * 10 + (text[at] - '0');
    }
  }
  if (at != text.size() || integer_digits + fraction_digits == 0) return false;
  for (size_t i = std::min<size_t>(fraction_digits, scale); i < scale; ++i) {
    if (value != 0 && ++significant > 38) return false;
    value *= 10;
  }
  if (precision != 0) {
    __int128 limit = 1;
    for (int i = 0; i < precision; ++i) limit *= 10;
    if (value >= limit) return false;
  }
  *out = negative ? -value : value;
  return true;
}

// PostgreSQL's infinities are the extreme values of the type, as in its binary format.
bool parse_date(std::string_view text, int32_t* days) {
  if (int sign = infinity_sign(text)) {
    *days = sign > 0 ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int32_t>::min();
    return true;
  }
  const bool bc = strip_bc(text);
  return text.size() == 10 && parse_date_prefix(text, bc, days);
}

bool parse_timestamp(std::string_view text, int64_t* micros) {
  if (int sign = infinity_sign(text)) {
    *micros = sign > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
    return true;
  }
  std::string_view rest;
  const bool bc = strip_bc(text);
  return parse_local_timestamp(text, bc, micros, &rest) && rest.empty();
}

bool parse_timestamptz(std::string_view text, int64_t* micros) {
  if (int sign = infinity_sign(text)) {
    *micros = sign > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
    return true;
  }
  std::string_view rest;
  int64_t local = 0, offset = 0;
  const bool bc = strip_bc(text);
  if (!parse_local_timestamp(text, bc, &local, &rest)) return false;
  if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  if (!rest.empty() && !parse_offset(rest, &offset)) return false;
  *micros = local - offset * kMicrosPerSecond;
  return true;
}

bool parse_uuid(std::string_view text, uint8_t out[16]) {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
  const bool hyphenated = text.size() == 36;
  if (!hyphenated && text.size() != 32) return false;
  size_t at = 0;
  for (int i = 0; i < 16; ++i) {
    if (hyphenated && (at == 8 || at == 13 || at == 18 || at == 23)) {
      if (text[at] != '-') return false;
      ++at;
    }
    int high = hex_value(text[at]), low = hex_value(text[at + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<uint8_t>(high << 4 | low);
    at += 2;
  }
  return true;
}

bool parse_bytes(std::string_view text, std::string* out) {
  if (text.size() < 2 || text[0] != '\\' || (text[1] != 'x' && text[1] != 'X') || text.size() % 2 != 0) {
    return false;
  }
  size_t start = out->size();
  for (size_t at = 2; at < text.size(); at += 2) {
    int high = hex_value(text[at]), low = hex_value(text[at + 1]);
    if (high < 0 || low < 0) {
      out->resize(start);
      return false;
    }
    out->push_back(static_cast<char>(high << 4 | low));
  }
  return true;
}

void append_bool(std::string& out, bool value) { out.append(value ? "true" : "false"); }

void append_int64(std::string& out, int64_t value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

template <typename Float>
static void append_float(std::string& out, Float value) {
  if (std::isnan(value)) {
    out.append("NaN");
  } else if (std::isinf(value)) {
    out.append(value < 0 ? "-Infinity" : "Infinity");
  } else {
    char buffer[32];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
  }
}

void append_float64(std::string& out, double value) { append_float(out, value); }
void append_float32(std::string& out, float value) { append_float(out, value); }

void append_decimal(std::string& out, __int128 unscaled, uint8_t scale) {
  if (unscaled < 0) out.push_back('-');
  // Work on the magnitude as unsigned so that the most negative value still prints.
  unsigned __int128 magnitude =
      unscaled < 0 ? -static_cast<unsigned __int128>(unscaled) : static_cast<unsigned __int128>(unscaled);
  char digits[48];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  while (count <= scale) digits[count++] = '0';  // at least one digit before the point
  for (int i = count - 1; i >= 0; --i) {
    out.push_back(digits[i]);
    if (i == scale && scale != 0) out.push_back('.');
  }
}

namespace {

// YYYY-MM-DD of `days`; returns whether the year is before Christ, which PostgreSQL
// writes as 1 - the astronomical year with " BC" at the end of the whole value.
bool append_ymd(std::string& out, int32_t days) {
  int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days, &year, &month, &day);
  const bool bc = year <= 0;
  if (bc) year = 1 - year;
  char buffer[24];
  char* end = buffer;
  if (year < 1000) {
    for (int64_t pad = year < 10 ? 3 : year < 100 ? 2 : 1; pad > 0; --pad) *end++ = '0';
  }
  end = std::to_chars(end, buffer + sizeof buffer, year).ptr;
  out.append(buffer, end);
  out.push_back('-');
  append_two_digits(out, month);
  out.push_back('-');
  append_two_digits(out, day);
  return bc;
}

// A timestamp, then `zone` (empty for a timestamp without time zone), then " BC".
void append_timestamp_in(std::string& out, int64_t micros, std::string_view zone) {
  if (micros == std::numeric_limits<int64_t>::max() || micros == std::numeric_limits<int64_t>::min()) {
    out.append(micros > 0 ? "infinity" : "-infinity");
    return;
  }
  int64_t days = floor_div(micros, kMicrosPerDay);
  int64_t in_day = micros - days * kMicrosPerDay;
  const bool bc = append_ymd(out, static_cast<int32_t>(days));
  int64_t seconds = in_day / kMicrosPerSecond;
  int64_t fraction = in_day % kMicrosPerSecond;
  out.push_back(' ');
  append_two_digits(out, static_cast<unsigned>(seconds / 3600));
  out.push_back(':');
  append_two_digits(out, static_cast<unsigned>(seconds / 60 % 60));
  out.push_back(':');
  append_two_digits(out, static_cast<unsigned>(seconds % 60));
  if (fraction != 0) {
    char digits[7];
    for (int i = 5; i >= 0; --i) {
      digits[i] = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    int length = 6;
    while (digits[length - 1] == '0') --length;
    out.push_back('.');
    out.append(digits, length);
  }
  out.append(zone);
  if (bc) out.append(" BC");
}

}  // namespace

void append_date(std::string& out, int32_t days) {
  if (days == std::numeric_limits<int32_t>::max() || days == std::numeric_limits<int32_t>::min()) {
    out.append(days > 0 ? "infinity" : "-infinity");
    return;
  }
  if (append_ymd(out, days)) out.append(" BC");
}

void append_timestamp(std::string& out, int64_t micros) { append_timestamp_in(out, micros, ""); }

void append_timestamptz(std::string& out, int64_t micros) { append_timestamp_in(out, micros, "+00:00"); }

void append_uuid(std::string& out, const uint8_t bytes[16]) {
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHexDigits[bytes[i] >> 4]);
    out.push_back(kHexDigits[bytes[i] & 15]);
  }
}

void append_bytes_hex(std::string& out, std::string_view bytes) {
  out.append("\\x");
  for (unsigned char c : bytes) {
    out.push_back(kHexDigits[c >> 4]);
    out.push_back(kHexDigits[c & 15]);
  }
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // JSON is UTF-8: a byte that is not part of a well-formed sequence becomes U+FFFD.
      size_t length = utf8_sequence_length(text, i);
      if (length != 0) {
        i += length - 1;
        continue;
      }
      out.append(text.data() + run, i - run);
      run = i + 1;
      out.append("\\ufffd");
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        out.append("\\u00");
        out.push_back(kHexDigits[c >> 4]);
        out.push_back(kHexDigits[c & 15]);
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

bool append_parsed_value(Column& column, std::string_view text, std::string& scratch) {
  const DataType& type = column.type();
  switch (type.id) {
    case TypeId::boolean: {
      bool value = false;
      if (!parse_bool(text, &value)) return false;
      column.append<uint8_t>(value ? 1 : 0);
      return true;
    }
    case TypeId::int16:
    case TypeId::int32:
    case TypeId::int64: {
      int64_t value = 0;
      if (!parse_int64(text, &value)) return false;
      if (type.id == TypeId::int16) {
        if (value < INT16_MIN || value > INT16_MAX) return false;
        column.append<int16_t>(static_cast<int16_t>(value));
      } else if (type.id == TypeId::int32) {
        if (value < INT32_MIN || value > INT32_MAX) return false;
        column.append<int32_t>(static_cast<int32_t>(value));
      } else {
        column.append<int64_t>(value);
      }
      return true;
    }
    case TypeId::float32: {
      float value = 0;
      if (!parse_float32(text, &value)) return false;
      column.append<float>(value);
      return true;
    }
    case TypeId::float64: {
      double value = 0;
      if (!parse_float64(text, &value)) return false;
      column.append<double>(value);
      return true;
    }
    case TypeId::decimal: {
      __int128 value = 0;
      if (!parse_decimal(text, type.precision, type.scale, &value)) return false;
      column.append<__int128>(value);
      return true;
    }
    case TypeId::date: {
      int32_t value = 0;
      if (!parse_date(text, &value)) return false;
      column.append<int32_t>(value);
      return true;
    }
    case TypeId::timestamp: {
      int64_t value = 0;
      if (!parse_timestamp(text, &value)) return false;
      column.append<int64_t>(value);
      return true;
    }
    case TypeId::timestamptz: {
      int64_t value = 0;
      if (!parse_timestamptz(text, &value)) return false;
      column.append<int64_t>(value);
      return true;
    }
    case TypeId::uuid: {
      uint8_t value[16];
      if (!parse_uuid(text, value)) return false;
      column.append_bytes(value, 16);
      return true;
    }
    case TypeId::bytes: {
      scratch.clear();
      if (!parse_bytes(text, &scratch)) return false;
      column.append_string(scratch);
      return true;
    }
    case TypeId::json:
      if (!nlohmann::json::accept(text)) return false;
      column.append_string(text);
      return true;
    case TypeId::text: column.append_string(text); return true;
  }
  return false;
}

void append_formatted_value(std::string& out, const Column& column, size_t row) {
  const DataType& type = column.type();
  switch (type.id) {
    case TypeId::boolean: append_bool(out, column.value<uint8_t>(row) != 0); return;
    case TypeId::int16: append_int64(out, column.value<int16_t>(row)); return;
    case TypeId::int32: append_int64(out, column.value<int32_t>(row)); return;
    case TypeId::int64: append_int64(out, column.value<int64_t>(row)); return;
    case TypeId::float32: append_float32(out, column.value<float>(row)); return;
    case TypeId::float64: append_float64(out, column.value<double>(row)); return;
    case TypeId::decimal: append_decimal(out, column.value<__int128>(row), type.scale); return;
    case TypeId::date: append_date(out, column.value<int32_t>(row)); return;
    case TypeId::timestamp: append_timestamp(out, column.value<int64_t>(row)); return;
    case TypeId::timestamptz: append_timestamptz(out, column.value<int64_t>(row)); return;
    case TypeId::uuid: append_uuid(out, column.data().data() + row * 16); return;
    case TypeId::bytes: append_bytes_hex(out, column.string_at(row)); return;
    case TypeId::text:
    case TypeId::json: out.append(column.string_at(row)); return;
  }
}

bool text_parses_as(TypeId id, std::string_view text) {
  switch (id) {
    case TypeId::boolean: {
      bool value = false;
      return parse_bool(text, &value);
    }
    case TypeId::int16:
    case TypeId::int32:
    case TypeId::int64: {
      int64_t value = 0;
      return parse_int64(text, &value);
    }
    case TypeId::float32:
    case TypeId::float64: {
      double value = 0;
      return parse_float64(text, &value);
    }
    case TypeId::decimal: {
      __int128 value = 0;
      auto point = text.find('.');
      size_t scale = point == std::string_view::npos ? 0 : text.size() - point - 1;
      return scale <= 38 && parse_decimal(text, 0, static_cast<uint8_t>(scale), &value);
    }
    case TypeId::date: {
      int32_t value = 0;
      return parse_date(text, &value);
    }
    case TypeId::timestamp: {
      int64_t value = 0;
      return parse_timestamp(text, &value);
    }
    case TypeId::timestamptz: {
      int64_t value = 0;
      return parse_timestamptz(text, &value);
    }
    case TypeId::uuid: {
      uint8_t value[16];
      return parse_uuid(text, value);
    }
    case TypeId::bytes: {
      if (text.size() < 2 || text[0] != '\\' || text.size() % 2 != 0) return false;
      for (size_t i = 2; i < text.size(); ++i) {
        if (hex_value(text[i]) < 0) return false;
      }
      return text[1] == 'x' || text[1] == 'X';
    }
    case TypeId::json: return nlohmann::json::accept(text);
    case TypeId::text: return true;
  }
  return false;
}

// Appends a row as a JSON object in column order: numbers and booleans as JSON values,
// everything else in its printed text form.
void append_record_json(std::string& out, const Batch& batch, size_t row) {
  out += '{';
  std::string value;
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    if (c > 0) out += ',';
    append_json_string(out, batch.schema->field(c).name);
    out += ':';
    const Column& column = batch.columns[c];
    if (column.is_null(row)) {
      out += "null";
      continue;
    }
    value.clear();
    append_formatted_value(value, column, row);
    const DataType& type = column.type();
    bool bare = type.id == TypeId::boolean || type.is_integer() ||
                (type.id == TypeId::float64 && std::isfinite(column.value<double>(row))) ||
                (type.id == TypeId::float32 && std::isfinite(column.value<float>(row)));
    if (bare) {
      out += value;
    } else {
      append_json_string(out, value);
    }
  }
  out += '}';
}

}  // namespace rbc
