// `rbc check PIPELINE`: will this pipeline run here? Compiles it (exit 2 on errors), then
// probes everything it will touch, one line per check on stdout, `OK` or the reason:
//
//   source postgres rbc@127.0.0.1:5433/rbc_src ... OK
//   destination postgres rbc@127.0.0.1:5433/rbc_dst ... OK
//   state postgres rbc@127.0.0.1:5433/rbc_dst ... OK
//   stream public.orders ... missing table
//
// When every probe passed, the pipeline is compiled again against the source's catalog
// (columns, partition keys, sql types); its located errors go to stderr. Connections use
// a short connect_timeout; passwords never appear. Exit 0 when all is well, 1 when a
// probe failed, 2 when the pipeline has errors.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>

#include "compiler/compile.h"
#include "compiler/driver/commands.h"
#include "connectors/file/file_options.h"
#include "connectors/postgres/pg_catalog.h"

namespace rbc::driver {

namespace {

struct CheckArguments {
  std::string pipeline;
};

class CheckReport {
 public:
  void line(const std::string& what, const std::string& problem = {}) {
    std::cout << what << " ... " << (problem.empty() ? "OK" : problem) << '\n' << std::flush;
    if (!problem.empty()) ++failures_;
  }
  int failures() const { return failures_; }

 private:
  int failures_ = 0;
};

struct Probe {
  std::string describe;  // "user@host:port/db", password-free
  Result<pg::PgConn> conn;
};

Probe probe_postgres(const Config& config) {
  auto params = pg::conn_params_from_config(config);
  if (!params.is_ok()) return {"(config)", params.status()};
  pg::limit_connect_timeout(*params, kProbeConnectTimeoutSeconds);
  return {params->describe, pg::PgConn::connect(*params)};
}

// The connection error without what the line shows already: the "postgres: cannot
// connect to DESCRIBE: " prefix and the retry classification suffix " [SQLSTATE ...]".
std::string problem_of(const Probe& probe) {
  std::string message = probe.conn.status().message();
  for (const std::string& prefix :
       {std::string("postgres: "), "cannot connect to " + probe.describe + ": "}) {
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
  }
  size_t suffix = message.rfind(" [");
  if (suffix != std::string::npos && message.back() == ']') message.erase(suffix);
  return message;
}

// "" when a file can be created at `path` (its nearest existing ancestor directory is
// writable), else why not.
std::string writable_problem(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::path dir = path.empty() ? std::filesystem::path(".") : path;
  // An existing file (the output of an earlier run) is replaced from its directory.
  if (std::filesystem::exists(dir, error) && !std::filesystem::is_directory(dir, error))
    dir = dir.parent_path();
  if (dir.empty()) dir = ".";
  while (!std::filesystem::exists(dir, error)) {
    if (!dir.has_parent_path() || dir.parent_path() == dir) {
      dir = ".";
      break;
    }
    dir = dir.parent_path();
  }
  if (!std::filesystem::is_directory(dir, error)) return "not a directory: " + dir.string();
  if (access(dir.c_str(), W_OK) != 0) return "not writable: " + dir.string();
  return {};
}

std::string directory_of(const std::string& file) {
  std::string dir = std::filesystem::path(file).parent_path().string();
  return dir.empty() ? "." : dir;
}

// Probes the source; keeps the postgres connection in `source_conn` for the stream checks.
void check_source(const LogicalGraph& graph, CheckReport& report, std::optional<pg::PgConn>& source_conn) {
  std::vector<NodeId> sources = graph.nodes_of_kind(NodeKind::source);
  if (sources.empty()) return;
  const ConnectorRef& connector = graph.node(sources.front()).source().connector;
  const std::string& use = connector.use.value;
  if (use == "postgres") {
    Probe probe = probe_postgres(connector.config);
    report.line("source postgres " + probe.describe, probe.conn.is_ok() ? "" : problem_of(probe));
    if (probe.conn.is_ok()) source_conn = std::move(*probe.conn);
    return;
  }
  if (use == "file") {
    for (NodeId id : sources) {
      const SourceNode& source = graph.node(id).source();
      auto options = file::resolve_file_options(source.connector.config, source.stream.name.value,
                                                file::FileRole::source);
      if (!options.is_ok()) {
        report.line("stream " + source.stream.name.value, options.status().message());
        continue;
      }
      std::ifstream in(options->path, std::ios::binary);
      report.line("stream " + source.stream.name.value + " file " + options->path,
                  in ? "" : "cannot read " + options->path);
    }
    return;
  }
  report.line("source " + use);  // the generator needs nothing
}

// Returns the destination's postgres config (for a state backend that shares it).
const Config* check_destination(const LogicalGraph& graph, CheckReport& report) {
  std::vector<NodeId> sinks = graph.nodes_of_kind(NodeKind::sink);
  if (sinks.empty()) return nullptr;
  const ConnectorRef& connector = graph.node(sinks.front()).sink().destination.connector;
  if (connector.use.value == "postgres") {
    Probe probe = probe_postgres(connector.config);
    report.line("destination postgres " + probe.describe, probe.conn.is_ok() ? "" : problem_of(probe));
    return &connector.config;
  }
  if (connector.use.value == "file") {
    std::set<std::string> directories;
    for (NodeId id : sinks) {
      const SinkNode& sink = graph.node(id).sink();
      auto options =
          file::resolve_file_options(sink.destination.connector.config, sink.target, file::FileRole::sink);
      if (!options.is_ok()) {
        report.line("destination file for " + sink.target, options.status().message());
        continue;
      }
      std::string dir = directory_of(options->path);
      if (directories.insert(dir).second)
        report.line("destination file " + dir + "/", writable_problem(options->path));
    }
    return nullptr;
  }
  report.line("destination " + connector.use.value);
  return nullptr;
}

void check_state(const PipelineInfo& info, const Config* destination_config, CheckReport& report) {
  const StateSpec& state = info.state;
  const std::string& backend = state.backend.value;
  if (backend == "postgres") {
    const Config* config = state.config.has("url") ? &state.config : destination_config;
    if (config == nullptr) {
      report.line("state postgres", "needs state.config.url: the destination is not postgres");
      return;
    }
    Probe probe = probe_postgres(*config);
    report.line("state postgres " + probe.describe, probe.conn.is_ok() ? "" : problem_of(probe));
  } else if (backend == "file") {
    // Saved state lives under state.config.path (default: the working directory).
    std::string path = state.config.string_or("path", ".");
    std::filesystem::path where(path);
    std::error_code error;
    std::filesystem::path dir = std::filesystem::is_directory(where, error) ? where : where.parent_path();
    if (dir.empty()) dir = ".";
    report.line("state file " + dir.string(), writable_problem(dir / "probe"));
  }
}

void check_streams(const LogicalGraph& graph, pg::PgConn& conn, CheckReport& report) {
  for (NodeId id : graph.nodes_of_kind(NodeKind::source)) {
    const SourceNode& source = graph.node(id).source();
    pg::TableRef ref = pg::source_table(source.connector.config, conn.params(), source.stream.name.value);
    auto table = pg::describe_table(conn, ref);
    std::string problem;
    if (!table.is_ok()) {
      problem = table.status().message();
    } else if (!*table) {
      problem = "missing table";
    }
    report.line("stream " + ref.display(), problem);
  }
}

int run_check(const CheckArguments& args) {
  if (args.pipeline.empty()) {
    std::cerr << "rbc check: a PIPELINE file is required\n";
    return kExitUserError;
  }
  CompileRequest request;
  request.path = args.pipeline;
  Compilation compilation = compile_pipeline(request);
  if (auto exit_code = report_compilation_problems(compilation, args.pipeline)) return *exit_code;
  const LogicalGraph& graph = compilation.plan->graph;

  CheckReport report;
  std::optional<pg::PgConn> source_conn;
  check_source(graph, report, source_conn);
  const Config* destination_config = check_destination(graph, report);
  check_state(graph.info, destination_config, report);
  if (source_conn) check_streams(graph, *source_conn, report);
  if (report.failures() > 0) return kExitFailure;
  if (!source_conn) return kExitOk;

  // Everything is reachable: now the checks that need the catalog, as located errors.
  source_conn.reset();
  std::unique_ptr<SourceCatalog> catalog = pg::make_postgres_catalog(kProbeConnectTimeoutSeconds);
  request.options.catalog = catalog.get();
  Compilation checked = compile_pipeline(request);
  bool failed = checked.diagnostics.has_errors() || !checked.internal_error.is_ok() || !checked.notes.empty();
  std::string problem;
  if (!checked.notes.empty()) problem = checked.notes.front();
  if (checked.diagnostics.has_errors()) {
    size_t n = checked.diagnostics.error_count();
    problem = std::to_string(n) + (n == 1 ? " error" : " errors") + " (on stderr)";
  }
  report.line("columns, partition keys and sql against the catalog",
              failed && problem.empty() ? "failed" : problem);
  if (failed) {
    auto exit_code = report_compilation_problems(checked, args.pipeline);
    return exit_code.value_or(kExitFailure);
  }
  return kExitOk;
}

}  // namespace

Command add_check_command(CLI::App& app) {
  auto args = std::make_shared<CheckArguments>();
  CLI::App* command = app.add_subcommand(
      "check", "Compile a pipeline and probe its source, destination, state backend and tables");
  command->add_option("pipeline", args->pipeline, "pipeline file (.yaml or .rbc)");
  return [args] { return run_check(*args); };
}

}  // namespace rbc::driver
