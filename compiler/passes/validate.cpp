// validate: the rules of docs/pipeline.md (Validation) that need the whole typed model, checked on
// the model alone (the bind pass, before it, resolved names against catalogs, files and
// sql). Structural and type errors were already reported by the front-end; all errors
// are collected.
#include <algorithm>
#include <map>
#include <set>

#include "compiler/passes/passes.h"
#include "connectors/specs/connector_specs.h"
#include "expr/query.h"
#include "graph/pipeline_keys.h"
#include "graph/utf8.h"
#include "operators/operator_specs.h"

namespace rbc {
namespace {

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
  if (spec->check_options != nullptr) {
    for (const ConfigProblem& problem : spec->check_options(connector.config, reading))
      diagnostics.error(connector.config.range_of(problem.key),
                        "connector '" + name + "': " + problem.message, problem.note);
  }
  return spec;
}

// The ranges of graph/pipeline_keys.h, for the keys that were written.
template <typename Model>
void check_ranges(const std::vector<ModelKey<Model>>& keys, const Model& model,
                  DiagnosticEngine& diagnostics) {
  for (const auto& key : keys) {
    if (const auto* nested = std::get_if<AutotuneSpec Model::*>(&key.field)) {
      check_ranges(autotune_keys(), model.**nested, diagnostics);
      continue;
    }
    if (const auto* nested = std::get_if<AggregationSpec Model::*>(&key.field)) {
      check_ranges(aggregation_keys(), model.**nested, diagnostics);
      continue;
    }
    if (const auto* nested = std::get_if<WatermarkSpec Model::*>(&key.field)) {
      check_ranges(watermark_keys(), model.**nested, diagnostics);
      continue;
    }
    const auto* field = std::get_if<Located<int64_t> Model::*>(&key.field);
    if (field == nullptr || !key.range) continue;
    const Located<int64_t>& value = model.**field;
    const KeyRange& range = *key.range;
    if (!value.present || (value.value >= range.low && value.value <= range.high)) continue;
    if (key.type == KeyType::parallelism) {
      diagnostics.error(value.where, std::string(key.what) + " must be 'auto' or an integer between " +
                                         std::to_string(range.low) + " and " + std::to_string(range.high) +
                                         ", got " + std::to_string(value.value));
      continue;
    }
    diagnostics.error(value.where, std::string(key.what) + " must be between " + std::to_string(range.low) +
                                       " and " + std::to_string(range.high) + range.unit + ", got " +
                                       std::to_string(value.value));
  }
}

void validate_pipeline_info(const PipelineInfo& info, DiagnosticEngine& diagnostics) {
  if (info.version.present && info.version.value != kPipelineVersion) {
    diagnostics.error(info.version.where, "unsupported version \"" + info.version.value + "\"",
                      std::string("this rbc reads pipelines of version \"") + kPipelineVersion + "\"");
  }
  if (info.name.present && info.name.value.empty()) {
    diagnostics.error(info.name.where, "the pipeline name must not be empty");
  }
  check_ranges(resources_keys(), info.resources, diagnostics);
  const std::vector<std::string>& backends = state_backend_names();
  if (std::find(backends.begin(), backends.end(), info.state.backend.value) == backends.end()) {
    diagnostics.error(info.state.backend.where, "unknown state backend '" + info.state.backend.value + "'",
                      did_you_mean(info.state.backend.value, backends));
  }
}

void validate_stream(const SourceNode& source, const ConnectorSpec* spec, DiagnosticEngine& diagnostics) {
  const StreamSpec& stream = source.stream;
  check_ranges(stream_keys(), stream, diagnostics);
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

// A cdc stream's rows are changes: a destination applies them by key (upsert) or keeps
// them as rows (append); replacing the table with them would keep only this run's changes.
void check_change_destinations(const LogicalGraph& graph, NodeId source_id, DiagnosticEngine& diagnostics) {
  for (NodeId id : graph.reachable_from(source_id)) {
    const LogicalNode& node = graph.node(id);
    if (node.kind != NodeKind::sink) continue;
    const Located<WriteMode>& mode = node.sink().destination.write_mode;
    if (mode.value != WriteMode::replace) continue;
    diagnostics.error(
        mode.present ? mode.where : node.sink().destination.where,
        "write_mode replace cannot take the cdc stream '" + graph.node(source_id).stream + "'",
        "use write_mode: upsert to apply its changes by primary key, or append to keep the change rows");
  }
}

// What a sink writes: what its connector says (a file: the resolved path), or the
// connector, its config and target.
std::string destination_key(const SinkNode& sink) {
  const ConnectorRef& connector = sink.destination.connector;
  const ConnectorSpec* spec = find_connector_spec(connector.use.value);
  if (spec != nullptr && spec->destination_key != nullptr) {
    std::string key = spec->destination_key(connector.config, sink.target);
    if (!key.empty()) return key;
  }
  return connector.use.value + ":" + json_text(connector.config.values) + ":" + sink.target;
}

}  // namespace

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string match = closest_match(word, candidates);
  if (!match.empty()) return "did you mean '" + match + "'?";
  std::string list;
  for (const auto& name : candidates) list += (list.empty() ? "" : ", ") + name;
  return "expected one of: " + list;
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

Status ValidatePass::run(PhysicalPlan& plan, PassContext& context) {
  DiagnosticEngine& diagnostics = context.diagnostics;
  const LogicalGraph& graph = plan.graph;
  validate_pipeline_info(graph.info, diagnostics);

  std::map<std::string, SourceRange> first_definition;
  std::map<std::string, std::pair<SourceRange, std::string>> destinations;  // key -> where, stream
  std::set<std::string> duplicate_streams;
  for (NodeId id : graph.node_ids()) {
    const LogicalNode& node = graph.node(id);
    switch (node.kind) {
      case NodeKind::source: {
        const SourceNode& source = node.source();
        validate_stream(source, check_connector(source.connector, /*reading=*/true, diagnostics),
                        diagnostics);
        if (source.stream.sync_mode.value == SyncMode::cdc) check_change_destinations(graph, id, diagnostics);
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
          const ConnectorSpec* spec = find_connector_spec(destination.connector.use.value);
          std::string hint = spec != nullptr ? spec->same_destination_hint : "";
          diagnostics.error(destination.where, "two sinks write the same destination",
                            "the other one is at line " + std::to_string(it->second.first.line) +
                                (hint.empty() ? "" : "; " + hint));
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
