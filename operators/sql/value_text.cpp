// Text codecs for CAST; see value_text.h.
#include "operators/sql/value_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace rbc::sql {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n'))
    text.remove_suffix(1);
  return text;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// Reads exactly `count` digits at `pos`.
bool read_digits(std::string_view text, size_t& pos, int count, int64_t& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (int i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return true;
}

void append_two(std::string& out, unsigned value) {
  out += static_cast<char>('0' + value / 10);
  out += static_cast<char>('0' + value % 10);
}

unsigned days_in_month(int64_t year, unsigned month) {
  static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

}  // namespace

__int128 pow10_i128(int n) {
  static const auto table = [] {
    struct Table {
      __int128 values[39];
    } t{};
    t.values[0] = 1;
    for (int i = 1; i < 39; ++i) t.values[i] = t.values[i - 1] * 10;
    return t;
  }();
  return table.values[n < 0 ? 0 : (n > 38 ? 38 : n)];
}

// Howard Hinnant's algorithms: proleptic Gregorian calendar.
int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t days, int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2);
}

void append_int(std::string& out, int64_t value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "Infinity" : "-Infinity";
  } else {
    char buffer[32];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
  }
}

void append_decimal(std::string& out, __int128 unscaled, int scale) {
  bool negative = unscaled < 0;
  unsigned __int128 magnitude = negative ? -static_cast<unsigned __int128>(unscaled) : unscaled;
  char digits[48];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  while (count <= scale) digits[count++] = '0';  // at least one digit before the point
  if (negative) out += '-';
  for (int i = count - 1; i >= 0; --i) {
    out += digits[i];
    if (i == scale && scale > 0) out += '.';
  }
}

void append_date(std::string& out, int32_t days) {
  int64_t year;
  unsigned month, day;
  civil_from_days(days, year, month, day);
  char buffer[32];
  int length =
      std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02u", static_cast<long long>(year), month, day);
  out.append(buffer, static_cast<size_t>(length));
}

void append_timestamp(std::string& out, int64_t micros, bool with_zone) {
  int64_t days = micros >= 0 ? micros / 86'400'000'000 : -((-micros + 86'399'999'999) / 86'400'000'000);
  int64_t rest = micros - days * 86'400'000'000;
  append_date(out, static_cast<int32_t>(days));
  out += ' ';
  append_two(out, static_cast<unsigned>(rest / 3'600'000'000));
  out += ':';
  append_two(out, static_cast<unsigned>(rest / 60'000'000 % 60));
  out += ':';
  append_two(out, static_cast<unsigned>(rest / 1'000'000 % 60));
  if (int64_t fraction = rest % 1'000'000; fraction != 0) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "%06lld", static_cast<long long>(fraction));
    std::string_view digits(buffer, 6);
    while (digits.back() == '0') digits.remove_suffix(1);  // PostgreSQL drops trailing zeros
    out += '.';
    out += digits;
  }
  if (with_zone) out += "+00";
}

std::optional<int64_t> parse_int(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int64_t value = 0;
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || result.ec != std::errc{} || result.ptr != text.data() + text.size())
    return std::nullopt;
  return value;
}

std::optional<double> parse_double(std::string_view text) {
  text = trim(text);
  if (equals_ignore_case(text, "nan")) return std::nan("");
  if (equals_ignore_case(text, "infinity") || equals_ignore_case(text, "inf")) return HUGE_VAL;
  if (equals_ignore_case(text, "-infinity") || equals_ignore_case(text, "-inf")) return -HUGE_VAL;
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0;
  auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || result.ec != std::errc{} || result.ptr != text.data() + text.size())
    return std::nullopt;
  return value;
}

