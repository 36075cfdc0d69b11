// CAST: converting a vector from one type to another with PostgreSQL's rules (text is
// parsed and printed by the value codecs, numbers are range-checked, decimals rounded).
// Its one entry point is cast_vec (expr.h): the evaluator's CAST nodes and query.cpp.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "expr/expr.h"
#include "expr/kernel.h"
#include "expr/pow10.h"
#include "graph/value_format.h"

namespace rbc::sql {

namespace {

Status invalid_text(const DataType& to, std::string_view text, const Expr& expr) {
  return runtime_error("invalid input syntax for type " + to.to_string() + ": \"" + std::string(text) + "\"",
                       expr);
}

bool fits(const DataType& to, int64_t v) {
  if (to.id == TypeId::int16) return v >= INT16_MIN && v <= INT16_MAX;
  if (to.id == TypeId::int32) return v >= INT32_MIN && v <= INT32_MAX;
  return true;
}

bool decimal_fits(const DataType& to, __int128 v) {
  if (to.precision == 0) return true;
  __int128 limit = pow10_i128(to.precision);
  return v < limit && v > -limit;
}

// CAST from text reads the shared codecs' forms (graph/value_format.h) plus what
// PostgreSQL also accepts there: surrounding whitespace, the boolean words
// yes/no/on/off/y/n, decimals with more fractional digits than the target scale
// (rounded half away from zero) or with an exponent, and an offset on a timestamp
// without time zone (ignored).
std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n'))
    text.remove_suffix(1);
  return text;
}

bool equals_lower(std::string_view text, std::string_view word) {
  if (text.size() != word.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] + 32) : text[i];
    if (c != word[i]) return false;
  }
  return true;
}

bool text_to_bool(std::string_view text, bool* out) {
  text = trim_blanks(text);
  if (parse_bool(text, out)) return true;
  for (const char* word : {"y", "yes", "on"}) {
    if (equals_lower(text, word)) return *out = true;
  }
  for (const char* word : {"n", "no", "off"}) {
    if (equals_lower(text, word)) return !(*out = false);
  }
  return false;
}

// Rewrites `text` as plain digits with at most `scale` fractional digits (the exponent
// applied), into `scratch` when it has to change; `round_up` says whether the first
// dropped digit is 5 or more. False when the text is malformed.
bool plain_decimal_text(std::string_view& text, int scale, std::string& scratch, bool& round_up) {
  round_up = false;
  int exponent = 0;
  std::string_view mantissa = text;
  if (auto e = text.find_first_of("eE"); e != std::string_view::npos) {
    std::string_view exponent_text = text.substr(e + 1);
    if (!exponent_text.empty() && exponent_text.front() == '+') exponent_text.remove_prefix(1);
    auto result =
        std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
    if (exponent_text.empty() || result.ec != std::errc{} ||
        result.ptr != exponent_text.data() + exponent_text.size() || exponent > 38 || exponent < -38) {
      return false;
    }
    mantissa = text.substr(0, e);
  }
  size_t point = mantissa.find('.');
  size_t fraction_digits = point == std::string_view::npos ? 0 : mantissa.size() - point - 1;
  if (exponent == 0 && fraction_digits <= static_cast<size_t>(scale)) {
    text = mantissa;
    return true;
  }
  std::string_view sign;
  if (!mantissa.empty() && (mantissa.front() == '-' || mantissa.front() == '+')) {
    sign = mantissa.substr(0, 1);
    mantissa.remove_prefix(1);
  }
  std::string digits;
  point = mantissa.find('.');
  if (point == std::string_view::npos) {
    digits = mantissa;
  } else {
    digits.append(mantissa.substr(0, point)).append(mantissa.substr(point + 1));
  }
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.empty()) return false;
  // The point sits after `integer` digits of `digits` once the exponent is applied.
  int64_t integer = static_cast<int64_t>(digits.size() - fraction_digits) + exponent;
  if (integer < 0) {
    digits.insert(0, static_cast<size_t>(-integer), '0');
    integer = 0;
  }
  if (integer > static_cast<int64_t>(digits.size())) digits.append(integer - digits.size(), '0');
  size_t keep = static_cast<size_t>(integer) + static_cast<size_t>(scale);
  if (keep < digits.size()) {
    round_up = digits[keep] >= '5';
    digits.resize(keep);
  }
  scratch.assign(sign);
  scratch.append(digits, 0, static_cast<size_t>(integer));
  if (digits.size() > static_cast<size_t>(integer))
    scratch.append(".").append(digits, static_cast<size_t>(integer));
  if (integer == 0 && digits.empty()) scratch.append("0");
  text = scratch;
  return true;
}

