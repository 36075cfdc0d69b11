// What the postgres connector can do (libpq-free: built into rbc_connector_specs).
#include "connectors/specs/connector_specs.h"

namespace rbc {

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
    s.config_keys = {"url", "host", "port", "user", "password", "database", "schema", "sslmode", "copy_flush_bytes"};
    s.state_in_destination = true;
    return s;
  }();
  return spec;
}

}  // namespace rbc