std::optional<__int128> parse_decimal(std::string_view text, int scale) {
  text = trim(text);
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  // Exponent forms (1e3) go through the digits with a shifted point.
  int exponent = 0;
  if (auto e = text.find_first_of("eE"); e != std::string_view::npos) {
    std::string_view exponent_text = text.substr(e + 1);
    if (!exponent_text.empty() && exponent_text.front() == '+') exponent_text.remove_prefix(1);
    auto result =
        std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
    if (exponent_text.empty() || result.ec != std::errc{} ||
        result.ptr != exponent_text.data() + exponent_text.size() || exponent > 38 || exponent < -38) {
      return std::nullopt;
    }
    text = text.substr(0, e);
  }
  __int128 value = 0;
  int digits_after_point = 0;
  bool seen_point = false;
  bool seen_digit = false;
  bool round_up = false;
  int significant = 0;
  for (char c : text) {
    if (c == '.') {
      if (seen_point) return std::nullopt;
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    seen_digit = true;
    int position =
        (seen_point ? digits_after_point + 1 : 0) - exponent;  // digits after the point once shifted
    if (seen_point) ++digits_after_point;
    if (position > scale) {
      // Beyond the target scale: only the first dropped digit decides rounding.
      if (position == scale + 1) round_up = c >= '5';
      continue;
    }
    if (value != 0 || c != '0') ++significant;
    if (significant > 38) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (!seen_digit) return std::nullopt;
  int have = digits_after_point - exponent;
  if (have > scale) have = scale;
  if (scale - have > 38) return std::nullopt;
  __int128 factor = pow10_i128(scale - have);
  if (value != 0 && value > (static_cast<__int128>(1) << 125) / factor) return std::nullopt;
  value = value * factor + (round_up ? 1 : 0);
  return negative ? -value : value;
}

std::optional<bool> parse_bool(std::string_view text) {
  text = trim(text);
  for (const char* word : {"t", "true", "y", "yes", "on", "1"}) {
    if (equals_ignore_case(text, word)) return true;
  }
  for (const char* word : {"f", "false", "n", "no", "off", "0"}) {
    if (equals_ignore_case(text, word)) return false;
  }
  return std::nullopt;
}

namespace {

bool parse_date_prefix(std::string_view text, size_t& pos, int64_t& days) {
  int64_t year, month, day;
  if (!read_digits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
      !read_digits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
      !read_digits(text, pos, 2, day)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, static_cast<unsigned>(month)))
    return false;
  days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return true;
}

}  // namespace

std::optional<int32_t> parse_date(std::string_view text) {
  text = trim(text);
  size_t pos = 0;
  int64_t days;
  if (!parse_date_prefix(text, pos, days) || pos != text.size()) return std::nullopt;
  return static_cast<int32_t>(days);
}

std::optional<int64_t> parse_timestamp(std::string_view text, bool with_zone) {
  text = trim(text);
  size_t pos = 0;
  int64_t days;
  if (!parse_date_prefix(text, pos, days)) return std::nullopt;
  int64_t micros = days * 86'400'000'000;
  if (pos == text.size()) return micros;
  if (text[pos] != ' ' && text[pos] != 'T') return std::nullopt;
  ++pos;
  int64_t hour, minute, second = 0;
  if (!read_digits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
      !read_digits(text, pos, 2, minute)) {
    return std::nullopt;
  }
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!read_digits(text, pos, 2, second)) return std::nullopt;
  }
  if (hour > 24 || minute > 59 || second > 60) return std::nullopt;
  int64_t fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6)
        fraction = fraction * 10 + (text[pos] - '0');
      else if (digits == 6 && text[pos] >= '5')
        fraction += 1;  // round to microseconds
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 6; ++i) fraction *= 10;
  }
  micros += ((hour * 60 + minute) * 60 + second) * 1'000'000 + fraction;
  while (pos < text.size() && text[pos] == ' ') ++pos;
  if (pos == text.size()) return micros;
  int64_t offset_seconds = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int sign = text[pos++] == '-' ? -1 : 1;
    int64_t offset_hours, offset_minutes = 0;
    if (!read_digits(text, pos, 2, offset_hours)) return std::nullopt;
    if (pos < text.size() && text[pos] == ':') ++pos;
    if (pos < text.size() && !read_digits(text, pos, 2, offset_minutes)) return std::nullopt;
    offset_seconds = sign * (offset_hours * 3600 + offset_minutes * 60);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  return with_zone ? micros - offset_seconds * 1'000'000 : micros;
}

}  // namespace rbc::sql
