// Typed checks of connector option values, shared by the connector specs: each returns
// the problem with the value of `key` when it is present and wrong, nothing otherwise (a
// null is an unset `${VAR}`, which the front-end has already reported).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "graph/config.h"

namespace rbc {

std::optional<ConfigProblem> expect_string(const Config& config, const std::string& key);
std::optional<ConfigProblem> expect_bool(const Config& config, const std::string& key);
// An integer in [low, high]; with `text_too`, also a string that spells one (for options
// the connector hands on as text, such as libpq's port).
std::optional<ConfigProblem> expect_integer(const Config& config, const std::string& key, int64_t low,
                                            int64_t high, bool text_too = false);
std::optional<ConfigProblem> expect_choice(const Config& config, const std::string& key,
                                           const std::vector<std::string>& choices);
// A number of bytes or a size such as "8mb".
std::optional<ConfigProblem> expect_byte_size(const Config& config, const std::string& key);

// The problems among `checks`, in order.
std::vector<ConfigProblem> problems(std::initializer_list<std::optional<ConfigProblem>> checks);

}  // namespace rbc
