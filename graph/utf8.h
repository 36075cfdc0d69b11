// Text from users and data may hold any bytes. Everything rbc writes for people or
// machines (diagnostics, plans, reports, dead letters) goes through these, so that
// invalid UTF-8 is replaced, never passed on or thrown about.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace rbc {

// The length of the well-formed UTF-8 sequence at text[at] (1..4), 0 if it is not one
// (a stray continuation byte, an overlong form, a surrogate, a truncated sequence).
size_t utf8_sequence_length(std::string_view text, size_t at);

bool is_valid_utf8(std::string_view text);

// `text` with each byte that is not part of a well-formed sequence replaced by
// `replacement` (one byte each, so that columns counted in bytes still line up).
std::string scrub_utf8(std::string_view text, std::string_view replacement = "?");

// JSON text that cannot throw: invalid UTF-8 in a string becomes U+FFFD.
inline std::string json_text(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace rbc
