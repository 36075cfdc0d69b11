// What the generator connector can do (built into rbc_connector_specs).
#include "connectors/specs/connector_specs.h"

namespace rbc {

const ConnectorSpec& generator_connector_spec() {
  static const ConnectorSpec spec = [] {
    ConnectorSpec s;
    s.name = "generator";
    s.summary = "deterministic synthetic rows for demos and benchmarks";
    s.can_read = true;
    s.partitioned_reads = true;
    s.sync_modes = {SyncMode::full_refresh};
    s.config_keys = {"rows", "seed"};
    return s;
  }();
  return spec;
}

}  // namespace rbc
