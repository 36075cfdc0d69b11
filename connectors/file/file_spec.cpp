// What the file connector can do, and what the compiler learns from the files themselves
// (built into the libpq-free rbc_connector_specs, which links this folder's library).
#include <filesystem>

#include "connectors/file/file_options.h"
#include "connectors/file/file_source.h"
#include "connectors/specs/connector_specs.h"
#include "connectors/specs/option_checks.h"

namespace rbc {
namespace {

// The schema inferred from the file's header and a sample.
std::optional<Schema> infer_schema(const Config& config, const std::string& stream) {
  auto options = file::resolve_file_options(config, stream, file::FileRole::source);
  if (!options.is_ok()) return std::nullopt;  // the run reports a missing file with its reason
  auto schema = file::infer_file_schema(*options);
  if (!schema.is_ok()) return std::nullopt;
  return *schema;
}

// Two sinks write the same file when their paths resolve to one.
std::string destination_key(const Config& config, const std::string& target) {
  auto options = file::resolve_file_options(config, target, file::FileRole::sink);
  if (!options.is_ok()) return {};
  std::error_code error;
  return "file:" + std::filesystem::weakly_canonical(options->path, error).string();
}

std::vector<ConfigProblem> check_options(const Config& config) {
  return problems({expect_string(config, "path"), expect_choice(config, "format", {"csv", "jsonl"}),
                   expect_string(config, "delimiter"), expect_bool(config, "header"),
                   expect_string(config, "null")});
}

}  // namespace

const ConnectorSpec& file_connector_spec() {
  static const ConnectorSpec spec = [] {
    ConnectorSpec s;
    s.name = "file";
    s.summary = "CSV or JSON Lines files";
    s.can_read = true;
    s.can_write = true;
    s.sync_modes = {SyncMode::full_refresh};
    s.write_modes = {WriteMode::append, WriteMode::replace};
    s.config_keys = {"path", "format", "delimiter", "header", "null"};
    s.infer_schema = infer_schema;
    s.destination_key = destination_key;
    s.check_options = check_options;
    s.same_destination_hint = "a directory path (ending in '/') writes one file per stream";
    return s;
  }();
  return spec;
}

}  // namespace rbc
