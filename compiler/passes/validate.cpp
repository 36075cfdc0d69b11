// validate: the rules of SPEC section 1 that need the whole typed model. Structural
// and type errors were already reported by the front-end; all errors are collected.
// With a catalog (CompileOptions::catalog) streams are also checked against their
// source's tables: the table, projected columns, cursor and partition keys, sql types.
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "compiler/passes/passes.h"
#include "connectors/file/file_options.h"
#include "connectors/file/file_source.h"
#include "connectors/specs/catalog.h"
#include "connectors/specs/connector_specs.h"
#include "expr/query.h"
#include "operators/operator_specs.h"

namespace rbc {
namespace {

std::string list_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string match = closest_match(word, candidates);
  return match.empty() ? "expected one of: " + list_names(candidates) : "did you mean '" + match + "'?";
}

void check_config_keys(const Config& config, const std::vector<std::string>& known, const std::string& owner,
                       DiagnosticEngine& diagnostics) {
  for (const auto& [key, value] : config.values.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    SourceRange where = config.range_of(key);
    diagnostics.error(where, "unknown config key '" + key + "' for " + owner, did_you_mean(key, known));
  }
}

const ConnectorSpec* check_connector(const ConnectorRef& connector, bool reading,
                                     DiagnosticEngine& diagnostics) {
  if (!connector.use.present) return nullptr;
  const std::string& name = connector.use.value;
  const ConnectorSpec* spec = find_connector_spec(name);
  if (spec == nullptr) {
    diagnostics.error(connector.use.where, "unknown connector '" + name + "'",
                      did_you_mean(name, connector_names()));
    return nullptr;
  }
  if (reading && !spec->can_read) {
    diagnostics.error(connector.use.where, "connector '" + name + "' cannot be a source");
  }
  if (!reading && !spec->can_write) {
    diagnostics.error(connector.use.where, "connector '" + name + "' cannot be a destination");
  }
  check_config_keys(connector.config, spec->config_keys, "connector '" + name + "'", diagnostics);
  return spec;
}

void check_range(const Located<int64_t>& value, const char* what, int64_t low, int64_t high,
                 const std::string& unit, DiagnosticEngine& diagnostics) {
  if (!value.present || (value.value >= low && value.value <= high)) return;
  diagnostics.error(value.where, std::string(what) + " must be between " + std::to_string(low) + " and " +
                                     std::to_string(high) + unit + ", got " + std::to_string(value.value));
}

void validate_pipeline_info(const PipelineInfo& info, DiagnosticEngine& diagnostics) {
  if (info.version.present && info.version.value != "1.0") {
    diagnostics.error(info.version.where, "unsupported version \"" + info.version.value + "\"",
                      "this rbc reads pipelines of version \"1.0\"");
  }
  if (info.name.present && info.name.value.empty()) {
    diagnostics.error(info.name.where, "the pipeline name must not be empty");
  }
  const ResourcesSpec& resources = info.resources;
  if (resources.parallelism.present && resources.parallelism.value < 1) {
    diagnostics.error(resources.parallelism.where, "parallelism must be 'auto' or an integer >= 1, got " +
                                                       std::to_string(resources.parallelism.value));
  }
  check_range(resources.autotune.pin_parallelism, "pin_parallelism", 1, kMaxPinParallelism, "", diagnostics);
  check_range(resources.autotune.pin_copy_flush_bytes, "pin_copy_flush_bytes", kMinCopyFlushBytes,
              kMaxCopyFlushBytes, " bytes (1 MiB .. 32 MiB)", diagnostics);
  check_range(resources.max_batch_bytes, "max_batch_bytes", int64_t{64} << 10, int64_t{1} << 30, " bytes",
              diagnostics);
  check_range(resources.max_inflight_batches, "max_inflight_batches", 1, 1024, "", diagnostics);
  check_range(resources.checkpoint_interval_rows, "checkpoint_interval_rows", 1, int64_t{1} << 40, "",
              diagnostics);
  check_range(resources.checkpoint_interval_seconds, "checkpoint_interval_seconds", 1, 86400, " seconds",
              diagnostics);
  check_range(resources.max_retries, "max_retries", 0, 100, "", diagnostics);
  const std::vector<std::string> backends = {"none", "file", "postgres"};
  if (std::find(backends.begin(), backends.end(), info.state.backend.value) == backends.end()) {
    diagnostics.error(info.state.backend.where, "unknown state backend '" + info.state.backend.value + "'",
                      did_you_mean(info.state.backend.value, backends));
  }
}

void validate_stream(const SourceNode& source, const ConnectorSpec* spec, DiagnosticEngine& diagnostics) {
  const StreamSpec& stream = source.stream;
  if (stream.name.present && stream.name.value.empty()) {
    diagnostics.error(stream.name.where, "the stream name must not be empty");
  }
  SyncMode mode = stream.sync_mode.value;
  SourceRange mode_where = stream.sync_mode.present ? stream.sync_mode.where : stream.where;
  if (spec != nullptr &&
      std::find(spec->sync_modes.begin(), spec->sync_modes.end(), mode) == spec->sync_modes.end()) {
    diagnostics.error(mode_where, std::string("connector '") + spec->name + "' does not support sync_mode " +
                                      to_string(mode));
  }
  if (mode == SyncMode::incremental && !stream.cursor_field.present) {
    diagnostics.error(mode_where, "incremental stream '" + stream.name.value + "' needs a cursor_field",
                      "name the column whose growth marks new rows, e.g. cursor_field: updated_at");
  }
  if (stream.tie_breaker_field.present && !stream.cursor_field.present) {
    diagnostics.error(stream.tie_breaker_field.where, "tie_breaker_field needs a cursor_field");
  }
}

void validate_destination(const DestinationSpec& destination, const ConnectorSpec* spec,
                          DiagnosticEngine& diagnostics) {
  WriteMode mode = destination.write_mode.value;
  SourceRange mode_where = destination.write_mode.present ? destination.write_mode.where : destination.where;
  if (spec != nullptr && spec->can_write &&
      std::find(spec->write_modes.begin(), spec->write_modes.end(), mode) == spec->write_modes.end()) {
    diagnostics.error(mode_where, std::string("connector '") + spec->name + "' does not support write_mode " +
                                      to_string(mode));
  }
  if (mode == WriteMode::upsert &&
      (!destination.primary_key.present || destination.primary_key.value.empty())) {
    diagnostics.error(mode_where, "write_mode upsert needs a primary_key",
                      "list the key columns, e.g. primary_key: [id]");
  }
}

void validate_transform(const TransformSpec& transform, DiagnosticEngine& diagnostics) {
  if (!transform.use.present) return;
  const OperatorSpec* spec = find_operator_spec(transform.use.value);
  if (spec == nullptr) {
    diagnostics.error(transform.use.where, "unknown transform '" + transform.use.value + "'",
                      did_you_mean(transform.use.value, operator_names()));
    return;
  }
  check_config_keys(transform.config, spec->config_keys, "transform '" + spec->name + "'", diagnostics);
  for (const auto& key : spec->required_keys) {
    if (!transform.config.has(key)) {
      diagnostics.error(transform.config.where,
                        "transform '" + spec->name + "' needs config key '" + key + "'");
    }
  }
}

// Where offset `offset` of a sql query written at `where` is in the pipeline file: exact
// for a one-line scalar (quoted or plain), else the start of the value.
SourceRange query_position(const SourceRange& where, const std::string& query, size_t offset,
                           const DiagnosticEngine& diagnostics) {
  SourceRange at = where;
  if (!where.known() || query.find('\n') != std::string::npos) return at;
  std::string line = diagnostics.source_line(where.file_name(), where.line);
  if (where.column > line.size()) return at;
  char first = line[where.column - 1];
  bool quoted = first == '"' || first == '\'';
  if (line.compare(where.column - 1 + (quoted ? 1 : 0), query.size(), query) != 0 && !quoted) return at;
  at.column += static_cast<uint32_t>(offset) + (quoted ? 1 : 0);
  return at;
}

// Where `name` is written in a list that starts at `where`: the flow list's line
// (`columns: [id, nam]`) or the block list's item lines; else `where` itself.
SourceRange element_position(const SourceRange& where, const std::string& name, size_t items,
                             const DiagnosticEngine& diagnostics) {
  if (!where.known() || name.empty()) return where;
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  for (uint32_t line_number = where.line; line_number < where.line + std::max<size_t>(items, 1);
       ++line_number) {
    std::string line = diagnostics.source_line(where.file_name(), line_number);
    size_t from = line_number == where.line ? where.column - 1 : 0;
    for (size_t at = line.find(name, from); at != std::string::npos; at = line.find(name, at + 1)) {
      bool starts = at == 0 || !is_word(line[at - 1]);
      bool ends = at + name.size() >= line.size() || !is_word(line[at + name.size()]);
      if (!starts || !ends) continue;
      SourceRange found = where;
      found.line = line_number;
      found.column = static_cast<uint32_t>(at + 1);
      return found;
    }
  }
  return where;
}

// Asks the source's catalog for the stream's table. Reports a missing table; returns
// nothing when there is no catalog, the connector has none, or it cannot be reached (a
// note, once per reason: compiling never fails because a database is down).
std::optional<CatalogTable> consult_catalog(const SourceNode& source, PassContext& context,
                                            std::set<std::string>& noted) {
  SourceCatalog* catalog = context.options.catalog;
  const StreamSpec& stream = source.stream;
  if (catalog == nullptr || !stream.name.present || stream.name.value.empty()) return std::nullopt;
  const ConnectorSpec* spec = find_connector_spec(source.connector.use.value);
  if (spec == nullptr || !spec->catalog) return std::nullopt;
  Result<CatalogLookup> lookup = catalog->describe(source.connector, stream.name.value);
  if (!lookup.is_ok()) {
    std::string note = "catalog checks skipped: " + lookup.status().message();
    if (noted.insert(note).second && context.notes != nullptr) context.notes->push_back(note);
    return std::nullopt;
  }
  if (!lookup->found) {
    std::string match = closest_match(lookup->table, lookup->others);
    context.diagnostics.error(stream.name.where,
                              "table " + lookup->table + " does not exist in " + lookup->database,
                              match.empty() ? "" : "did you mean '" + match + "'?");
    return std::nullopt;
  }
  return std::move(lookup->found);
}

bool reads_with_one_reader(const ResourcesSpec& resources) {
  return (resources.parallelism.present && resources.parallelism.value == 1) ||
         (resources.autotune.pin_parallelism.present && resources.autotune.pin_parallelism.value == 1);
}

// Checks the columns a stream names against its table, and settles its partition key:
// an integer column, the one written or the table's integer primary key (SPEC section 3:
// a missing or non-integer key is an error here, never silent duplication at run time).
void check_stream_against_catalog(LogicalGraph& graph, NodeId id, const CatalogTable& table,
                                  DiagnosticEngine& diagnostics) {
  LogicalNode& node = graph.node(id);
  StreamSpec& stream = std::get<SourceNode>(node.body).stream;
  const std::string& table_name = table.name;
  auto missing = [&](const std::string& what, const std::string& column, SourceRange where) {
    diagnostics.error(std::move(where), what + " '" + column + "' does not exist in " + table_name,
                      did_you_mean(column, table.column_names()));
  };
  if (stream.columns.present) {
    for (const auto& column : stream.columns.value) {
      if (table.column(column) != nullptr) continue;
      missing("column", column,
              element_position(stream.columns.where, column, stream.columns.value.size(), diagnostics));
    }
  }
  if (stream.cursor_field.present && table.column(stream.cursor_field.value) == nullptr)
    missing("cursor_field", stream.cursor_field.value, stream.cursor_field.where);
  if (stream.tie_breaker_field.present && table.column(stream.tie_breaker_field.value) == nullptr)
    missing("tie_breaker_field", stream.tie_breaker_field.value, stream.tie_breaker_field.where);

  const CatalogColumn* default_key = table.default_partition_key();
  if (stream.partition_key.present) {
    const CatalogColumn* key = table.column(stream.partition_key.value);
    if (key == nullptr) {
      missing("partition_key", stream.partition_key.value, stream.partition_key.where);
    } else if (!key->integer) {
      diagnostics.error(
          stream.partition_key.where,
          "partition_key '" + key->name + "' of " + table_name + " is " + key->type_sql + ", not an integer",
          default_key != nullptr
              ? "partitioned reads split an integer key; the primary key '" + default_key->name + "' is one"
              : "partitioned reads split an integer key; name an integer column");
    }
    return;
  }
  if (!partition_ineligibility_reason(graph, id).empty()) return;
  if (default_key != nullptr) {
    stream.partition_key.value = default_key->name;  // `present` stays false: not written by the user
    node.remarks.push_back("partition key '" + default_key->name + "': the integer primary key of " +
                           table_name + " (from the catalog)");
    return;
  }
  if (reads_with_one_reader(graph.info.resources)) return;
  diagnostics.error(stream.name.where,
                    "partition-eligible stream '" + stream.name.value + "' has no partition_key, and " +
                        table_name + " has no single-column integer primary key",
                    "name an integer column, e.g. partition_key: id, or read with one reader "
                    "(resources: {parallelism: 1})");
}

// The stream's schema if it is known before the run: declared in the pipeline, from the
// source's catalog, or inferred from the header and a sample of a file source's file.
std::optional<Schema> known_schema(const SourceNode& source, const CatalogTable* table) {
  if (source.stream.declared_schema) return source.stream.declared_schema;
  bool projected = source.stream.columns.present && !source.stream.columns.value.empty();
  if (table != nullptr) {
    // The same fields, in the same order, as the postgres source yields.
    Schema schema;
    if (!projected) {
      for (const auto& c : table->columns) schema.add(Field{c.name, c.type, c.nullable});
      return schema;
    }
    for (const auto& name : source.stream.columns.value) {
      const CatalogColumn* c = table->column(name);
      if (c == nullptr) return std::nullopt;  // reported by check_stream_against_catalog
      schema.add(Field{c->name, c->type, c->nullable});
    }
    return schema;
  }
  if (source.connector.use.value != "file") return std::nullopt;
  auto options =
      file::resolve_file_options(source.connector.config, source.stream.name.value, file::FileRole::source);
  if (!options.is_ok()) return std::nullopt;  // the run reports a missing file with its reason
  auto schema = file::infer_file_schema(*options);
  if (!schema.is_ok()) return std::nullopt;
  if (!projected) return *schema;
  Schema projection;
  for (const auto& name : source.stream.columns.value) {
    int index = schema->index_of(name);
    if (index < 0) return std::nullopt;
    projection.add(schema->field(static_cast<size_t>(index)));
  }
  return projection;
}

// Checks every sql query at compile time: its syntax always, and its columns and types
// when the stream's schema is known (declared, from the catalog, or from a file).
void check_sql_chain(const LogicalGraph& graph, NodeId source_id, const CatalogTable* table,
                     DiagnosticEngine& diagnostics) {
  std::optional<Schema> schema = known_schema(graph.node(source_id).source(), table);
  for (NodeId id = source_id;;) {
    std::vector<NodeId> next = graph.successors(id);
    if (next.size() != 1 || graph.node(next[0]).kind != NodeKind::transform) return;
    id = next[0];
    const TransformSpec& spec = graph.node(id).transform().spec;
    if (spec.use.value != "sql") {
      schema.reset();  // other operators may reshape rows; stop type-checking here
      continue;
    }
    auto query_value = spec.config.values.find("query");
    if (query_value == spec.config.values.end()) continue;
    SourceRange where = spec.config.range_of("query");
    if (!query_value->is_string()) {
      diagnostics.error(where, "sql query must be a string");
      return;
    }
    std::string query = query_value->get<std::string>();
    std::vector<SqlError> errors;
    if (schema) {
      SqlCompileResult compiled = compile_sql(query, *schema);
      if (auto* ok = std::get_if<CompiledQuery>(&compiled)) {
        schema = ok->output_schema();
      } else {
        errors = std::get<std::vector<SqlError>>(compiled);
      }
    } else {
      if (auto error = check_sql_syntax(query)) errors.push_back(*error);
    }
    for (const SqlError& error : errors) {
      diagnostics.error(query_position(where, query, error.offset, diagnostics),
                        "in sql query: " + error.message,
                        "at offset " + std::to_string(error.offset) + " of the query");
    }
    if (!errors.empty()) return;
  }
}

// A predicate router's conditions are sql WHERE clauses: their syntax is checked here
// (their columns when the run starts), located inside the condition's string.
void check_router_conditions(const RouterNode& router, DiagnosticEngine& diagnostics) {
  const std::string prefix = "SELECT * FROM input WHERE ";
  for (size_t i = 0; i < router.predicates.size(); ++i) {
    const std::string& condition = router.predicates[i].second;
    std::optional<SqlError> error = check_sql_syntax(prefix + condition);
    if (!error) continue;
    size_t offset = error->offset >= prefix.size() ? error->offset - prefix.size() : 0;
    SourceRange where = i < router.predicate_where.size() ? router.predicate_where[i] : router.where;
    diagnostics.error(
        query_position(where, condition, offset, diagnostics),
        "in the condition of router output '" + router.predicates[i].first + "': " + error->message);
  }
}

// What a sink writes: the file it resolves to, or the connector, its config and target.
std::string destination_key(const SinkNode& sink) {
  const ConnectorRef& connector = sink.destination.connector;
  if (connector.use.value == "file") {
    auto options = file::resolve_file_options(connector.config, sink.target, file::FileRole::sink);
    std::error_code error;
    if (options.is_ok()) return "file:" + std::filesystem::weakly_canonical(options->path, error).string();
  }
  return connector.use.value + ":" + connector.config.values.dump() + ":" + sink.target;
}

}  // namespace

