// The one list of connectors: maps a pipeline's `use:` name to a Source or Sink.
// Adding a connector is one line in connectors/registry.cpp (explicit registration, no
// static initialisers that a linker could drop).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/connector.h"

namespace rbc {

// A new source / sink for `use` ("file", "generator", ...), or nullptr for an unknown name.
std::unique_ptr<Source> make_source(const std::string& use);
std::unique_ptr<Sink> make_sink(const std::string& use);

// The registered names, in registration order (for "did you mean" hints and --help).
std::vector<std::string> source_names();
std::vector<std::string> sink_names();

}  // namespace rbc
