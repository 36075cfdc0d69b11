// YAML pipeline loader on yaml-cpp. Structure and types are checked here; rules that
// need the whole model (duplicates, pins, upsert keys, ...) are the validate pass's.
#include "dsl/yaml_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rbc {
namespace {

class YamlReader {
 public:
  YamlReader(const std::string& file_name, DiagnosticEngine& diagnostics, const EnvLookup& env)
      : file_(std::make_shared<const std::string>(file_name)), diagnostics_(diagnostics), env_(env) {}

  std::optional<LogicalGraph> read(const YAML::Node& root);

 private:
  SourceRange at(const YAML::Node& node, const SourceRange& fallback = {}) const {
    const YAML::Mark mark = node.Mark();
    if (mark.line < 0 || mark.column < 0) return fallback.known() ? fallback : SourceRange{file_};
    return {file_, static_cast<uint32_t>(mark.line + 1), static_cast<uint32_t>(mark.column + 1)};
  }
  void error(const SourceRange& where, std::string message, std::string hint = {}) {
    diagnostics_.error(where, std::move(message), std::move(hint));
  }

  bool expect_map(const YAML::Node& node, const std::string& what) {
    if (node.IsMap()) return true;
    error(at(node), what + " must be a mapping");
    return false;
  }
  // Reports unknown and repeated keys; `allowed` is the complete list for this mapping.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& context);

  std::optional<std::string> string_value(const YAML::Node& node, const std::string& what);
  std::optional<int64_t> int_value(const YAML::Node& node, const std::string& what);
  std::optional<int64_t> byte_size_value(const YAML::Node& node, const std::string& what);
  std::optional<bool> bool_value(const YAML::Node& node, const std::string& what);
  std::optional<std::vector<std::string>> string_list(const YAML::Node& node, const std::string& what);
  template <typename Enum>
  std::optional<Enum> enum_value(const YAML::Node& node, const std::string& what);

  template <typename T>
  void read_into(Located<T>& target, const YAML::Node& node, std::optional<T> value) {
    if (value) target.set(std::move(*value), at(node));
  }

  nlohmann::json to_json(const YAML::Node& node);
  Config read_config(const YAML::Node& node, const std::string& context);
  ConnectorRef read_connector(const YAML::Node& block, const std::string& context);
  std::optional<StreamSpec> read_stream(const YAML::Node& node);
  void read_columns(const YAML::Node& node, StreamSpec& stream);
  TransformSpec read_transform(const YAML::Node& node);
  DestinationSpec read_destination(const YAML::Node& node);
  void read_resources(const YAML::Node& node, ResourcesSpec& resources);
  void read_state(const YAML::Node& node, StateSpec& state);

  std::shared_ptr<const std::string> file_;
  DiagnosticEngine& diagnostics_;
  const EnvLookup& env_;
};

void YamlReader::check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                            const std::string& context) {
  std::vector<std::string> seen;
  for (const auto& entry : map) {
    std::string key = entry.first.Scalar();
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      error(at(entry.first), "duplicate key '" + key + "' in " + context);
      continue;
    }
    seen.push_back(key);
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string suggestion = closest_match(key, allowed);
    error(at(entry.first), "unknown key '" + key + "' in " + context,
          suggestion.empty() ? "expected one of: " +
                                   [&] {
                                     std::string list;
                                     for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
                                     return list;
                                   }()
                             : "did you mean '" + suggestion + "'?");
  }
}

std::optional<std::string> YamlReader::string_value(const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar()) {
    error(at(node), what + " must be a string");
    return std::nullopt;
  }
  Substitution substituted = substitute_variables(node.Scalar(), env_);
  if (!substituted.ok()) {
    SourceRange where = at(node);
    // Point at the `${` itself; quoted scalars start one column before their text.
    where.column += static_cast<uint32_t>(substituted.missing_offset) + (node.Tag() == "!" ? 1 : 0);
    error(where, "environment variable '" + substituted.missing_variable + "' is not set",
          "set it, or give a default with ${" + substituted.missing_variable + ":-value}");
    return std::nullopt;
  }
  return substituted.text;
}

