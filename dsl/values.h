// Scalar value syntax shared by the pipeline front-ends: `${VAR}` / `${VAR:-default}`
// substitution, and (from graph/units.h) byte sizes and durations.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "graph/units.h"

namespace rbc {

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
