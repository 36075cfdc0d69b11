// What each connector can do, declared without touching a database, so that the
// compiler can check a pipeline (and decide partition eligibility) offline. Each
// connector declares its spec in its own folder (connectors/<name>/<name>_spec.cpp, built
// into the libpq-free rbc_connector_specs library) and is registered by one line in
// connectors/connectors.def; its runtime hooks are in connectors/registry.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph/pipeline_model.h"
#include "graph/types.h"

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
  // The state backend of the connector's own name can keep checkpoints in a destination
  // of this connector, committed with its rows, when state.config names no database.
  bool state_in_destination = false;

  // Compile-time hooks (no I/O but reading local files); null when the connector has none.
  // The schema a source stream yields, when it is known without running (a file's header
  // and a sample); nullopt when it is not, or when the run will report why.
  std::optional<Schema> (*infer_schema)(const Config& config, const std::string& stream) = nullptr;
  // For a source without partitioned reads: whether one stream's input can be cut into
  // record-aligned chunks that several readers parse (a large file), for batches of
  // `max_batch_bytes`. `why` says what is cut when it can ("a 1.2 GiB CSV file"), else why not.
  struct Split {
    bool splits = false;
    std::string why;
  };
  Split (*split_reads)(const Config& config, const std::string& stream, int64_t max_batch_bytes) = nullptr;
  // What a sink writes, as a text two sinks share only when they write the same thing (a
  // file: its resolved path); "" means the connector, its config and the target.
  std::string (*destination_key)(const Config& config, const std::string& target) = nullptr;
  // Appended to "two sinks write the same destination" (how to write one each).
  std::string same_destination_hint;
  // The types, ranges and choices of its options' values (connectors/specs/option_checks.h),
  // checked at compile time so that a bad value is a located error, not a failed run;
  // `reading`: the config is a source's (else a destination's).
  std::vector<ConfigProblem> (*check_options)(const Config& config, bool reading) = nullptr;
};

// The registered connectors, in the order of connectors/connectors.def.
const std::vector<const ConnectorSpec*>& connector_specs();
// The spec named `name`, or nullptr.
const ConnectorSpec* find_connector_spec(std::string_view name);
std::vector<std::string> connector_names();

// A cdc stream's rows are changes: the table's columns, then these (docs/pipeline.md):
// _op (insert|update|delete|truncate), _lsn (bigint), _commit_ts (timestamptz),
// _unchanged_cols (text: the columns an update did not send).
void add_change_columns(Schema& schema);
bool is_change_column(std::string_view name);

}  // namespace rbc
