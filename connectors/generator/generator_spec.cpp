// What the generator connector can do (built into rbc_connector_specs).
#include <limits>

#include "connectors/specs/connector_specs.h"
#include "connectors/specs/option_checks.h"

namespace rbc {
namespace {

std::vector<ConfigProblem> check_options(const Config& config, bool /*reading*/) {
  constexpr int64_t kMost = std::numeric_limits<int64_t>::max();
  return problems({expect_integer(config, "rows", 0, kMost), expect_integer(config, "seed", 0, kMost)});
}

}  // namespace

const ConnectorSpec& generator_connector_spec() {
  static const ConnectorSpec spec = [] {
    ConnectorSpec s;
    s.name = "generator";
    s.summary = "deterministic synthetic rows for demos and benchmarks";
    s.can_read = true;
    s.partitioned_reads = true;
    s.sync_modes = {SyncMode::full_refresh};
    s.config_keys = {"rows", "seed"};
    s.check_options = check_options;
    return s;
  }();
  return spec;
}

}  // namespace rbc
