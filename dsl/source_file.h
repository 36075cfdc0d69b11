// A pipeline file's text, read once for whichever front-end parses it (YAML or .rbc):
// no parser here, so the .rbc front-end does not depend on the YAML loader.
#pragma once

#include <optional>
#include <string>

#include "graph/diagnostic.h"

namespace rbc {

// Reads a whole pipeline file, rejecting directories and binary files with a located error.
std::optional<std::string> read_pipeline_file(const std::string& path, DiagnosticEngine& diagnostics);

}  // namespace rbc