std::optional<int64_t> YamlReader::int_value(const YAML::Node& node, const std::string& what) {
  auto text = string_value(node, what);
  if (!text) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size()) {
    error(at(node), what + " must be an integer, got '" + *text + "'");
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> YamlReader::byte_size_value(const YAML::Node& node, const std::string& what) {
  auto text = string_value(node, what);
  if (!text) return std::nullopt;
  auto value = parse_byte_size(*text);
  if (!value)
    error(at(node), what + " must be a byte size such as 4194304, 64mb or 1gb, got '" + *text + "'");
  return value;
}

std::optional<bool> YamlReader::bool_value(const YAML::Node& node, const std::string& what) {
  auto text = string_value(node, what);
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  error(at(node), what + " must be true or false, got '" + *text + "'");
  return std::nullopt;
}

std::optional<std::vector<std::string>> YamlReader::string_list(const YAML::Node& node,
                                                                const std::string& what) {
  if (node.IsScalar()) {  // a single name is a list of one
    auto one = string_value(node, what);
    if (!one) return std::nullopt;
    return std::vector<std::string>{*one};
  }
  if (!node.IsSequence()) {
    error(at(node), what + " must be a list of names");
    return std::nullopt;
  }
  std::vector<std::string> values;
  for (const auto& item : node) {
    auto value = string_value(item, what + " entry");
    if (!value) return std::nullopt;
    values.push_back(*value);
  }
  return values;
}

template <typename Enum>
std::optional<Enum> YamlReader::enum_value(const YAML::Node& node, const std::string& what) {
  auto text = string_value(node, what);
  if (!text) return std::nullopt;
  std::vector<std::string> spelled;
  for (Enum value : enum_values<Enum>()) {
    if (*text == to_string(value)) return value;
    spelled.push_back(to_string(value));
  }
  std::string list;
  for (const auto& name : spelled) list += (list.empty() ? "" : " | ") + name;
  std::string suggestion = closest_match(*text, spelled);
  error(at(node), what + " must be " + list + ", got '" + *text + "'",
        suggestion.empty() ? "" : "did you mean '" + suggestion + "'?");
  return std::nullopt;
}

nlohmann::json YamlReader::to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Sequence: {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& item : node) list.push_back(to_json(item));
      return list;
    }
    case YAML::NodeType::Map: {
      nlohmann::json map = nlohmann::json::object();
      for (const auto& entry : node) map[entry.first.Scalar()] = to_json(entry.second);
      return map;
    }
    case YAML::NodeType::Scalar: {
      auto text = string_value(node, "value");
      if (!text) return nullptr;
      if (node.Tag() != "!") {  // plain scalars may be numbers or booleans
        if (*text == "true" || *text == "false") return *text == "true";
        int64_t integer = 0;
        auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), integer);
        if (ec == std::errc{} && end == text->data() + text->size() && !text->empty()) return integer;
      }
      return *text;
    }
  }
  return nullptr;
}

Config YamlReader::read_config(const YAML::Node& node, const std::string& context) {
  Config config;
  if (!node || node.IsNull()) return config;
  config.where = at(node);
  if (!expect_map(node, context + " config")) return config;
  for (const auto& entry : node) {
    std::string key = entry.first.Scalar();
    config.ranges[key] = at(entry.second, at(entry.first));
    config.values[key] = to_json(entry.second);
  }
  return config;
}

ConnectorRef YamlReader::read_connector(const YAML::Node& block, const std::string& context) {
  ConnectorRef connector;
  if (auto use = block["use"]) {
    read_into(connector.use, use, string_value(use, context + ".use"));
  } else {
    error(at(block), context + " needs 'use' (the connector: postgres, file or generator)");
  }
  connector.config = read_config(block["config"], context);
  if (!block["config"]) connector.config.where = at(block);
  return connector;
}

