// The one list of connectors: maps a pipeline's `use:` name to a Source or Sink, and
// `state.backend` to a StateStore. Adding a connector or a state backend is one line in
// connectors/registry.cpp (explicit registration, no static initialisers that a linker
// could drop). The backends depend on the interfaces, never the other way round.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "connectors/state/state_store.h"

namespace rbc {

namespace pg {
class IdleConnections;
}

// What a run hands the sources it makes, owned by whoever runs it (rbc exec).
struct SourceContext {
  // Connections the compile-time catalog kept open; the postgres source takes them.
  pg::IdleConnections* idle_connections = nullptr;
};

// A new source / sink for `use` ("file", "generator", ...), or nullptr for an unknown name.
std::unique_ptr<Source> make_source(const std::string& use, const SourceContext& context = {});
std::unique_ptr<Sink> make_sink(const std::string& use);

// The registered names, in registration order (for "did you mean" hints and --help).
std::vector<std::string> source_names();
std::vector<std::string> sink_names();

// The store for `state` (by state.backend: none, file, postgres); `destination` is the
// pipeline's destination block (the postgres backend uses its connection when
// `state.config.url` is not given).
Result<std::unique_ptr<StateStore>> make_state_store(const StateSpec& state, const ConnectorRef& destination);
std::vector<std::string> registered_state_backends();

}  // namespace rbc