bool text_to_decimal(std::string_view text, int scale, std::string& scratch, __int128* out) {
  text = trim_blanks(text);
  bool round_up = false;
  if (!plain_decimal_text(text, scale, scratch, round_up)) return false;
  if (!parse_decimal(text, 0, static_cast<uint8_t>(scale), out)) return false;
  if (round_up) *out += !text.empty() && text.front() == '-' ? -1 : 1;
  return true;
}

bool text_to_timestamp(std::string_view text, bool with_zone, int64_t* out) {
  text = trim_blanks(text);
  if (with_zone) return parse_timestamptz(text, out);
  if (parse_timestamp(text, out)) return true;
  // An offset is checked and then ignored, as PostgreSQL does for timestamp.
  int64_t ignored = 0;
  size_t offset = text.find_last_of("+-Zz");
  if (offset == std::string_view::npos || offset < 10 || !parse_timestamptz(text, &ignored)) return false;
  return parse_timestamp(trim_blanks(text.substr(0, offset)), out);
}

Result<Vec> format_as_text(const Vec& in, const DataType& to) {
  Vec out;
  out.type = to;
  out.constant = in.constant;
  out.allocate(in.size);
  out.valid = in.valid;
  TextBuilder builder(in.size);
  std::string& buffer = builder.buffer();
  for (size_t i = 0; i < in.size; ++i) {
    if (in.is_valid(i)) {
      switch (in.type.id) {
        case TypeId::boolean: append_bool(buffer, in.bools[i]); break;
        case TypeId::int16:
        case TypeId::int32:
        case TypeId::int64: append_int64(buffer, in.ints[i]); break;
        case TypeId::float32: append_float32(buffer, static_cast<float>(in.floats[i])); break;
        case TypeId::float64: append_float64(buffer, in.floats[i]); break;
        case TypeId::decimal: append_decimal(buffer, in.decimals[i], in.type.scale); break;
        case TypeId::date: append_date(buffer, static_cast<int32_t>(in.ints[i])); break;
        case TypeId::timestamp: append_timestamp(buffer, in.ints[i]); break;
        case TypeId::timestamptz: append_timestamptz(buffer, in.ints[i]); break;
        case TypeId::uuid: append_uuid(buffer, reinterpret_cast<const uint8_t*>(in.strings[i].data())); break;
        case TypeId::text:
        case TypeId::bytes:
        case TypeId::json: buffer.append(in.strings[i]); break;
      }
    }
    builder.finish_row(i);
  }
  builder.finish(out);
  return out;
}

