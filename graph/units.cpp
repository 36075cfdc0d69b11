// Byte sizes and durations as written in pipelines and connector options.
#include "graph/units.h"

#include <cctype>
#include <charconv>
#include <limits>
#include <string>

namespace rbc {

static std::string lower(std::string_view text) {
  std::string out;
  for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits "64mb" into 64 and "mb"; fails on a missing or negative number.
static std::optional<std::pair<int64_t, std::string>> number_and_unit(std::string_view text) {
  int64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc{} || end == text.data() || number < 0) return std::nullopt;
  std::string_view unit(end, text.data() + text.size() - end);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return std::pair{number, lower(unit)};
}

std::optional<int64_t> parse_byte_size(std::string_view text) {
  auto parsed = number_and_unit(text);
  if (!parsed) return std::nullopt;
  auto [number, unit] = *parsed;
  int64_t scale = 0;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "kb" || unit == "kib" || unit == "k")
    scale = int64_t{1} << 10;
  else if (unit == "mb" || unit == "mib" || unit == "m")
    scale = int64_t{1} << 20;
  else if (unit == "gb" || unit == "gib" || unit == "g")
    scale = int64_t{1} << 30;
  else
    return std::nullopt;
  if (number > std::numeric_limits<int64_t>::max() / scale) return std::nullopt;
  return number * scale;
}

std::optional<int64_t> parse_duration_seconds(std::string_view text) {
  auto parsed = number_and_unit(text);
  if (!parsed) return std::nullopt;
  auto [number, unit] = *parsed;
  if (unit.empty() || unit == "s") return number;
  if (unit == "m" || unit == "min") return number * 60;
  if (unit == "h") return number * 3600;
  return std::nullopt;
}

}  // namespace rbc
