// `rbc discover PIPELINE [--json] [--schema NAME]`: what the pipeline's source holds. For
// a postgres source: every table of the configured schema with its columns, types,
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
#include "connectors/file/file_options.h"
#include "connectors/file/file_source.h"
#include "connectors/postgres/pg_catalog.h"

namespace rbc::driver {

namespace {

struct DiscoverArguments {
  std::string pipeline;
  std::string schema;
  bool json = false;
};

// One discovered table or file, in the shape both printers read.
struct DiscoveredColumn {
  std::string name;
  std::string type_sql;  // empty for files
  std::string rbc_type;
  bool nullable = true;
  bool primary_key = false;
};

struct DiscoveredTable {
  std::string name;
  std::string location;       // file path, for files
  int64_t row_estimate = -1;  // -1 unknown
  std::vector<std::string> primary_key;
  std::vector<DiscoveredColumn> columns;
};

struct Discovery {
  std::string connector;
  std::string database;  // postgres: "user@host:port/db"
  std::string schema;    // postgres
  std::vector<DiscoveredTable> tables;
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
  if (d.connector == "postgres") {
    out += "source postgres " + d.database + ", schema " + d.schema + ": " + std::to_string(n) +
           (n == 1 ? " table\n" : " tables\n");
  } else {
    out += "source " + d.connector + ": " + std::to_string(n) + (n == 1 ? " stream\n" : " streams\n");
  }
  for (const auto& t : d.tables) {
    out += "\n";
    if (d.connector == "postgres") {
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
      out += "stream " + t.name + ": " + t.location + "\n";
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
    table["row_estimate"] = t.row_estimate < 0 ? nlohmann::json() : nlohmann::json(t.row_estimate);
    tables.push_back(std::move(table));
  }
  return {{"source", std::move(source)}, {"tables", std::move(tables)}};
}

Result<Discovery> discover_postgres(const Config& config, const std::string& schema_override) {
  RBC_ASSIGN_OR_RETURN(pg::ConnParams params, pg::conn_params_from_config(config));
  pg::limit_connect_timeout(params, kProbeConnectTimeoutSeconds);
  RBC_ASSIGN_OR_RETURN(pg::PgConn conn, pg::PgConn::connect(params));
  Discovery d;
  d.connector = "postgres";
  d.database = params.describe;
  d.schema = schema_override.empty() ? params.schema : schema_override;
  RBC_ASSIGN_OR_RETURN(auto summaries, pg::list_tables(conn, d.schema));
  for (const auto& summary : summaries) {
    RBC_ASSIGN_OR_RETURN(auto table, pg::describe_table(conn, summary.ref));
    if (!table) continue;  // dropped since it was listed
    DiscoveredTable t;
    t.name = table->ref.display();
    t.row_estimate = table->row_estimate;
    t.primary_key = table->primary_key;
    for (const auto& c : table->columns) {
      bool key = std::find(t.primary_key.begin(), t.primary_key.end(), c.name) != t.primary_key.end();
      t.columns.push_back({c.name, c.type_sql, c.type.to_string(), c.nullable, key});
    }
    d.tables.push_back(std::move(t));
  }
  return d;
}

Result<Discovery> discover_files(const LogicalGraph& graph) {
  Discovery d;
  d.connector = "file";
  for (NodeId id : graph.nodes_of_kind(NodeKind::source)) {
    const SourceNode& source = graph.node(id).source();
    const std::string& stream = source.stream.name.value;
    RBC_ASSIGN_OR_RETURN(auto options,
                         file::resolve_file_options(source.connector.config, stream, file::FileRole::source));
    RBC_ASSIGN_OR_RETURN(Schema schema, file::infer_file_schema(options));
    DiscoveredTable t;
    t.name = stream;
    t.location = options.path;
    for (const auto& field : schema.fields())
      t.columns.push_back({field.name, "", field.type.to_string(), field.nullable});
    d.tables.push_back(std::move(t));
  }
  return d;
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
  const ConnectorRef& connector = graph->node(sources.front()).source().connector;
  Result<Discovery> discovery = Status::invalid("rbc discover: connector '" + connector.use.value +
                                                "' has nothing to discover (postgres and file do)");
  if (connector.use.value == "postgres") discovery = discover_postgres(connector.config, args.schema);
  if (connector.use.value == "file") discovery = discover_files(*graph);
  if (!discovery.is_ok()) {
    std::cerr << "rbc: error: " << discovery.status().message() << '\n';
    return kExitFailure;
  }
  if (args.json) {
    std::cout << discovery_json(*discovery).dump(2) << '\n';
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
