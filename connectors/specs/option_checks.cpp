// Typed checks of connector option values (option_checks.h).
#include "connectors/specs/option_checks.h"

#include <charconv>
#include <limits>

#include "graph/units.h"
#include "graph/utf8.h"

namespace rbc {
namespace {

ConfigProblem problem(const std::string& key, const std::string& what, const nlohmann::json& value) {
  return ConfigProblem{key, std::nullopt, "`" + key + "` must be " + what + ", got " + json_text(value), ""};
}

std::optional<int64_t> integer_of(const nlohmann::json& value, bool text_too) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (!text_too || !value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  int64_t number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return number;
}

}  // namespace

std::optional<ConfigProblem> expect_string(const Config& config, const std::string& key) {
  auto it = config.values.find(key);
  if (it == config.values.end() || it->is_null() || it->is_string()) return std::nullopt;
  return problem(key, "a string", *it);
}

std::optional<ConfigProblem> expect_bool(const Config& config, const std::string& key) {
  auto it = config.values.find(key);
  if (it == config.values.end() || it->is_null() || it->is_boolean()) return std::nullopt;
  return problem(key, "true or false", *it);
}

std::optional<ConfigProblem> expect_integer(const Config& config, const std::string& key, int64_t low,
                                            int64_t high, bool text_too) {
  auto it = config.values.find(key);
  if (it == config.values.end() || it->is_null()) return std::nullopt;
  std::optional<int64_t> number = integer_of(*it, text_too);
  if (number && *number >= low && *number <= high) return std::nullopt;
  if (high == std::numeric_limits<int64_t>::max())
    return problem(key, "an integer >= " + std::to_string(low), *it);
  return problem(key, "an integer from " + std::to_string(low) + " to " + std::to_string(high), *it);
}

std::optional<ConfigProblem> expect_choice(const Config& config, const std::string& key,
                                           const std::vector<std::string>& choices) {
  auto it = config.values.find(key);
  if (it == config.values.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) {
    for (const auto& choice : choices) {
      if (it->get<std::string>() == choice) return std::nullopt;
    }
  }
  std::string listed;
  for (size_t i = 0; i < choices.size(); ++i)
    listed += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  return problem(key, listed, *it);
}

std::optional<ConfigProblem> expect_byte_size(const Config& config, const std::string& key) {
  auto it = config.values.find(key);
  if (it == config.values.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer() && it->get<int64_t>() > 0) return std::nullopt;
  if (it->is_string() && parse_byte_size(it->get<std::string>()).value_or(0) > 0) return std::nullopt;
  return problem(key, "a size in bytes such as 8388608 or \"8mb\"", *it);
}

std::vector<ConfigProblem> problems(std::initializer_list<std::optional<ConfigProblem>> checks) {
  std::vector<ConfigProblem> found;
  for (const auto& check : checks) {
    if (check) found.push_back(*check);
  }
  return found;
}

}  // namespace rbc
