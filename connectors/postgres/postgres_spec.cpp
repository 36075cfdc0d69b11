// What the postgres connector can do (libpq-free: built into rbc_connector_specs).
#include "connectors/specs/connector_specs.h"
#include "connectors/specs/option_checks.h"

namespace rbc {
namespace {

std::vector<ConfigProblem> check_options(const Config& config, bool /*reading*/) {
  return problems({expect_string(config, "url"), expect_string(config, "host"),
                   expect_integer(config, "port", 1, 65535, /*text_too=*/true), expect_string(config, "user"),
                   expect_string(config, "password"), expect_string(config, "database"),
                   expect_string(config, "schema"),
                   expect_choice(config, "sslmode",
                                 {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}),
                   expect_byte_size(config, "copy_flush_bytes"), expect_string(config, "publication"),
                   expect_string(config, "slot"), expect_choice(config, "on_truncate", {"apply", "fail"}),
                   expect_byte_size(config, "max_slot_wal")});
}

}  // namespace

const ConnectorSpec& postgres_connector_spec() {
  static const ConnectorSpec spec = [] {
    ConnectorSpec s;
    s.name = "postgres";
    s.summary = "PostgreSQL via libpq: binary COPY, partitioned snapshot reads";
    s.can_read = true;
    s.can_write = true;
    s.partitioned_reads = true;
    s.parallel_writes = true;
    s.catalog = true;
    s.sync_modes = {SyncMode::full_refresh, SyncMode::incremental, SyncMode::cdc};
    s.write_modes = {WriteMode::append, WriteMode::replace, WriteMode::upsert};
    s.config_keys = {"url",         "host",     "port",
                     "user",        "password", "database",
                     "schema",      "sslmode",  "copy_flush_bytes",
                     "publication", "slot",     "on_truncate",
                     "max_slot_wal"};
    s.state_in_destination = true;
    s.check_options = check_options;
    return s;
  }();
  return spec;
}

}  // namespace rbc
