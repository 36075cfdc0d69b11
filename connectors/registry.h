// The one list of connectors (connectors/connectors.def): for each, its spec
// (connectors/specs/connector_specs.h) and the hooks that need its implementation —
// the Source and Sink a run makes, `rbc check`'s probes, `rbc discover`, the catalog
// the compiler may ask. Also the state backends, by `state.backend`. Registration is
// explicit (no static initialisers that a linker could drop). The backends depend on the
// interfaces, never the other way round.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "connectors/probe.h"
#include "connectors/specs/catalog.h"
#include "connectors/specs/connector_specs.h"
#include "connectors/state/state_store.h"
#include "graph/logical_graph.h"

namespace rbc {

namespace pg {
class IdleConnections;
}

// What a run hands the sources it makes, owned by whoever runs it (rbc exec).
struct SourceContext {
  // Connections the compile-time catalog kept open; the postgres source takes them.
  pg::IdleConnections* idle_connections = nullptr;
};

// A connector's runtime hooks, defined in its folder as `ConnectorHooks <name>_connector_hooks()`;
// null where it has none.
struct ConnectorHooks {
  std::unique_ptr<Source> (*make_source)(const SourceContext& context) = nullptr;
  std::unique_ptr<Sink> (*make_sink)() = nullptr;
  // rbc check: probes what the pipeline's sources read (all of this connector), one line
  // each; returns the checks to run after the destination's and state's lines. Null: one
  // "source NAME ... OK" line (nothing to probe).
  StreamChecks (*check_sources)(const std::vector<const SourceNode*>& sources,
                                const CheckLine& line) = nullptr;
  // rbc check: probes where the sinks write. Null: one "destination NAME ... OK" line.
  void (*check_destinations)(const std::vector<const SinkNode*>& sinks, const CheckLine& line) = nullptr;
  // rbc discover: what the sources' database or files hold; `schema`: a database schema
  // to list instead of the configured one.
  Result<Discovery> (*discover)(const std::vector<const SourceNode*>& sources,
                                const std::string& schema) = nullptr;
  // The catalog the compiler may ask about the sources (spec->catalog); connections
  // give up after `connect_timeout_seconds`.
  std::unique_ptr<SourceCatalog> (*make_catalog)(int connect_timeout_seconds) = nullptr;
  // rbc cdc status|drop: for each cdc stream of `sources`, prints one line about what reads
  // its changes on the server (the replication slot, the publication), after removing
  // them when `drop`; returns the streams that have no slot now (dropped, or gone before).
  Result<std::vector<std::string>> (*cdc_slots)(
      const std::vector<const SourceNode*>& sources, const std::string& pipeline, bool drop,
      const std::function<void(const std::string&)>& print) = nullptr;
  // rbc check: for each cdc stream of `sources`, one line on the WAL its slot retains
  // (a problem over the stream's max_slot_wal).
  void (*check_cdc_slots)(const std::vector<const SourceNode*>& sources, const std::string& pipeline,
                          const CheckLine& line) = nullptr;
};

// A registered connector: its spec (which names it) and its hooks.
struct Connector {
  const ConnectorSpec& spec;
  ConnectorHooks hooks;
};

// The connector named `name`, or nullptr.
const Connector* find_connector(std::string_view name);
const std::vector<Connector>& connectors();

// A new source / sink for `use` ("file", "generator", ...), or nullptr for an unknown name
// or a connector that cannot read / write.
std::unique_ptr<Source> make_source(const std::string& use, const SourceContext& context = {});
std::unique_ptr<Sink> make_sink(const std::string& use);

// The store for `state` (by state.backend: none, file, postgres); `destination` is the
// pipeline's destination block (the postgres backend uses its connection when
// `state.config.url` is not given).
Result<std::unique_ptr<StateStore>> make_state_store(const StateSpec& state, const ConnectorRef& destination);
std::vector<std::string> registered_state_backends();
// rbc check: probes where the state backend saves (none: no line).
void check_state_backend(const StateSpec& state, const ConnectorRef& destination, const CheckLine& line);

}  // namespace rbc