void YamlReader::read_columns(const YAML::Node& node, StreamSpec& stream) {
  // Either a projection (a list of names) or a declared schema ({name: id, type: int64}).
  if (!node.IsSequence()) {
    error(at(node), "columns must be a list of names or of {name, type} entries");
    return;
  }
  std::vector<std::string> names;
  Schema schema;
  bool all_typed = node.size() > 0;
  for (const auto& item : node) {
    if (item.IsMap()) {
      check_keys(item, {"name", "type", "nullable"}, "column");
      auto name = item["name"] ? string_value(item["name"], "column name") : std::nullopt;
      if (!item["name"]) error(at(item), "column needs 'name'");
      std::optional<DataType> type;
      if (auto type_node = item["type"]) {
        if (auto text = string_value(type_node, "column type")) {
          type = parse_data_type(*text);
          if (!type) error(at(type_node), "unknown column type '" + *text + "'");
        }
      } else {
        all_typed = false;
      }
      bool nullable = true;
      if (auto n = item["nullable"]) nullable = bool_value(n, "nullable").value_or(true);
      if (name) {
        names.push_back(*name);
        if (type) schema.add(Field{*name, *type, nullable});
      }
    } else {
      all_typed = false;
      if (auto name = string_value(item, "column name")) names.push_back(*name);
    }
  }
  stream.columns.set(names, at(node));
  if (all_typed && schema.size() == names.size()) stream.declared_schema = schema;
}

std::optional<StreamSpec> YamlReader::read_stream(const YAML::Node& node) {
  if (!expect_map(node, "a stream")) return std::nullopt;
  check_keys(node, {"name", "sync_mode", "cursor_field", "tie_breaker_field", "partition_key", "columns"},
             "stream");
  StreamSpec stream;
  stream.where = at(node);
  if (auto n = node["name"]) {
    read_into(stream.name, n, string_value(n, "stream name"));
  } else {
    error(at(node), "stream needs 'name'");
  }
  if (auto n = node["sync_mode"]) {
    read_into(stream.sync_mode, n, enum_value<SyncMode>(n, "sync_mode"));
  }
  if (auto n = node["cursor_field"]) read_into(stream.cursor_field, n, string_value(n, "cursor_field"));
  if (auto n = node["tie_breaker_field"]) {
    read_into(stream.tie_breaker_field, n, string_value(n, "tie_breaker_field"));
  }
  if (auto n = node["partition_key"]) read_into(stream.partition_key, n, string_value(n, "partition_key"));
  if (auto n = node["columns"]) read_columns(n, stream);
  return stream;
}

TransformSpec YamlReader::read_transform(const YAML::Node& node) {
  TransformSpec transform;
  transform.where = at(node);
  if (!expect_map(node, "a transform")) return transform;
  check_keys(node, {"use", "config"}, "transform");
  if (auto use = node["use"]) {
    read_into(transform.use, use, string_value(use, "transform use"));
  } else {
    error(at(node), "transform needs 'use' (sql or validate)");
  }
  transform.config = read_config(node["config"], "transform");
  if (!node["config"]) transform.config.where = at(node);
  return transform;
}

DestinationSpec YamlReader::read_destination(const YAML::Node& node) {
  DestinationSpec destination;
  destination.where = at(node);
  if (!expect_map(node, "destination")) return destination;
  check_keys(node,
             {"use", "config", "write_mode", "primary_key", "on_data_error", "schema_evolution", "dlq_path"},
             "destination");
  destination.connector = read_connector(node, "destination");
  if (auto n = node["write_mode"]) {
    read_into(destination.write_mode, n, enum_value<WriteMode>(n, "write_mode"));
  }
  if (auto n = node["primary_key"]) read_into(destination.primary_key, n, string_list(n, "primary_key"));
  if (auto n = node["on_data_error"]) {
    read_into(destination.on_data_error, n, enum_value<OnDataError>(n, "on_data_error"));
  }
  if (auto n = node["schema_evolution"]) {
    read_into(destination.schema_evolution, n, enum_value<SchemaEvolution>(n, "schema_evolution"));
  }
  if (auto n = node["dlq_path"]) read_into(destination.dlq_path, n, string_value(n, "dlq_path"));
  return destination;
}

