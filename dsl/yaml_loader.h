// The YAML front-end: reads a pipeline file (docs/pipeline.md) into a LogicalGraph with
// one chain source -> transforms -> sink per stream. Every problem becomes a located
// diagnostic; the loader reports all of them rather than stopping at the first.
#pragma once

#include <optional>
#include <string>

#include "dsl/values.h"
#include "graph/diagnostic.h"
#include "graph/logical_graph.h"

namespace rbc {

// Reads the file at `path`. Returns nothing when the file cannot be read or is not a
// YAML mapping; otherwise a graph (possibly with errors recorded in `diagnostics`).
std::optional<LogicalGraph> load_yaml_pipeline(const std::string& path, DiagnosticEngine& diagnostics,
                                               const EnvLookup& env = process_environment());

// Same, from text already in memory; `file_name` is used in diagnostics.
std::optional<LogicalGraph> load_yaml_pipeline_text(const std::string& file_name, const std::string& text,
                                                    DiagnosticEngine& diagnostics,
                                                    const EnvLookup& env = process_environment());

}  // namespace rbc
