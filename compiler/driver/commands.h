// The `rbc` subcommands. Each registers its options on the CLI11 app and returns the
// process exit code when run: 0 success, 1 run failure, 2 errors in the pipeline.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "compiler/compile.h"

namespace rbc::driver {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUserError = 2;

// connect_timeout (seconds, at most) for catalog checks during compile and exec, which
// must never hang on an unreachable server (`rbc check` / `rbc discover`, whose user waits
// for an answer, use connectors/probe.h's kProbeConnectTimeoutSeconds).
constexpr int kCatalogConnectTimeoutSeconds = 2;

using Command = std::function<int()>;

// Prints a compilation's diagnostics to stderr; returns the exit code when it failed
// (2 for errors in the pipeline, 1 for an internal error), or nothing when a plan is ready.
std::optional<int> report_compilation_problems(const Compilation& compilation, const std::string& pipeline);

Command add_compile_command(CLI::App& app);
Command add_exec_command(CLI::App& app);
Command add_fmt_command(CLI::App& app);
Command add_discover_command(CLI::App& app);
Command add_check_command(CLI::App& app);
Command add_cdc_command(CLI::App& app);

}  // namespace rbc::driver
