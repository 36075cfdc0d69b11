// The connector capability table: one entry per connector.
#include "connectors/specs/connector_specs.h"

#include <algorithm>

namespace rbc {

const std::vector<ConnectorSpec>& connector_specs() {
  static const std::vector<ConnectorSpec> specs = {
      {"postgres",
       "PostgreSQL via libpq: binary COPY, partitioned snapshot reads",
       true,
       true,
       true,
       true,
       true,
       {SyncMode::full_refresh, SyncMode::incremental, SyncMode::cdc},
       {WriteMode::append, WriteMode::replace, WriteMode::upsert},
       {"url", "host", "port", "user", "password", "database", "schema", "sslmode", "copy_flush_bytes"}},
      {"file",
       "CSV or JSON Lines files",
       true,
       true,
       false,
       false,
       false,
       {SyncMode::full_refresh},
       {WriteMode::append, WriteMode::replace},
       {"path", "format", "delimiter", "header", "null"}},
      {"generator",
       "deterministic synthetic rows for demos and benchmarks",
       true,
       false,
       true,
       false,
       false,
       {SyncMode::full_refresh},
       {},
       {"rows", "seed"}},
  };
  return specs;
}

const ConnectorSpec* find_connector_spec(std::string_view name) {
  const auto& specs = connector_specs();
  auto it = std::find_if(specs.begin(), specs.end(), [&](const ConnectorSpec& s) { return s.name == name; });
  return it == specs.end() ? nullptr : &*it;
}

std::vector<std::string> connector_names() {
  std::vector<std::string> names;
  for (const auto& spec : connector_specs()) names.push_back(spec.name);
  return names;
}

}  // namespace rbc