Status ValidatePass::run(PhysicalPlan& plan, PassContext& context) {
  DiagnosticEngine& diagnostics = context.diagnostics;
  const LogicalGraph& graph = plan.graph;
  validate_pipeline_info(graph.info, diagnostics);

  std::map<std::string, SourceRange> first_definition;
  std::map<std::string, std::pair<SourceRange, std::string>> destinations;  // key -> where, stream
  std::set<std::string> duplicate_streams;
  std::set<std::string> catalog_notes;
  for (NodeId id : graph.node_ids()) {
    const LogicalNode& node = graph.node(id);
    switch (node.kind) {
      case NodeKind::source: {
        const SourceNode& source = node.source();
        validate_stream(source, check_connector(source.connector, /*reading=*/true, diagnostics),
                        diagnostics);
        std::optional<CatalogTable> table = consult_catalog(source, context, catalog_notes);
        if (table) check_stream_against_catalog(plan.graph, id, *table, diagnostics);
        check_sql_chain(graph, id, table ? &*table : nullptr, diagnostics);
        const auto& name = source.stream.name;
        if (!name.present) break;
        auto [it, inserted] = first_definition.emplace(name.value, name.where);
        if (!inserted) {
          duplicate_streams.insert(name.value);
          diagnostics.error(name.where, "duplicate stream name '" + name.value + "'",
                            "first defined at line " + std::to_string(it->second.line));
        }
        break;
      }
      case NodeKind::transform: validate_transform(node.transform().spec, diagnostics); break;
      case NodeKind::router: check_router_conditions(node.router(), diagnostics); break;
      case NodeKind::sink: {
        const DestinationSpec& destination = node.sink().destination;
        validate_destination(
            destination, check_connector(destination.connector, /*reading=*/false, diagnostics), diagnostics);
        // Two sinks writing one file or table would interleave or overwrite each other.
        auto [it, inserted] =
            destinations.emplace(destination_key(node.sink()), std::pair{destination.where, node.stream});
        // (Two streams of one name were reported as duplicate streams already.)
        if (!inserted && !(duplicate_streams.count(node.stream) && it->second.second == node.stream)) {
          bool file = destination.connector.use.value == "file";
          diagnostics.error(
              destination.where, "two sinks write the same destination",
              "the other one is at line " + std::to_string(it->second.first.line) +
                  (file ? "; a directory path (ending in '/') writes one file per stream" : ""));
        }
        break;
      }
    }
  }
  if (graph.node_count() > 0 && graph.topological_order().empty()) {
    diagnostics.error(SourceRange{}, "the pipeline graph has a cycle");
  }
  return Status::ok();
}

}  // namespace rbc