Result<Vec> parse_from_text(const Vec& in, const DataType& to, const Expr& expr) {
  Vec out;
  out.type = to;
  out.constant = in.constant;
  out.allocate(in.size);
  out.valid = in.valid;
  std::shared_ptr<std::string> uuids;
  if (to.id == TypeId::uuid) {
    uuids = std::make_shared<std::string>();
    uuids->reserve(in.size * 16);
  }
  std::string scratch;
  for (size_t i = 0; i < in.size; ++i) {
    if (!in.is_valid(i)) continue;
    std::string_view s = in.strings[i];
    bool ok = true;
    switch (to.id) {
      case TypeId::boolean: {
        bool v = false;
        ok = text_to_bool(s, &v);
        out.bools[i] = v;
        break;
      }
      case TypeId::int16:
      case TypeId::int32:
      case TypeId::int64: {
        int64_t v = 0;
        ok = parse_int64(trim_blanks(s), &v);
        if (ok && !fits(to, v))
          return runtime_error("value \"" + std::string(s) + "\" is out of range for type " + to.to_string(),
                               expr);
        out.ints[i] = ok ? v : 0;
        break;
      }
      case TypeId::float32:
      case TypeId::float64: {
        double v = 0;
        ok = parse_float64(trim_blanks(s), &v);
        if (!ok) v = 0;
        out.floats[i] = to.id == TypeId::float32 ? static_cast<float>(v) : v;
        break;
      }
      case TypeId::decimal: {
        __int128 v = 0;
        ok = text_to_decimal(s, to.scale, scratch, &v);
        if (ok && !decimal_fits(to, v)) return runtime_error("numeric field overflow", expr);
        out.decimals[i] = ok ? v : 0;
        break;
      }
      case TypeId::date: {
        int32_t v = 0;
        ok = parse_date(trim_blanks(s), &v);
        out.ints[i] = ok ? v : 0;
        break;
      }
      case TypeId::timestamp:
      case TypeId::timestamptz: {
        int64_t v = 0;
        ok = text_to_timestamp(s, to.id == TypeId::timestamptz, &v);
        out.ints[i] = ok ? v : 0;
        break;
      }
      case TypeId::uuid: {
        uint8_t bytes[16];
        ok = parse_uuid(trim_blanks(s), bytes);
        if (ok) uuids->append(reinterpret_cast<const char*>(bytes), 16);
        break;
      }
      case TypeId::text:
      case TypeId::bytes:
      case TypeId::json: out.strings[i] = s; break;
    }
    if (!ok) return invalid_text(to, s, expr);
  }
  if (uuids) {
    size_t at = 0;
    for (size_t i = 0; i < in.size; ++i) {
      if (!in.is_valid(i)) continue;
      out.strings[i] = std::string_view(uuids->data() + at, 16);
      at += 16;
    }
    out.arenas.push_back(std::move(uuids));
  } else {
    out.arenas = in.arenas;
  }
  return out;
}

}  // namespace

