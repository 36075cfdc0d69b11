// Printing .rbc programs: `rbc fmt` (the canonical layout of a parsed program, keeping
// its comments and single blank lines) and `rbc compile --emit rbc` (a YAML pipeline's
// logical graph written in the language).
#pragma once

#include <string>

#include "dsl/lang/ast.h"
#include "dsl/lang/lower.h"
#include "dsl/lang/parser.h"
#include "graph/logical_graph.h"

namespace rbc::lang {

// The canonical text of a program. With `source`, the program's comments and the
// blank lines between its statements are kept. Formatting the output again gives the
// same text.
std::string format_program(const ast::Program& program, const ParsedProgram* source = nullptr);

// A program that lowers to `graph`: connectors as `let`s, one chain per path from a
// source to a sink, and the resources and state that differ from the defaults.
// Supports the graphs the YAML front-end builds (one chain per stream). A connector or
// transform whose name cannot be written as a name is an error in `diagnostics`.
ast::Program program_of(const LogicalGraph& graph, const Vocabulary& vocabulary,
                        DiagnosticEngine& diagnostics);

}  // namespace rbc::lang
