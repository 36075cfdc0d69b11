// Text forms of values for CAST, the PostgreSQL way: dates YYYY-MM-DD, timestamps
// 'YYYY-MM-DD HH:MM:SS[.ffffff]' (timestamptz with a "+00" suffix, UTC), booleans
// true/false, floats in shortest round-trip form. Local to the sql transform until
// graph/value_format.h exists; formatters append to `out` so callers can reuse a buffer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rbc::sql {

void append_int(std::string& out, int64_t value);
void append_double(std::string& out, double value);
void append_decimal(std::string& out, __int128 unscaled, int scale);
void append_date(std::string& out, int32_t days);
void append_timestamp(std::string& out, int64_t micros, bool with_zone);

std::optional<int64_t> parse_int(std::string_view text);
std::optional<double> parse_double(std::string_view text);
// Rounds half away from zero to `scale` digits after the point.
std::optional<__int128> parse_decimal(std::string_view text, int scale);
std::optional<bool> parse_bool(std::string_view text);
std::optional<int32_t> parse_date(std::string_view text);
// Accepts 'YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|±HH[:MM]]'; an offset is applied
// (to get UTC) only when `with_zone`, and ignored otherwise as PostgreSQL does.
std::optional<int64_t> parse_timestamp(std::string_view text, bool with_zone);

int64_t days_from_civil(int64_t year, unsigned month, unsigned day);
void civil_from_days(int64_t days, int64_t& year, unsigned& month, unsigned& day);

// 10^n for n in [0, 38].
__int128 pow10_i128(int n);

}  // namespace rbc::sql
