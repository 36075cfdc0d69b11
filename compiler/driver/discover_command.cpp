// `rbc discover PIPELINE [--json] [--schema NAME]`: what the pipeline's source holds, as
// its connector's discover hook says (connectors/registry.h). For a postgres source:
// every table of the configured schema with its columns, types,
// nullability, primary key and row estimate (pg_class.reltuples). For a file source:
// each stream's file and the schema inferred from its header and a sample.
//
// Text for people on stdout, `--json` for machines. A pipeline with errors exits 2; a
// source that cannot be reached exits 1 with one redacted line on stderr.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compiler/compile.h"
#include "compiler/driver/commands.h"
#include "connectors/registry.h"
#include "graph/utf8.h"

namespace rbc::driver {

namespace {

struct DiscoverArguments {
  std::string pipeline;
  std::string schema;
  bool json = false;
};

// Pads cells into aligned columns; no trailing spaces.
std::string format_rows(const std::vector<std::vector<std::string>>& rows, const std::string& indent) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = indent;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string discovery_text(const Discovery& d) {
  std::string out;
  size_t n = d.tables.size();
  bool database = !d.database.empty();
  if (database) {
    out += "source " + d.connector + " " + d.database + ", schema " + d.schema + ": " + std::to_string(n) +
           (n == 1 ? " table\n" : " tables\n");
  } else {
    out += "source " + d.connector + ": " + std::to_string(n) + (n == 1 ? " stream\n" : " streams\n");
  }
  for (const auto& t : d.tables) {
    out += "\n";
    if (database) {
      std::string rows = t.row_estimate < 0 ? "rows unknown (never analyzed)"
                                            : "~" + std::to_string(t.row_estimate) + " rows";
      std::string key =
          t.primary_key.empty() ? "no primary key" : "primary key (" + join(t.primary_key) + ")";
      out += "table " + t.name + ": " + rows + ", " + key + "\n";
      std::vector<std::vector<std::string>> rows_out = {{"column", "type", "nullable", "rbc type", "key"}};
      for (const auto& c : t.columns) {
        rows_out.push_back(
            {c.name, c.type_sql, c.nullable ? "yes" : "no", c.rbc_type, c.primary_key ? "PK" : ""});
      }
      out += format_rows(rows_out, "  ");
    } else {
      out += "stream " + t.name + ": " + t.location;
      if (!t.files.empty())
        out += " (" + std::to_string(t.files.size()) + (t.files.size() == 1 ? " file" : " files") + ")";
      out += "\n";
      for (const auto& file : t.files) out += "  file " + file + "\n";
      std::vector<std::vector<std::string>> rows_out = {{"column", "rbc type", "nullable"}};
      for (const auto& c : t.columns) rows_out.push_back({c.name, c.rbc_type, c.nullable ? "yes" : "no"});
      out += format_rows(rows_out, "  ");
    }
  }
  return out;
}

nlohmann::json discovery_json(const Discovery& d) {
  nlohmann::json source = {{"connector", d.connector}};
  if (!d.database.empty()) source["database"] = d.database;
  if (!d.schema.empty()) source["schema"] = d.schema;
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : d.tables) {
    nlohmann::json columns = nlohmann::json::array();
    for (const auto& c : t.columns) {
      nlohmann::json column = {{"name", c.name}, {"rbc_type", c.rbc_type}, {"nullable", c.nullable}};
      if (!c.type_sql.empty()) column["type"] = c.type_sql;
      column["primary_key"] = c.primary_key;
      columns.push_back(std::move(column));
    }
    nlohmann::json table = {
        {"name", t.name}, {"columns", std::move(columns)}, {"primary_key", t.primary_key}};
    if (!t.location.empty()) table["path"] = t.location;
    if (!t.files.empty()) table["files"] = t.files;
    table["row_estimate"] = t.row_estimate < 0 ? nlohmann::json() : nlohmann::json(t.row_estimate);
    tables.push_back(std::move(table));
  }
  return {{"source", std::move(source)}, {"tables", std::move(tables)}};
}

// "postgres and file": the connectors with a discover hook.
std::string connectors_that_discover() {
  std::vector<std::string> names;
  for (const Connector& connector : connectors()) {
    if (connector.hooks.discover != nullptr) names.push_back(connector.spec.name);
  }
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  }
  return out;
}

int run_discover(const DiscoverArguments& args) {
  if (args.pipeline.empty()) {
    std::cerr << "rbc discover: a PIPELINE file is required\n";
    return kExitUserError;
  }
  DiagnosticEngine diagnostics;
  std::optional<LogicalGraph> graph = load_pipeline(args.pipeline, diagnostics, process_environment());
  if (!diagnostics.diagnostics().empty()) std::cerr << diagnostics.render();
  if (!graph || diagnostics.has_errors()) {
    size_t n = diagnostics.error_count();
    std::cerr << n << (n == 1 ? " error" : " errors") << " in " << args.pipeline << '\n';
    return kExitUserError;
  }
  std::vector<NodeId> sources = graph->nodes_of_kind(NodeKind::source);
  if (sources.empty()) {
    std::cerr << "rbc discover: " << args.pipeline << " has no source streams\n";
    return kExitUserError;
  }
  const std::string& use = graph->node(sources.front()).source().connector.use.value;
  const Connector* connector = find_connector(use);
  Result<Discovery> discovery =
      Status::invalid("rbc discover: connector '" + use + "' has nothing to discover (" +
                      connectors_that_discover() + " do)");
  if (connector != nullptr && connector->hooks.discover != nullptr) {
    std::vector<const SourceNode*> nodes;
    for (NodeId id : sources) nodes.push_back(&graph->node(id).source());
    discovery = connector->hooks.discover(nodes, args.schema);
  }
  if (!discovery.is_ok()) {
    std::cerr << "rbc: error: " << discovery.status().message() << '\n';
    return kExitFailure;
  }
  if (args.json) {
    std::cout << json_text(discovery_json(*discovery), 2) << '\n';
  } else {
    std::cout << discovery_text(*discovery);
  }
  return kExitOk;
}

}  // namespace

Command add_discover_command(CLI::App& app) {
  auto args = std::make_shared<DiscoverArguments>();
  CLI::App* command = app.add_subcommand(
      "discover", "List what a pipeline's source holds: tables, columns, types, keys, row estimates");
  command->add_option("pipeline", args->pipeline, "pipeline file (.yaml or .rbc)");
  command->add_flag("--json", args->json, "print JSON instead of text");
  command->add_option("--schema", args->schema,
                      "postgres schema to list (default: the source's `schema`, or public)");
  return [args] { return run_discover(*args); };
}

}  // namespace rbc::driver
