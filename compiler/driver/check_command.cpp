// `rbc check PIPELINE`: will this pipeline run here? Compiles it (exit 2 on errors), then
// probes everything it will touch, one line per check on stdout, `OK` or the reason:
//
//   source postgres rbc@127.0.0.1:5433/rbc_src ... OK
//   destination postgres rbc@127.0.0.1:5433/rbc_dst ... OK
//   state postgres rbc@127.0.0.1:5433/rbc_dst ... OK
//   stream public.orders ... missing table
//
// When every probe passed, the pipeline is compiled again against the source's catalog
// (columns, partition keys, sql types); its located errors go to stderr. Each probe is
// its connector's or state backend's hook (connectors/registry.h). Connections use a
// short connect_timeout; passwords never appear. Exit 0 when all is well, 1 when a
// probe failed, 2 when the pipeline has errors.
#include <iostream>
#include <memory>
#include <string>

#include "compiler/compile.h"
#include "compiler/driver/commands.h"
#include "connectors/registry.h"

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
  CheckLine as_check_line() {
    return [this](const std::string& what, const std::string& problem) { line(what, problem); };
  }

 private:
  int failures_ = 0;
};

// Probes the sources with their connector's hook (all sources use the first one's).
StreamChecks check_source(const LogicalGraph& graph, CheckReport& report) {
  std::vector<NodeId> ids = graph.nodes_of_kind(NodeKind::source);
  if (ids.empty()) return {};
  std::vector<const SourceNode*> sources;
  for (NodeId id : ids) sources.push_back(&graph.node(id).source());
  const std::string& use = sources.front()->connector.use.value;
  const Connector* connector = find_connector(use);
  if (connector == nullptr || connector->hooks.check_sources == nullptr) {
    report.line("source " + use);  // nothing to probe (the generator)
    return {};
  }
  return connector->hooks.check_sources(sources, report.as_check_line());
}

// Probes where the sinks write; returns the destination (a state backend may share it).
ConnectorRef check_destination(const LogicalGraph& graph, CheckReport& report) {
  std::vector<NodeId> ids = graph.nodes_of_kind(NodeKind::sink);
  if (ids.empty()) return {};
  std::vector<const SinkNode*> sinks;
  for (NodeId id : ids) sinks.push_back(&graph.node(id).sink());
  const ConnectorRef& destination = sinks.front()->destination.connector;
  const Connector* connector = find_connector(destination.use.value);
  if (connector == nullptr || connector->hooks.check_destinations == nullptr) {
    report.line("destination " + destination.use.value);
  } else {
    connector->hooks.check_destinations(sinks, report.as_check_line());
  }
  return destination;
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
  StreamChecks stream_checks = check_source(graph, report);
  ConnectorRef destination = check_destination(graph, report);
  check_state_backend(graph.info.state, destination, report.as_check_line());
  if (stream_checks) stream_checks(report.as_check_line());
  stream_checks = nullptr;  // closes the source's probe connection
  std::vector<NodeId> sources = graph.nodes_of_kind(NodeKind::source);
  const Connector* source =
      sources.empty() ? nullptr : find_connector(graph.node(sources.front()).source().connector.use.value);
  if (report.failures() == 0 && source != nullptr && source->hooks.check_cdc_slots != nullptr) {
    std::vector<const SourceNode*> nodes;
    for (NodeId id : sources) nodes.push_back(&graph.node(id).source());
    source->hooks.check_cdc_slots(nodes, graph.info.name.value, report.as_check_line());
  }
  if (report.failures() > 0) return kExitFailure;
  if (source == nullptr || source->hooks.make_catalog == nullptr) return kExitOk;

  // Everything is reachable: now the checks that need the catalog, as located errors.
  std::unique_ptr<SourceCatalog> catalog = source->hooks.make_catalog(kProbeConnectTimeoutSeconds);
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
