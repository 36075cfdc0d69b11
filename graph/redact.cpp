// Redaction of secrets in strings and config trees.
#include "graph/redact.h"

#include <algorithm>
#include <cctype>

namespace rbc {

static bool is_secret_key(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  return key.find("password") != std::string::npos || key == "passwd" || key == "pwd" ||
         key.find("secret") != std::string::npos || key.find("token") != std::string::npos;
}

std::string redact_secrets(std::string_view text) {
  std::string out(text);
  // URI form: scheme://user:password@host
  for (size_t scheme = out.find("://"); scheme != std::string::npos; scheme = out.find("://", scheme + 3)) {
    size_t authority = scheme + 3;
    size_t end = out.find_first_of("/?# ", authority);
    size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at == std::string::npos || at < authority) continue;
    size_t colon = out.find(':', authority);
    if (colon == std::string::npos || colon > at) continue;
    out.replace(colon + 1, at - colon - 1, "***");
  }
  // conninfo form and URI query parameters: password=secret
  for (size_t key = out.find("password="); key != std::string::npos; key = out.find("password=", key + 1)) {
    size_t value = key + 9;
    size_t end = value;
    if (end < out.size() && out[end] == '\'') {
      end = out.find('\'', end + 1);
      end = end == std::string::npos ? out.size() : end + 1;
    } else {
      while (end < out.size() && out[end] != ' ' && out[end] != '&') ++end;
    }
    out.replace(value, end - value, "***");
  }
  return out;
}

nlohmann::json redact_config(const nlohmann::json& config) {
  if (config.is_string()) return redact_secrets(config.get<std::string>());
  if (config.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : config) out.push_back(redact_config(item));
    return out;
  }
  if (!config.is_object()) return config;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : config.items()) {
    out[key] = is_secret_key(key) && !value.is_null() ? nlohmann::json("***") : redact_config(value);
  }
  return out;
}

}  // namespace rbc
