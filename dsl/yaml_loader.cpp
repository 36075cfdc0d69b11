// YAML pipeline loader on yaml-cpp. The structure (source, streams, transforms,
// destination) is read here; every key of the model's table goes through the one
// ModelReader (dsl/model_reader.h). Rules that need the whole model (duplicates, pins,
// upsert keys, ...) are the validate pass's.
#include "dsl/yaml_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>

#include "dsl/model_reader.h"
#include "dsl/source_file.h"

namespace rbc {
namespace {

struct TooManyNodes {};

class YamlReader {
 public:
  // `text_size` bounds the work: see nodes_left_.
  YamlReader(const std::string& file_name, size_t text_size, DiagnosticEngine& diagnostics,
             const EnvLookup& env)
      : file_(std::make_shared<const std::string>(file_name)),
        diagnostics_(diagnostics),
        env_(env),
        model_(ModelReader::Syntax::yaml, diagnostics),
        nodes_left_(kNodesPerByte * text_size + kNodesAlways) {}

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

  // The node as the model reader takes it; an unset ${VAR} is reported when it is read.
  LocatedValue located(const YAML::Node& node);
  std::optional<std::string> string_value(const YAML::Node& node, const std::string& what) {
    return model_.text(located(node), what);
  }

  nlohmann::json to_json(const YAML::Node& node);
  Config read_config(const YAML::Node& node, const std::string& context, const SourceRange& owner);
  ConnectorRef read_connector(const YAML::Node& block, const std::string& context);
  std::optional<StreamSpec> read_stream(const YAML::Node& node);
  void read_columns(const YAML::Node& node, StreamSpec& stream);
  TransformSpec read_transform(const YAML::Node& node);
  DestinationSpec read_destination(const YAML::Node& node);
  void read_state(const YAML::Node& node, StateSpec& state);

  // Counts a node read; once the document has expanded beyond its budget, which only
  // aliases can do (`*a` repeats the anchored node), reports it and throws TooManyNodes.
  void spend_node(const YAML::Node& node);

  std::shared_ptr<const std::string> file_;
  DiagnosticEngine& diagnostics_;
  const EnvLookup& env_;
  ModelReader model_;
  // Without aliases a node takes at least a byte or two of text; aliases may repeat a
  // node, but not without bound (nested aliases grow exponentially: "billion laughs").
  static constexpr size_t kNodesPerByte = 16;
  static constexpr size_t kNodesAlways = 100000;
  size_t nodes_left_;
};

void YamlReader::spend_node(const YAML::Node& node) {
  if (nodes_left_ > 0) {
    --nodes_left_;
    return;
  }
  error(at(node), "the document expands to too many nodes (aliases repeating aliases?)",
        "a pipeline may expand to at most 16 nodes per byte of its text, plus 100000");
  throw TooManyNodes{};  // nothing read after this point would be whole: stop reading
}

void YamlReader::check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                            const std::string& context) {
  std::vector<std::pair<std::string, SourceRange>> keys;
  for (const auto& entry : map) keys.emplace_back(entry.first.Scalar(), at(entry.first));
  model_.check_keys(keys, allowed, context);
}

LocatedValue YamlReader::located(const YAML::Node& node) {
  LocatedValue value;
  value.where = at(node);
  spend_node(node);
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: value.shown = "nothing"; break;
    case YAML::NodeType::Sequence:
      value.kind = LocatedValue::Kind::list;
      value.shown = "a list";
      for (const auto& item : node) value.items.push_back(located(item));
      break;
    case YAML::NodeType::Map:
      value.kind = LocatedValue::Kind::block;
      value.shown = "a mapping";
      for (const auto& entry : node)
        value.entries.push_back(LocatedEntry{entry.first.Scalar(), at(entry.first), located(entry.second)});
      break;
    case YAML::NodeType::Scalar: {
      value.kind = LocatedValue::Kind::text;
      Substitution substituted = substitute_variables(node.Scalar(), env_);
      value.text = substituted.ok() ? substituted.text : node.Scalar();
      value.shown = "'" + value.text + "'";
      if (!substituted.ok()) {
        SourceRange where = value.where;
        // Point at the `${` itself; quoted scalars start one column before their text.
        where.column += static_cast<uint32_t>(substituted.missing_offset) + (node.Tag() == "!" ? 1 : 0);
        value.problems.push_back(Diagnostic{
            Severity::error, where, "environment variable '" + substituted.missing_variable + "' is not set",
            "set it, or give a default with ${" + substituted.missing_variable + ":-value}"});
      }
      break;
    }
  }
  return value;
}

