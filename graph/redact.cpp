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

namespace {

bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }
bool is_space(char c) { return c == ' ' || c == '\t'; }

// Where the value that starts at `at` ends. A quoted value ends at its closing quote; a
// quote after a backslash does not close it (libpq's \' escape, or the same text inside
// a YAML string, where the backslash is doubled), and an unclosed one runs to the end.
// Masking too much is harmless, too little is not.
size_t value_end(std::string_view text, size_t at, char separator) {
  if (at < text.size() && (text[at] == '\'' || text[at] == '"')) {
    for (size_t i = at + 1; i < text.size(); ++i) {
      if (text[i] == text[at] && text[i - 1] != '\\') return i + 1;
    }
    return text.size();
  }
  size_t end = at;
  if (separator == '=') {  // conninfo and URI query parameters: up to a space or '&'
    while (end < text.size() && !is_space(text[end]) && text[end] != '&' && text[end] != '\n') ++end;
    return end;
  }
  // `password: value` in a YAML or .rbc line: up to the end of the entry.
  while (end < text.size() && text[end] != ',' && text[end] != '}' && text[end] != ')' && text[end] != ']' &&
         text[end] != '\n' && !(text[end] == '#' && end > at && is_space(text[end - 1])))
    ++end;
  while (end > at && is_space(text[end - 1])) --end;
  return end;
}

// password=secret, password = 'secret', sslpassword=..., and `password: secret` as a
// YAML or .rbc line writes it: every key that names a secret.
void redact_key_values(std::string& out) {
  for (size_t i = 0; i < out.size(); ++i) {
    if (!is_key_char(out[i]) || (i > 0 && is_key_char(out[i - 1]))) continue;
    size_t key_end = i;
    while (key_end < out.size() && is_key_char(out[key_end])) ++key_end;
    size_t separator = key_end;
    if (separator < out.size() && (out[separator] == '"' || out[separator] == '\'')) ++separator;  // "key":
    while (separator < out.size() && is_space(out[separator])) ++separator;
    if (separator >= out.size() || (out[separator] != '=' && out[separator] != ':') ||
        !is_secret_key(out.substr(i, key_end - i))) {
      i = key_end - 1;
      continue;
    }
    size_t value = separator + 1;
    if (out[separator] == ':' && out.compare(value, 2, "//") == 0) {  // a scheme, not a key
      i = key_end - 1;
      continue;
    }
    while (value < out.size() && is_space(out[value])) ++value;
    size_t end = value_end(out, value, out[separator]);
    if (end > value) out.replace(value, end - value, "***");
    i = value + 2;
  }
}

// URI form: scheme://user:password@host, also with several hosts (h1,h2:5433).
void redact_uri_passwords(std::string& out) {
  for (size_t scheme = out.find("://"); scheme != std::string::npos; scheme = out.find("://", scheme + 3)) {
    size_t authority = scheme + 3;
    size_t end = out.find_first_of("/?# \t\n\"'", authority);
    size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at == std::string::npos || at < authority) continue;
    size_t colon = out.find(':', authority);
    if (colon == std::string::npos || colon > at) continue;
    out.replace(colon + 1, at - colon - 1, "***");
  }
}

}  // namespace

std::string redact_secrets(std::string_view text) {
  std::string out(text);
  redact_uri_passwords(out);
  redact_key_values(out);
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
