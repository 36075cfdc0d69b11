// Connector and operator configuration as written in a pipeline: a JSON tree of the
// user's values plus where each top-level key was written, for located errors.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "graph/diagnostic.h"

namespace rbc {

// A problem in a connector's or transform's config found at compile time, in key `key`.
struct ConfigProblem {
  std::string key;
  std::optional<size_t> offset;  // where in the key's text; nullopt: the whole value
  std::string message;
  std::string note;
};

struct Config {
  nlohmann::json values = nlohmann::json::object();
  SourceRange where;                          // the config block itself
  std::map<std::string, SourceRange> ranges;  // each top-level key's value

  SourceRange range_of(const std::string& key) const {
    auto it = ranges.find(key);
    return it == ranges.end() ? where : it->second;
  }
  bool has(const std::string& key) const { return values.contains(key); }
  std::string string_or(const std::string& key, const std::string& fallback) const {
    auto it = values.find(key);
    return it != values.end() && it->is_string() ? it->get<std::string>() : fallback;
  }
};

}  // namespace rbc