void YamlReader::read_resources(const YAML::Node& node, ResourcesSpec& resources) {
  if (!expect_map(node, "resources")) return;
  check_keys(node,
             {"parallelism", "autotune", "max_batch_bytes", "max_inflight_batches",
              "checkpoint_interval_rows", "checkpoint_interval_seconds", "max_retries"},
             "resources");
  if (auto n = node["parallelism"]) {
    auto text = string_value(n, "parallelism");
    int64_t value = 0;
    if (text && *text != "auto") {
      auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
      if (ec != std::errc{} || end != text->data() + text->size()) {
        error(at(n), "parallelism must be 'auto' or an integer >= 1, got '" + *text + "'");
      } else {
        resources.parallelism.set(value, at(n));
      }
    }
  }
  if (auto autotune = node["autotune"]; autotune && expect_map(autotune, "autotune")) {
    check_keys(autotune, {"enabled", "pin_parallelism", "pin_source_partition_mode", "pin_copy_flush_bytes"},
               "autotune");
    auto& spec = resources.autotune;
    if (auto n = autotune["enabled"]) read_into(spec.enabled, n, bool_value(n, "autotune.enabled"));
    if (auto n = autotune["pin_parallelism"]) {
      read_into(spec.pin_parallelism, n, int_value(n, "pin_parallelism"));
    }
    if (auto n = autotune["pin_source_partition_mode"]) {
      read_into(spec.pin_source_partition_mode, n, enum_value<PartitionMode>(n, "pin_source_partition_mode"));
    }
    if (auto n = autotune["pin_copy_flush_bytes"]) {
      read_into(spec.pin_copy_flush_bytes, n, byte_size_value(n, "pin_copy_flush_bytes"));
    }
  }
  if (auto n = node["max_batch_bytes"])
    read_into(resources.max_batch_bytes, n, byte_size_value(n, "max_batch_bytes"));
  if (auto n = node["max_inflight_batches"]) {
    read_into(resources.max_inflight_batches, n, int_value(n, "max_inflight_batches"));
  }
  if (auto n = node["checkpoint_interval_rows"]) {
    read_into(resources.checkpoint_interval_rows, n, int_value(n, "checkpoint_interval_rows"));
  }
  if (auto n = node["checkpoint_interval_seconds"]) {
    auto text = string_value(n, "checkpoint_interval_seconds");
    std::optional<int64_t> seconds = text ? parse_duration_seconds(*text) : std::nullopt;
    if (text && !seconds)
      error(at(n), "checkpoint_interval_seconds must be a duration such as 60, 90s or 5m");
    read_into(resources.checkpoint_interval_seconds, n, seconds);
  }
  if (auto n = node["max_retries"]) read_into(resources.max_retries, n, int_value(n, "max_retries"));
}

void YamlReader::read_state(const YAML::Node& node, StateSpec& state) {
  if (!expect_map(node, "state")) return;
  check_keys(node, {"backend", "config"}, "state");
  if (auto n = node["backend"]) read_into(state.backend, n, string_value(n, "state.backend"));
  state.config = read_config(node["config"], "state");
}

