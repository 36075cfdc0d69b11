// Byte sizes and durations as written in pipelines and connector options.
#include "graph/units.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <string>
#include <vector>

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

// Each event-time unit's milliseconds and its spellings, the first being the one
// format_duration_ms writes (it writes no weeks: 14d, not 2w).
struct DurationUnit {
  int64_t ms;
  std::vector<std::string_view> names;
};
static const std::vector<DurationUnit>& duration_units() {
  static const std::vector<DurationUnit> units{{604'800'000, {"w", "week", "weeks"}},
                                               {86'400'000, {"d", "day", "days"}},
                                               {3'600'000, {"h", "hour", "hours"}},
                                               {60'000, {"m", "min", "mins", "minute", "minutes"}},
                                               {1000, {"s", "sec", "secs", "second", "seconds"}},
                                               {1, {"ms", "msec", "millisecond", "milliseconds"}}};
  return units;
}

std::string format_duration_ms(int64_t ms) {
  for (const DurationUnit& unit : duration_units()) {
    if (unit.names.front() != "w" && ms != 0 && ms % unit.ms == 0)
      return std::to_string(ms / unit.ms) + std::string(unit.names.front());
  }
  return std::to_string(ms) + "ms";
}

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  int64_t total = 0;
  bool any = false;
  while (true) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (text.empty()) break;
    int64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc{} || end == text.data() || number < 0) return std::nullopt;
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    size_t letters = 0;
    while (letters < text.size() && std::isalpha(static_cast<unsigned char>(text[letters]))) ++letters;
    std::string unit = lower(text.substr(0, letters));
    text.remove_prefix(letters);
    int64_t scale = unit.empty() ? 1000 : 0;
    for (const DurationUnit& known : duration_units()) {
      if (std::find(known.names.begin(), known.names.end(), unit) != known.names.end()) scale = known.ms;
    }
    if (scale == 0 || number > (std::numeric_limits<int64_t>::max() - total) / scale) return std::nullopt;
    total += number * scale;
    any = true;
  }
  if (!any) return std::nullopt;
  return total;
}

}  // namespace rbc