Result<Vec> cast_vec(const Vec& in, const DataType& to, const Expr& expr) {
  if (in.type == to) return in;
  const Physical from = in.physical();
  const Physical target = physical_of(to);
  if (to.id == TypeId::text || to.id == TypeId::json || to.id == TypeId::bytes) {
    if (from == Physical::string && in.type.id != TypeId::uuid) {
      Vec out = in;
      out.type = to;
      return out;
    }
    return format_as_text(in, to);
  }
  if (from == Physical::string) return parse_from_text(in, to, expr);

  Vec out;
  out.type = to;
  out.constant = in.constant;
  out.allocate(in.size);
  out.valid = in.valid;
  const size_t m = in.size;
  auto out_of_range = [&] { return runtime_error(to.to_string() + " out of range", expr); };
  switch (target) {
    case Physical::boolean:
      if (from == Physical::int64) {
        for (size_t i = 0; i < m; ++i) out.bools[i] = in.ints[i] != 0;
        return out;
      }
      break;
    case Physical::int64:
      if (from == Physical::boolean) {
        for (size_t i = 0; i < m; ++i) out.ints[i] = in.bools[i];
        return out;
      }
      if (from == Physical::int64) {
        const bool from_date = in.type.id == TypeId::date;
        const bool from_time = in.type.id == TypeId::timestamp || in.type.id == TypeId::timestamptz;
        for (size_t i = 0; i < m; ++i) {
          int64_t v = in.ints[i];
          // PostgreSQL's infinities are each type's extreme values; they stay infinite.
          const bool infinite =
              from_date ? (v == INT32_MAX || v == INT32_MIN) : (v == INT64_MAX || v == INT64_MIN);
          if (to.id == TypeId::timestamp || to.id == TypeId::timestamptz) {
            if (from_date && infinite) {
              v = v > 0 ? INT64_MAX : INT64_MIN;
            } else if (from_date && __builtin_mul_overflow(v, int64_t{86'400'000'000}, &v)) {
              // A date past 294247 (rbc's last timestamp): PostgreSQL's error and words.
              if (in.is_valid(i)) return runtime_error("date out of range for timestamp", expr);
              v = 0;
            }
          } else if (to.id == TypeId::date) {
            if (from_time && infinite) {
              v = v > 0 ? INT32_MAX : INT32_MIN;
            } else if (from_time) {
              v = v >= 0 ? v / 86'400'000'000 : -((-v + 86'399'999'999) / 86'400'000'000);
            }
          } else if (in.is_valid(i) && !fits(to, v)) {
            return out_of_range();
          }
          out.ints[i] = v;
        }
        return out;
      }
      if (from == Physical::float64) {
        for (size_t i = 0; i < m; ++i) {
          double v = std::nearbyint(in.floats[i]);
          if (in.is_valid(i) && !(v >= -9.223372036854775808e18 && v < 9.223372036854775808e18 &&
                                  fits(to, static_cast<int64_t>(v)))) {
            return out_of_range();
          }
          out.ints[i] = in.is_valid(i) ? static_cast<int64_t>(v) : 0;
        }
        return out;
      }
      if (from == Physical::decimal) {
        const __int128 factor = pow10_i128(in.type.scale);
        for (size_t i = 0; i < m; ++i) {
          __int128 v = divide_rounded(in.decimals[i], factor);
          if (in.is_valid(i) && (v < INT64_MIN || v > INT64_MAX || !fits(to, static_cast<int64_t>(v)))) {
            return out_of_range();
          }
          out.ints[i] = static_cast<int64_t>(v);
        }
        return out;
      }
      break;
    case Physical::float64: {
      const bool narrow = to.id == TypeId::float32;
      auto store = [&](size_t i, double v) { out.floats[i] = narrow ? static_cast<float>(v) : v; };
      if (from == Physical::int64) {
        for (size_t i = 0; i < m; ++i) store(i, static_cast<double>(in.ints[i]));
        return out;
      }
      if (from == Physical::float64) {
        for (size_t i = 0; i < m; ++i) store(i, in.floats[i]);
        return out;
      }
      if (from == Physical::decimal) {
        const double factor = static_cast<double>(pow10_i128(in.type.scale));
        for (size_t i = 0; i < m; ++i) store(i, static_cast<double>(in.decimals[i]) / factor);
        return out;
      }
      break;
    }
    case Physical::decimal: {
      const int scale = to.scale;
      if (from == Physical::int64) {
        const __int128 factor = pow10_i128(scale);
        for (size_t i = 0; i < m; ++i) out.decimals[i] = in.ints[i] * factor;
      } else if (from == Physical::float64) {
        const double factor = std::pow(10.0, scale);
        for (size_t i = 0; i < m; ++i) {
          double v = std::round(in.floats[i] * factor);
          if (in.is_valid(i) && !(std::fabs(v) < 1.7e38))
            return runtime_error("numeric field overflow", expr);
          out.decimals[i] = in.is_valid(i) ? static_cast<__int128>(v) : 0;
        }
      } else if (from == Physical::decimal) {
        const int from_scale = in.type.scale;
        for (size_t i = 0; i < m; ++i) {
          __int128 v = in.decimals[i];
          if (scale >= from_scale) {
            if (__builtin_mul_overflow(v, pow10_i128(scale - from_scale), &v)) {
              return runtime_error("numeric field overflow", expr);
            }
          } else {
            v = divide_rounded(v, pow10_i128(from_scale - scale));
          }
          out.decimals[i] = v;
        }
      } else {
        break;
      }
      for (size_t i = 0; i < m; ++i) {
        if (in.is_valid(i) && !decimal_fits(to, out.decimals[i]))
          return runtime_error("numeric field overflow", expr);
      }
      return out;
    }
    case Physical::string: break;
  }
  return runtime_error("cannot cast " + in.type.to_string() + " to " + to.to_string(), expr);
}

}  // namespace rbc::sql