std::optional<LogicalGraph> YamlReader::read(const YAML::Node& root) {
  if (!root.IsMap()) {
    error(at(root, SourceRange{file_, 1, 1}),
          "a pipeline must be a YAML mapping with version, pipeline, source and destination");
    return std::nullopt;
  }
  check_keys(root, {"version", "pipeline", "source", "transforms", "destination", "resources", "state"},
             "pipeline");
  LogicalGraph graph;
  PipelineInfo& info = graph.info;
  info.file = *file_;
  SourceRange top{file_, 1, 1};
  auto required = [&](const char* key) {
    if (root[key]) return true;
    error(top, std::string("missing required key '") + key + "'");
    return false;
  };
  if (required("version")) read_into(info.version, root["version"], string_value(root["version"], "version"));
  if (required("pipeline"))
    read_into(info.name, root["pipeline"], string_value(root["pipeline"], "pipeline"));
  if (auto n = root["resources"]) read_resources(n, info.resources);
  if (auto n = root["state"]) read_state(n, info.state);

  std::vector<TransformSpec> transforms;
  if (auto n = root["transforms"]) {
    if (n.IsSequence()) {
      for (const auto& item : n) transforms.push_back(read_transform(item));
    } else if (!n.IsNull()) {
      error(at(n), "transforms must be a list");
    }
  }

  std::optional<DestinationSpec> destination;
  if (required("destination")) destination = read_destination(root["destination"]);

  if (!required("source")) return graph;
  YAML::Node source = root["source"];
  if (!expect_map(source, "source")) return graph;
  check_keys(source, {"use", "config", "streams"}, "source");
  ConnectorRef connector = read_connector(source, "source");
  YAML::Node streams = source["streams"];
  if (!streams || !streams.IsSequence() || streams.size() == 0) {
    error(streams ? at(streams) : at(source), "source needs 'streams', a non-empty list");
    return graph;
  }
  for (const auto& item : streams) {
    std::optional<StreamSpec> stream = read_stream(item);
    if (!stream) continue;
    std::string name = stream->name.value;
    NodeId previous = graph.add_node(NodeKind::source, name, SourceNode{connector, *stream});
    for (const auto& transform : transforms) {
      NodeId next = graph.add_node(NodeKind::transform, name, TransformNode{transform});
      graph.add_edge(previous, next);
      previous = next;
    }
    if (destination) {
      NodeId sink = graph.add_node(NodeKind::sink, name,
                                   SinkNode{*destination, destination_target(*destination, name)});
      graph.add_edge(previous, sink);
    }
  }
  return graph;
}

}  // namespace

std::optional<std::string> read_pipeline_file(const std::string& path, DiagnosticEngine& diagnostics) {
  auto file = std::make_shared<const std::string>(path);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    diagnostics.error(SourceRange{file}, "is a directory, not a pipeline file");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error(SourceRange{file}, "cannot read pipeline file: " +
                                             std::error_code(errno, std::generic_category()).message());
    return std::nullopt;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  // A NUL byte means binary data: YAML parsers would report something confusing.
  if (size_t nul = text.find('\0'); nul != std::string::npos) {
    uint32_t line = 1, column = 1;
    for (size_t i = 0; i < nul; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    diagnostics.error(SourceRange{file, line, column},
                      "not a text file: binary data (a NUL byte) at byte " + std::to_string(nul));
    return std::nullopt;
  }
  return text;
}

std::optional<LogicalGraph> load_yaml_pipeline_text(const std::string& file_name, const std::string& text,
                                                    DiagnosticEngine& diagnostics, const EnvLookup& env) {
  diagnostics.add_source(file_name, text);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    auto file = std::make_shared<const std::string>(file_name);
    diagnostics.error(
        SourceRange{file, static_cast<uint32_t>(e.mark.line + 1), static_cast<uint32_t>(e.mark.column + 1)},
        "malformed YAML: " + e.msg);
    return std::nullopt;
  }
  YamlReader reader(file_name, diagnostics, env);
  try {
    return reader.read(root);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on shapes the reader did not expect; report, never crash.
    auto file = std::make_shared<const std::string>(file_name);
    diagnostics.error(SourceRange{file, static_cast<uint32_t>(std::max(0, e.mark.line) + 1),
                                  static_cast<uint32_t>(std::max(0, e.mark.column) + 1)},
                      "unexpected YAML structure: " + e.msg);
    return std::nullopt;
  }
}

std::optional<LogicalGraph> load_yaml_pipeline(const std::string& path, DiagnosticEngine& diagnostics,
                                               const EnvLookup& env) {
  std::optional<std::string> text = read_pipeline_file(path, diagnostics);
  if (!text) return std::nullopt;
  return load_yaml_pipeline_text(path, *text, diagnostics, env);
}

}  // namespace rbc
