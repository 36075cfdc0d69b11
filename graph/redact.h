// Secrets never leave rbc: passwords in URLs, conninfo strings and config keys are
// replaced by "***" in every plan, log line and report.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace rbc {

// "postgresql://u:secret@h/db" -> "postgresql://u:***@h/db"; "password=secret" -> "password=***".
std::string redact_secrets(std::string_view text);

// A copy of `config` with password-like keys and secrets inside strings redacted.
nlohmann::json redact_config(const nlohmann::json& config);

}  // namespace rbc
