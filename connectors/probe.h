// What `rbc check` and `rbc discover` ask a connector (its hooks in connectors/registry.h):
// probe what a pipeline will touch, one report line per check, and list what a source holds.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rbc {

// Connections made to probe give up after this many seconds.
constexpr int kProbeConnectTimeoutSeconds = 5;

// One line of `rbc check`: what was checked, and "" (OK) or the problem.
using CheckLine = std::function<void(const std::string& what, const std::string& problem)>;

// Checks of the source that need what probing it opened (postgres: does each stream's
// table exist); `rbc check` runs them after the destination and state lines. Empty: none.
using StreamChecks = std::function<void(const CheckLine&)>;

// One discovered table or file, in the shape both of `rbc discover`'s printers read.
struct DiscoveredColumn {
  std::string name;
  std::string type_sql;  // empty for files
  std::string rbc_type;
  bool nullable = true;
  bool primary_key = false;
};

struct DiscoveredTable {
  std::string name;
  std::string location;            // file path, for files (a glob as written)
  std::vector<std::string> files;  // a glob's matches, in name order
  int64_t row_estimate = -1;       // -1 unknown
  std::vector<std::string> primary_key;
  std::vector<DiscoveredColumn> columns;
};

struct Discovery {
  std::string connector;
  std::string database;  // a database's tables: "user@host:port/db"; empty: one file per stream
  std::string schema;    // the database schema listed
  std::vector<DiscoveredTable> tables;
};

}  // namespace rbc
