// Lowering: an .rbc program's syntax tree becomes the same LogicalGraph the YAML
// front-end builds, with every value located for the passes' errors. Names, calls,
// options and the shape of the graph (inputs, outputs, cycles) are checked here.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dsl/lang/parser.h"
#include "dsl/values.h"
#include "graph/logical_graph.h"

namespace rbc::lang {

// The functions a program may call, supplied by the compiler (dsl/ knows no connector
// or operator): `NAME(options)` is a connector if NAME is listed here, a transform
// node if it is a transform, and `route(...)` is a router.
struct Vocabulary {
  std::vector<std::string> connectors;
  // Each transform with the config key its one positional argument fills ("sql" -> "query").
  std::vector<std::pair<std::string, std::string>> transforms;

  bool is_connector(const std::string& name) const;
  const std::pair<std::string, std::string>* transform(const std::string& name) const;
  std::vector<std::string> function_names() const;  // for "did you mean"
};

// Lowers a parsed program; errors go to `diagnostics`.
std::optional<LogicalGraph> lower_program(const ParsedProgram& parsed, const Vocabulary& vocabulary,
                                          DiagnosticEngine& diagnostics, const EnvLookup& env);

// Reads, parses and lowers an .rbc file.
std::optional<LogicalGraph> load_rbc_pipeline(const std::string& path, const Vocabulary& vocabulary,
                                              DiagnosticEngine& diagnostics, const EnvLookup& env);

}  // namespace rbc::lang
