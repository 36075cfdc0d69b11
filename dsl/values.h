// Scalar value syntax shared by the pipeline front-ends: byte sizes, durations and
// `${VAR}` / `${VAR:-default}` substitution.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace rbc {

// "64mb", "1gb", "512kb", "8MiB", "4096" (bytes). Units are binary: 1kb = 1024 bytes.
std::optional<int64_t> parse_byte_size(std::string_view text);
// "90", "90s", "5m", "1h" -> seconds.
std::optional<int64_t> parse_duration_seconds(std::string_view text);

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_environment();

struct Substitution {
  std::string text;
  // When a variable is unset and has no default: its name and offset of its `${`.
  std::string missing_variable;
  size_t missing_offset = 0;
  bool ok() const { return missing_variable.empty(); }
};
// Replaces `${VAR}` and `${VAR:-default}`; `$${` is a literal `${`. With an empty
// `env` the text is returned unchanged.
Substitution substitute_variables(std::string_view text, const EnvLookup& env);

}  // namespace rbc