nlohmann::json YamlReader::to_json(const YAML::Node& node) {
  spend_node(node);
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

Config YamlReader::read_config(const YAML::Node& node, const std::string& context, const SourceRange& owner) {
  Config config;
  if (!node) return config;
  config.where = at(node);
  // `config:` with nothing after it: a null node has no place of its own (yaml-cpp puts
  // it at the next token), so errors about the missing keys point at the owner.
  if (node.IsNull()) {
    config.where = owner;
    return config;
  }
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
    if (auto name = string_value(use, context + ".use")) connector.use.set(*name, at(use));
  } else {
    error(at(block), context + " needs 'use' (the connector: postgres, file or generator)");
  }
  connector.config = read_config(block["config"], context, at(block));
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
      if (auto n = item["nullable"]) nullable = model_.boolean(located(n), "nullable").value_or(true);
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
  StreamSpec stream;
  stream.where = at(node);
  model_.read_block(stream_keys(), located(node), stream, "stream");
  if (!node["name"]) error(at(node), "stream needs 'name'");
  if (auto n = node["columns"]) read_columns(n, stream);
  return stream;
}

TransformSpec YamlReader::read_transform(const YAML::Node& node) {
  TransformSpec transform;
  transform.where = at(node);
  if (!expect_map(node, "a transform")) return transform;
  check_keys(node, {"use", "config"}, "transform");
  if (auto use = node["use"]) {
    if (auto name = string_value(use, "transform use")) transform.use.set(*name, at(use));
  } else {
    error(at(node), "transform needs 'use' (sql or validate)");
  }
  transform.config = read_config(node["config"], "transform", at(node));
  if (!node["config"]) transform.config.where = at(node);
  return transform;
}

DestinationSpec YamlReader::read_destination(const YAML::Node& node) {
  DestinationSpec destination;
  destination.where = at(node);
  if (!expect_map(node, "destination")) return destination;
  model_.read_block(destination_keys(), located(node), destination, "destination", {"use", "config"});
  destination.connector = read_connector(node, "destination");
  return destination;
}

void YamlReader::read_state(const YAML::Node& node, StateSpec& state) {
  if (!model_.read_block(state_keys(), located(node), state, "state")) return;
  state.config = read_config(node["config"], "state", at(node));
}

std::optional<LogicalGraph> YamlReader::read(const YAML::Node& root) {
  if (!root.IsMap()) {
    error(at(root, SourceRange{file_, 1, 1}),
          "a pipeline must be a YAML mapping with version, pipeline, source and destination");
    return std::nullopt;
  }
  std::vector<std::string> top_keys = key_names(pipeline_keys());
  top_keys.insert(top_keys.end(), {"source", "transforms", "destination", "resources", "state"});
  check_keys(root, top_keys, "pipeline");
  LogicalGraph graph;
  PipelineInfo& info = graph.info;
  info.file = *file_;
  SourceRange top{file_, 1, 1};
  auto required = [&](const char* key) {
    if (root[key]) return true;
    error(top, std::string("missing required key '") + key + "'");
    return false;
  };
  for (const auto& key : pipeline_keys()) {
    if (required(key.name)) model_.read(key, located(root[key.name]), info);
  }
  if (auto n = root["resources"])
    model_.read_block(resources_keys(), located(n), info.resources, "resources");
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
      spend_node(item);  // streams × transforms: bounded the same way
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

std::optional<LogicalGraph> load_yaml_pipeline_text(const std::string& file_name, const std::string& text,
                                                    DiagnosticEngine& diagnostics, const EnvLookup& env) {
  diagnostics.add_source(file_name, text);
  YAML::Node root;
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(text);
    // A second document would be ignored: say so rather than run half of the file. (An
    // empty one, as after a trailing '---', ignores nothing.)
    auto second = documents.empty()
                      ? documents.end()
                      : std::find_if(std::next(documents.begin()), documents.end(),
                                     [](const YAML::Node& document) { return !document.IsNull(); });
    if (second != documents.end()) {
      const YAML::Mark mark = second->Mark();
      auto file = std::make_shared<const std::string>(file_name);
      diagnostics.error(SourceRange{file, static_cast<uint32_t>(std::max(0, mark.line) + 1),
                                    static_cast<uint32_t>(std::max(0, mark.column) + 1)},
                        "a pipeline file holds one YAML document; this is a second one",
                        "remove the '---' that starts it, or move it to a file of its own");
      return std::nullopt;
    }
    if (!documents.empty()) root = documents.front();
  } catch (const YAML::ParserException& e) {
    auto file = std::make_shared<const std::string>(file_name);
    diagnostics.error(
        SourceRange{file, static_cast<uint32_t>(e.mark.line + 1), static_cast<uint32_t>(e.mark.column + 1)},
        "malformed YAML: " + e.msg);
    return std::nullopt;
  }
  YamlReader reader(file_name, text.size(), diagnostics, env);
  try {
    return reader.read(root);
  } catch (const TooManyNodes&) {
    return std::nullopt;  // reported where it happened
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
