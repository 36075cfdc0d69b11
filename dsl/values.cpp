// Environment substitution.
#include "dsl/values.h"

#include <cstdlib>

namespace rbc {

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Substitution substitute_variables(std::string_view text, const EnvLookup& env) {
  Substitution result;
  if (!env) {  // no environment: keep every reference as written (translating, not running)
    result.text = text;
    return result;
  }
  result.text.reserve(text.size());
  // The next '}' is looked for only after a `${`, and found once for every reference
  // before it: a long text costs time linear in its length.
  size_t close = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      size_t next = text.find('$', i);
      if (next == std::string_view::npos) next = text.size();
      result.text.append(text.substr(i, next - i));
      i = next - 1;
      continue;
    }
    if (text.compare(i, 3, "$${") == 0) {
      result.text += "${";
      i += 2;
      continue;
    }
    bool reference = text.compare(i, 2, "${") == 0;
    if (reference && close != std::string_view::npos && close < i + 2) close = text.find('}', i + 2);
    if (!reference || close == std::string_view::npos) {
      result.text += text[i];
      continue;
    }
    std::string_view inside = text.substr(i + 2, close - i - 2);
    std::optional<std::string> fallback;
    if (size_t dash = inside.find(":-"); dash != std::string_view::npos) {
      fallback = std::string(inside.substr(dash + 2));
      inside = inside.substr(0, dash);
    }
    std::optional<std::string> value = env(std::string(inside));
    if (!value || (value->empty() && fallback)) value = fallback;
    if (!value) {
      if (result.ok()) {
        result.missing_variable = std::string(inside);
        result.missing_offset = i;
      }
    } else {
      result.text += *value;
    }
    i = close;
  }
  return result;
}

}  // namespace rbc
