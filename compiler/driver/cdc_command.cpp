// `rbc cdc status PIPELINE` and `rbc cdc drop PIPELINE`: what reads the changes of the
// pipeline's cdc streams on the source server. status prints, per stream, its replication
// slot (in use or not, the confirmed position, the WAL it keeps) and publication; drop
// removes the slot and the publication rbc named (a publication the pipeline names is the
// user's and stays), then forgets the streams' saved positions, so that the next run
// copies the tables afresh. Exit 0, 1 when the server refuses, 2 for pipeline errors.
#include <iostream>
#include <memory>
#include <string>

#include "compiler/compile.h"
#include "compiler/driver/commands.h"
#include "connectors/registry.h"
#include "connectors/state/state_store.h"

namespace rbc::driver {

namespace {

struct CdcArguments {
  std::string pipeline;
  bool drop = false;
};

int run_cdc(const CdcArguments& args) {
  CompileRequest request;
  request.path = args.pipeline;
  Compilation compilation = compile_pipeline(request);
  if (auto exit_code = report_compilation_problems(compilation, args.pipeline)) return *exit_code;
  const LogicalGraph& graph = compilation.plan->graph;

  std::vector<const SourceNode*> sources;
  for (NodeId id : graph.nodes_of_kind(NodeKind::source)) {
    if (graph.node(id).source().stream.sync_mode.value == SyncMode::cdc)
      sources.push_back(&graph.node(id).source());
  }
  if (sources.empty()) {
    std::cerr << "rbc cdc: " << args.pipeline << " has no stream with sync_mode: cdc\n";
    return kExitUserError;
  }
  const Connector* connector = find_connector(sources.front()->connector.use.value);
  if (connector == nullptr || connector->hooks.cdc_slots == nullptr) {
    std::cerr << "rbc cdc: connector '" << sources.front()->connector.use.value << "' reads no changes\n";
    return kExitUserError;
  }
  auto dropped =
      connector->hooks.cdc_slots(sources, graph.info.name.value, args.drop, [](const std::string& line) {
        std::cout << line << '\n' << std::flush;
      });
  if (!dropped.is_ok()) {
    std::cerr << "rbc: error: " << dropped.status().message() << '\n';
    return kExitFailure;
  }
  if (dropped->empty()) return kExitOk;
  ConnectorRef destination;
  for (NodeId id : graph.nodes_of_kind(NodeKind::sink)) {
    destination = graph.node(id).sink().destination.connector;
    break;
  }
  auto state = make_state_store(graph.info.state, destination);
  Status forgotten = state.is_ok() ? Status::ok() : state.status();
  for (const std::string& stream : *dropped) {
    if (forgotten.is_ok()) forgotten = (*state)->forget(graph.info.name.value, stream);
  }
  if (!forgotten.is_ok()) {
    std::cerr << "rbc: error: the slots are dropped, but the saved positions remain: " << forgotten.message()
              << '\n';
    return kExitFailure;
  }
  std::cout << "saved positions forgotten (" << (*state)->describe()
            << "): the next run copies the tables again\n";
  return kExitOk;
}

}  // namespace

Command add_cdc_command(CLI::App& app) {
  auto args = std::make_shared<CdcArguments>();
  CLI::App* command =
      app.add_subcommand("cdc", "Show or drop what reads a pipeline's changes (slots, publications)");
  command->require_subcommand(1);
  CLI::App* status =
      command->add_subcommand("status", "Per cdc stream: its replication slot, position and retained WAL");
  CLI::App* drop = command->add_subcommand(
      "drop", "Drop the streams' slots and rbc's publications; forget their positions");
  for (CLI::App* sub : {status, drop})
    sub->add_option("pipeline", args->pipeline, "pipeline file (.yaml or .rbc)")->required();
  drop->callback([args] { args->drop = true; });
  return [args] { return run_cdc(*args); };
}

}  // namespace rbc::driver
