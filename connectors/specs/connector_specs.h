// What each connector can do, declared without touching a database, so that the
// compiler can check a pipeline (and decide partition eligibility) offline.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "graph/pipeline_model.h"

namespace rbc {

struct ConnectorSpec {
  std::string name;
  std::string summary;
  bool can_read = false;
  bool can_write = false;
  bool partitioned_reads = false;  // can split one stream into disjoint slices
  bool parallel_writes = false;    // several writers can load one destination at once
  bool catalog = false;            // can describe a stream's table (rbc discover, catalog checks)
  std::vector<SyncMode> sync_modes;
  std::vector<WriteMode> write_modes;
  std::vector<std::string> config_keys;  // every key its config block accepts
};

const std::vector<ConnectorSpec>& connector_specs();
// The spec named `name`, or nullptr.
const ConnectorSpec* find_connector_spec(std::string_view name);
std::vector<std::string> connector_names();

}  // namespace rbc
