// bind: resolves the pipeline's names against the world outside it. With a catalog
// (CompileOptions::catalog) each stream is looked up in its source's database: the
// table, projected columns, cursor and partition keys; a partition-eligible stream
// without a partition_key gets the table's integer primary key written into the model
// (with a remark). Every stream's schema known before the run (declared, from the
// catalog, or inferred from a file) types its sql queries. Pure checks of the model
// are the validate pass's, which runs after this one even when it reported errors.
#include <algorithm>
#include <cctype>
#include <set>

#include "compiler/passes/passes.h"
#include "connectors/specs/catalog.h"
#include "connectors/specs/connector_specs.h"
#include "expr/query.h"
#include "operators/operator_specs.h"

namespace rbc {
namespace {

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
// an integer column, the one written or the table's integer primary key (docs/execution.md, partitioned
// reads: a missing or non-integer key is an error here, never silent duplication at run time).
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

std::optional<Schema> table_schema(const SourceNode& source, const CatalogTable* table);

// The stream's schema if it is known before the run: declared in the pipeline, from the
// source's catalog, or inferred from the header and a sample of a file source's file; a
// cdc stream's rows add the change columns.
std::optional<Schema> known_schema(const SourceNode& source, const CatalogTable* table) {
  std::optional<Schema> schema = table_schema(source, table);
  if (schema && source.stream.sync_mode.value == SyncMode::cdc) add_change_columns(*schema);
  return schema;
}

// The stream's columns as its table (or file) has them.
std::optional<Schema> table_schema(const SourceNode& source, const CatalogTable* table) {
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
  const ConnectorSpec* spec = find_connector_spec(source.connector.use.value);
  if (spec == nullptr || spec->infer_schema == nullptr) return std::nullopt;
  std::optional<Schema> schema = spec->infer_schema(source.connector.config, source.stream.name.value);
  if (!schema) return std::nullopt;
  if (!projected) return *schema;
  Schema projection;
  for (const auto& name : source.stream.columns.value) {
    int index = schema->index_of(name);
    if (index < 0) return std::nullopt;
    projection.add(schema->field(static_cast<size_t>(index)));
  }
  return projection;
}

// A hash router's keys (columns or expressions) bind to the stream's columns, as the
// router will bind them when the run starts.
void check_hash_keys(const RouterNode& router, const Schema& schema, DiagnosticEngine& diagnostics) {
  if (router.mode != RouterNode::Mode::hash || router.keys.empty()) return;
  std::string query = "SELECT ";
  for (size_t k = 0; k < router.keys.size(); ++k) query += (k ? ", " : "") + router.keys[k];
  query += " FROM input";
  SqlCompileResult compiled = compile_sql(query, schema);
  if (auto* errors = std::get_if<std::vector<SqlError>>(&compiled))
    diagnostics.error(router.where, "route: hash keys: " + errors->front().message);
}

// Checks every transform of the chain with its spec's check_types (a sql query: its syntax
// always, its columns and types when the stream's schema is known: declared, from the
// catalog, or from a file), for as long as the schema is known.
void check_chain_types(const LogicalGraph& graph, NodeId source_id, const CatalogTable* table,
                       DiagnosticEngine& diagnostics) {
  std::optional<Schema> schema = known_schema(graph.node(source_id).source(), table);
  for (NodeId id = source_id;;) {
    std::vector<NodeId> next = graph.successors(id);
    if (next.size() == 1 && graph.node(next[0]).kind == NodeKind::router && schema)
      return check_hash_keys(graph.node(next[0]).router(), *schema, diagnostics);
    if (next.size() != 1 || graph.node(next[0]).kind != NodeKind::transform) return;
    id = next[0];
    const TransformSpec& spec = graph.node(id).transform().spec;
    const OperatorSpec* op = find_operator_spec(spec.use.value);
    if (op == nullptr || op->check_types == nullptr) {
      schema.reset();  // the output's schema is not known; stop type-checking here
      continue;
    }
    TypeCheck checked = op->check_types(spec.config, schema);
    for (const ConfigProblem& error : checked.errors) {
      SourceRange where = spec.config.range_of(error.key);
      auto text = spec.config.values.find(error.key);
      if (error.offset && text != spec.config.values.end() && text->is_string()) {
        where = query_position(where, text->get<std::string>(), *error.offset, diagnostics);
      }
      diagnostics.error(where, error.message, error.note);
    }
    if (!checked.errors.empty()) return;
    schema = std::move(checked.output);
  }
}

}  // namespace

Status BindPass::run(PhysicalPlan& plan, PassContext& context) {
  std::set<std::string> catalog_notes;
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::source)) {
    const SourceNode& source = plan.graph.node(id).source();
    std::optional<CatalogTable> table = consult_catalog(source, context, catalog_notes);
    if (table) check_stream_against_catalog(plan.graph, id, *table, context.diagnostics);
    check_chain_types(plan.graph, id, table ? &*table : nullptr, context.diagnostics);
  }
  return Status::ok();
}

}  // namespace rbc
