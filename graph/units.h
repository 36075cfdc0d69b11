// Byte sizes and durations as written in pipelines ("64mb", "90s"). Here in graph/ so
// that front-ends and connectors (for options such as copy_flush_bytes) read them alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rbc {

// "64mb", "1gb", "512kb", "8MiB", "4096" (bytes). Units are binary: 1kb = 1024 bytes.
std::optional<int64_t> parse_byte_size(std::string_view text);
// "90", "90s", "5m", "1h" -> seconds.
std::optional<int64_t> parse_duration_seconds(std::string_view text);
// Event-time durations -> milliseconds: "500ms", "30s", "5m", "1h", "1d", and the words
// SQL intervals use ("1 minute", "90 seconds", "2 hours 30 minutes": several parts add up).
// A bare number is seconds. Fails on an unknown unit, a negative part or an overflow.
std::optional<int64_t> parse_duration_ms(std::string_view text);
// Milliseconds in the largest unit that writes them whole: "500ms", "30s", "5m", "1h", "1d".
std::string format_duration_ms(int64_t ms);

}  // namespace rbc
