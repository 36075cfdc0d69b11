// Lowering of .rbc programs: statements are evaluated in order; a `let` binds a name to
// a connector (a configuration) or to a node; `a |> b` adds the edge a -> b. Streams
// and default sink targets are propagated along the edges once the graph is complete.
// One file although it is long: lowering is one class (Lowerer) that walks the statements
// in order and owns the bindings, the graph being built and the diagnostics; a split would
// cut the class in two. Its sections are marked below.
#include "dsl/lang/lower.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "dsl/model_reader.h"
#include "dsl/source_file.h"

namespace rbc::lang {
namespace {

namespace x3 = boost::spirit::x3;

std::string join(const std::vector<std::string>& names, const char* separator = ", ") {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : separator) + name;
  return out;
}

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  std::string match = closest_match(word, candidates);
  if (!match.empty()) return "did you mean '" + match + "'?";
  return candidates.empty() ? "" : "expected one of: " + join(candidates);
}

bool is_integer(const std::string& text) {
  size_t digits = text.size() > 0 && text[0] == '-' ? 1 : 0;
  return text.size() > digits && text.find_first_not_of("0123456789", digits) == std::string::npos;
}

// A string that is one `${VAR}` or `${VAR:-default}` reference and nothing else.
bool is_reference(const std::string& text) {
  return text.size() > 3 && text.compare(0, 2, "${") == 0 && text.back() == '}' &&
         text.find('}') == text.size() - 1;
}

// A substituted value typed the way YAML types a plain scalar: integer, boolean or text.
nlohmann::json retyped(const std::string& text) {
  if (text == "true" || text == "false") return text == "true";
  int64_t integer = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
  if (!text.empty() && ec == std::errc{} && end == text.data() + text.size()) return integer;
  return text;
}

// What a name or an expression stands for while the graph is being built.
struct Entity {
  // invalid: a name whose definition had errors; using it reports nothing more.
  enum class Kind { connector, node, output, invalid };
  Kind kind = Kind::node;
  ConnectorRef connector;  // connector: the configuration, not a node yet
  NodeId node = 0;         // node, output
  std::string output;      // output: the router output's name
  SourceRange where;
};

struct Binding {
  Entity entity;
  SourceRange where;
};

class Lowerer {
 public:
  Lowerer(const ParsedProgram& parsed, const Vocabulary& vocabulary, DiagnosticEngine& diagnostics,
          const EnvLookup& env)
      : parsed_(parsed),
        vocabulary_(vocabulary),
        diagnostics_(&diagnostics),
        env_(env),
        model_(ModelReader::Syntax::rbc, diagnostics) {}

  std::optional<LogicalGraph> lower();

 private:
  SourceRange at(const x3::position_tagged& node) const { return parsed_.range_of(node); }
  SourceRange at_value(const ast::Value& value) const {
    return boost::apply_visitor([&](const auto& v) { return at(unwrap(v)); }, value);
  }
  template <typename T>
  static const T& unwrap(const x3::forward_ast<T>& node) {
    return node.get();
  }
  template <typename T>
  static const T& unwrap(const T& node) {
    return node;
  }
  void error(const SourceRange& where, std::string message, std::string hint = {}) {
    diagnostics_->error(where, std::move(message), std::move(hint));
  }

  // ---- values
  std::optional<std::string> substituted(const ast::String& string);
  std::optional<std::string> env_call(const ast::Call& call);
  std::optional<nlohmann::json> json_of(const ast::Value& value);
  std::optional<std::string> text_of(const ast::Value& value, const std::string& what);
  std::optional<int64_t> int_of(const ast::Value& value, const std::string& what);
  // The value as the model reader takes it; its errors (an unset variable) are reported
  // when it is read.
  LocatedValue located(const ast::Value& value);
  LocatedValue located(const ast::Block& block);
  template <typename Evaluate>
  std::vector<Diagnostic> deferred(Evaluate evaluate) {
    DiagnosticEngine later;
    DiagnosticEngine* saved = std::exchange(diagnostics_, &later);
    evaluate();
    diagnostics_ = saved;
    return later.diagnostics();
  }

  // ---- arguments
  struct Arguments {
    std::vector<std::pair<std::string, const ast::Argument*>> named;  // in written order
    std::vector<const ast::Argument*> positional;
    const ast::Argument* find(const std::string& key) const {
      for (const auto& [name, argument] : named) {
        if (name == key) return argument;
      }
      return nullptr;
    }
  };
  // Checks option names against `allowed` (empty: any) and the positional count.
  Arguments arguments(const std::vector<ast::Argument>& args, const std::string& owner,
                      const std::vector<std::string>& allowed, size_t max_positional);
  Config config_of(const std::vector<ast::Argument>& args, const std::string& owner, const SourceRange& where,
                   const std::string& positional_key = {});

  // ---- nodes
  std::optional<Entity> evaluate(const ast::Step& step);
  std::optional<Entity> call(const ast::Step& step);
  std::optional<Entity> member(const Entity& entity, const ast::Member& member);
  NodeId add_source(const ConnectorRef& connector, const ast::Member& member);
  NodeId add_sink(const ConnectorRef& connector, const ast::Member* table, const SourceRange& where);
  void read_columns(const ast::Value& value, StreamSpec& stream);
  std::optional<NodeId> add_router(const ast::Step& step);
  bool connect(const Entity& from, Entity& to, const SourceRange& where);
  std::vector<NodeId> sources_of(NodeId id) const;
  void lower_chain(const ast::Chain& chain, const ast::Name* let_name);
  void lower_resources(const ast::Block& block);
  void lower_state(const ast::Block& block);
  void check_entries(const ast::Block& block, const std::string& owner,
                     const std::vector<std::string>& allowed);
  void finish();

  const ParsedProgram& parsed_;
  const Vocabulary& vocabulary_;
  // Where errors go; the real engine except while a value's errors are deferred.
  DiagnosticEngine* diagnostics_;
  const EnvLookup& env_;
  ModelReader model_;
  LogicalGraph graph_;
  std::map<std::string, Binding> names_;
  std::set<NodeId> explicit_target_;                                            // sinks with .table("target")
  std::map<NodeId, std::vector<std::pair<std::string, SourceRange>>> outputs_;  // predicate routers
  std::set<std::pair<NodeId, std::string>> consumed_outputs_;
  std::set<std::string> sections_;
  // Nodes of statements that had errors: not reported again as unconnected.
  std::set<NodeId> excused_;
};

// ---- values -------------------------------------------------------------------------

std::optional<std::string> Lowerer::substituted(const ast::String& string) {
  Substitution result = substitute_variables(string.text, env_);
  if (result.ok()) return result.text;
  SourceRange where = at(string);
  // Exact only when the literal is written as its text: one line, no escapes.
  bool verbatim =
      !string.triple && parsed_.end_of(string) - parsed_.offset_of(string) == string.text.size() + 2;
  if (verbatim) where.column += static_cast<uint32_t>(result.missing_offset) + 1;
  error(where, "environment variable '" + result.missing_variable + "' is not set",
        "set it, or give a default with ${" + result.missing_variable + ":-value}");
  return std::nullopt;
}

std::optional<std::string> Lowerer::env_call(const ast::Call& call) {
  Arguments args = arguments(call.args, "env()", {"default"}, 1);
  if (args.positional.empty()) {
    error(at(call), "env() needs the variable's name: env(\"NAME\")");
    return std::nullopt;
  }
  auto name = text_of(args.positional[0]->value, "env()'s variable name");
  if (!name) return std::nullopt;
  std::optional<std::string> value = env_(*name);
  if (const ast::Argument* fallback = args.find("default")) {
    if (!value || value->empty()) return text_of(fallback->value, "env()'s default");
  }
  if (!value) {
    error(at(call), "environment variable '" + *name + "' is not set",
          "set it, or give a default: env(\"" + *name + "\", default: \"...\")");
  }
  return value;
}

std::optional<nlohmann::json> Lowerer::json_of(const ast::Value& value) {
  if (auto* string = boost::get<ast::String>(&value)) {
    auto text = substituted(*string);
    if (!text) return std::nullopt;
    // "${VAR}" alone takes the type of its value, as a plain YAML scalar does.
    if (is_reference(string->text)) return retyped(*text);
    return nlohmann::json(*text);
  }
  if (auto* number = boost::get<ast::Number>(&value)) {
    const std::string& text = number->text;
    if (is_integer(text)) {
      int64_t integer = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
      if (ec == std::errc{} && end == text.data() + text.size()) return nlohmann::json(integer);
      error(at(*number), "number out of range: " + text);
      return std::nullopt;
    }
    return nlohmann::json(text);  // 1.5, 1e-5, 8mb, 90s: text, as in YAML; the option parses it
  }
  if (auto* word = boost::get<ast::Word>(&value)) {
    if (word->text == "true" || word->text == "false") return nlohmann::json(word->text == "true");
    if (word->text == "null") return nlohmann::json(nullptr);
    return nlohmann::json(word->text);
  }
  if (auto* call = boost::get<x3::forward_ast<ast::Call>>(&value)) {
    if (call->get().callee.text == "env") {
      auto text = env_call(call->get());
      if (!text) return std::nullopt;
      return nlohmann::json(*text);
    }
    error(at(call->get().callee), "'" + call->get().callee.text + "()' is not a value here",
          "the function for values is env(\"NAME\")");
    return std::nullopt;
  }
  if (auto* list = boost::get<x3::forward_ast<ast::List>>(&value)) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& item : list->get().items) {
      auto element = json_of(item.value);
      if (!element) return std::nullopt;
      if (item.key) {
        array.push_back(nlohmann::json{{item.key->text, *element}});
      } else {
        array.push_back(*element);
      }
    }
    return array;
  }
  const ast::Block& block = boost::get<x3::forward_ast<ast::Block>>(value).get();
  nlohmann::json object = nlohmann::json::object();
  for (const auto& entry : block.entries) {
    if (object.contains(entry.key.text)) {
      error(at(entry.key), "duplicate key '" + entry.key.text + "'");
      return std::nullopt;
    }
    auto element = json_of(entry.value);
    if (!element) return std::nullopt;
    object[entry.key.text] = *element;
  }
  return object;
}

// A value that is text: a string, a bare word or an env() call.
bool is_text(const ast::Value& value) {
  auto* call = boost::get<x3::forward_ast<ast::Call>>(&value);
  return boost::get<ast::String>(&value) || boost::get<ast::Word>(&value) ||
         (call != nullptr && call->get().callee.text == "env");
}

// A short description of a value's kind for "must be ..., got ..." messages.
std::string kind_of(const ast::Value& value) {
  if (auto* number = boost::get<ast::Number>(&value)) return "the number " + number->text;
  if (auto* word = boost::get<ast::Word>(&value)) return "'" + word->text + "'";
  if (boost::get<ast::String>(&value)) return "a string";
  if (auto* call = boost::get<x3::forward_ast<ast::Call>>(&value))
    return "a call of " + call->get().callee.text + "()";
  if (boost::get<x3::forward_ast<ast::List>>(&value)) return "a list";
  return "a block";
}

std::optional<std::string> Lowerer::text_of(const ast::Value& value, const std::string& what) {
  if (auto* string = boost::get<ast::String>(&value)) return substituted(*string);
  if (auto* word = boost::get<ast::Word>(&value)) return word->text;
  if (auto* call = boost::get<x3::forward_ast<ast::Call>>(&value); call && call->get().callee.text == "env")
    return env_call(call->get());
  error(at_value(value), what + " must be a string or a name, got " + kind_of(value));
  return std::nullopt;
}

// Typed options take a literal, or text (a string, env()) that spells one: "${N}" works.
std::optional<int64_t> Lowerer::int_of(const ast::Value& value, const std::string& what) {
  auto* number = boost::get<ast::Number>(&value);
  bool textual = number != nullptr || is_text(value);
  std::optional<std::string> text = number    ? std::optional<std::string>(number->text)
                                    : textual ? text_of(value, what)
                                              : std::nullopt;
  if (textual && !text) return std::nullopt;  // its own error (an unset variable) was reported
  int64_t integer = 0;
  if (text) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), integer);
    if (!text->empty() && ec == std::errc{} && end == text->data() + text->size()) return integer;
  }
  error(at_value(value),
        what + " must be an integer, got " + (text && !number ? "'" + *text + "'" : kind_of(value)));
  return std::nullopt;
}

LocatedValue Lowerer::located(const ast::Value& value) {
  LocatedValue out;
  out.where = at_value(value);
  out.shown = kind_of(value);
  if (auto* string = boost::get<ast::String>(&value)) {
    out.kind = LocatedValue::Kind::text;
    out.problems = deferred([&] { out.text = substituted(*string).value_or(string->text); });
    out.shown = "'" + out.text + "'";
  } else if (auto* number = boost::get<ast::Number>(&value)) {
    out.kind = LocatedValue::Kind::number;
    out.text = number->text;
  } else if (auto* word = boost::get<ast::Word>(&value)) {
    out.kind = LocatedValue::Kind::text;
    out.text = word->text;
  } else if (auto* call = boost::get<x3::forward_ast<ast::Call>>(&value)) {
    if (call->get().callee.text == "env") {
      out.kind = LocatedValue::Kind::text;
      out.problems = deferred([&] { out.text = env_call(call->get()).value_or(""); });
      out.shown = "'" + out.text + "'";
    }
  } else if (auto* list = boost::get<x3::forward_ast<ast::List>>(&value)) {
    out.kind = LocatedValue::Kind::list;
    for (const auto& item : list->get().items) out.items.push_back(located(item.value));
  } else {
    out = located(boost::get<x3::forward_ast<ast::Block>>(value).get());
  }
  return out;
}

LocatedValue Lowerer::located(const ast::Block& block) {
  LocatedValue out;
  out.kind = LocatedValue::Kind::block;
  out.where = at(block);
  out.shown = "a block";
  for (const auto& entry : block.entries)
    out.entries.push_back(LocatedEntry{entry.key.text, at(entry.key), located(entry.value)});
  return out;
}

// ---- arguments ----------------------------------------------------------------------

Lowerer::Arguments Lowerer::arguments(const std::vector<ast::Argument>& args, const std::string& owner,
                                      const std::vector<std::string>& allowed, size_t max_positional) {
  Arguments result;
  for (const auto& argument : args) {
    if (!argument.key) {
      if (!result.named.empty()) {
        error(at(argument), "a positional argument must come before the named ones in " + owner);
      } else if (result.positional.size() >= max_positional) {
        error(at(argument), max_positional == 0
                                ? owner + " takes named options only (name: value)"
                                : owner + " takes at most " + std::to_string(max_positional) +
                                      " positional argument" + (max_positional == 1 ? "" : "s"));
      } else {
        result.positional.push_back(&argument);
      }
      continue;
    }
    const std::string& key = argument.key->text;
    if (result.find(key) != nullptr) {
      error(at(*argument.key), "duplicate option '" + key + "' in " + owner);
      continue;
    }
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      error(at(*argument.key), "unknown option '" + key + "' for " + owner, suggestion(key, allowed));
      continue;
    }
    result.named.emplace_back(key, &argument);
  }
  return result;
}

Config Lowerer::config_of(const std::vector<ast::Argument>& args, const std::string& owner,
                          const SourceRange& where, const std::string& positional_key) {
  Config config;
  config.where = where;
  Arguments parsed = arguments(args, owner, {}, positional_key.empty() ? 0 : 1);
  auto add = [&](const std::string& key, const ast::Argument& argument) {
    if (config.values.contains(key)) {
      error(at(argument), "option '" + key + "' given twice in " + owner);
      return;
    }
    if (auto json = json_of(argument.value)) {
      config.values[key] = *json;
      config.ranges[key] = at_value(argument.value);
    }
  };
  if (!parsed.positional.empty()) add(positional_key, *parsed.positional[0]);
  for (const auto& [key, argument] : parsed.named) add(key, *argument);
  return config;
}

// ---- nodes ----------------------------------------------------------------------------

std::optional<Entity> Lowerer::call(const ast::Step& step) {
  const std::string& name = step.head.text;
  const std::vector<ast::Argument>& args = *step.args;
  Entity entity;
  entity.where = at(step.head);
  if (vocabulary_.is_connector(name)) {
    entity.kind = Entity::Kind::connector;
    entity.connector.use.set(name, at(step.head));
    entity.connector.config = config_of(args, name + "()", at(step.head));
    return entity;
  }
  if (const auto* spec = vocabulary_.transform(name)) {
    TransformSpec transform;
    transform.where = at(step.head);
    transform.use.set(name, at(step.head));
    transform.config = config_of(args, name + "()", at(step.head), spec->second);
    entity.node = graph_.add_node(NodeKind::transform, "", TransformNode{transform});
    return entity;
  }
  if (name == "route") {
    auto router = add_router(step);
    if (!router) return std::nullopt;
    entity.node = *router;
    return entity;
  }
  error(at(step.head), "unknown function '" + name + "'", suggestion(name, vocabulary_.function_names()));
  return std::nullopt;
}

std::optional<NodeId> Lowerer::add_router(const ast::Step& step) {
  RouterNode router;
  router.where = at(step.head);
  Arguments args = arguments(*step.args, "route()", {}, 0);
  const ast::Argument* by = args.find("by");
  const ast::Argument* into = args.find("into");
  if (by != nullptr || into != nullptr) {
    router.mode = RouterNode::Mode::hash;
    for (const auto& [key, argument] : args.named) {
      if (key != "by" && key != "into")
        error(at(*argument->key), "unknown option '" + key + "' for a hash route()", "expected: by, into");
    }
    if (by == nullptr || into == nullptr) {
      error(at(step.head), "a hash route() needs both by: hash(column, ...) and into: N");
      return std::nullopt;
    }
    auto* hash = boost::get<x3::forward_ast<ast::Call>>(&by->value);
    if (hash == nullptr || hash->get().callee.text != "hash" || hash->get().args.empty()) {
      error(at_value(by->value), "by must be hash(column, ...), got " + kind_of(by->value));
      return std::nullopt;
    }
    for (const auto& key : hash->get().args) {
      if (key.key) error(at(*key.key), "hash() takes column names only");
      if (auto column = text_of(key.value, "a hash key")) router.keys.push_back(*column);
    }
    auto partitions = int_of(into->value, "into");
    if (!partitions) return std::nullopt;
    if (*partitions < 1 || *partitions > kMaxPinParallelism) {
      error(at_value(into->value), "into must be between 1 and " + std::to_string(kMaxPinParallelism) +
                                       ", got " + std::to_string(*partitions));
      return std::nullopt;
    }
    router.partitions = static_cast<int>(*partitions);
  } else {
    router.mode = RouterNode::Mode::predicate;
    if (args.named.empty()) {
      error(at(step.head), "route() needs outputs",
            "split by key: route(by: hash(user_id), into: 4), or by predicates: "
            "route(big: \"amount > 100\", small: \"amount <= 100\")");
      return std::nullopt;
    }
    std::vector<std::pair<std::string, SourceRange>> outputs;
    bool conditions_ok = true;
    for (const auto& [key, argument] : args.named) {
      auto condition = text_of(argument->value, "the condition of output '" + key + "'");
      conditions_ok = conditions_ok && condition;
      if (!condition) continue;
      router.predicates.emplace_back(key, *condition);
      router.predicate_where.push_back(at_value(argument->value));
      outputs.emplace_back(key, at(*argument->key));
    }
    if (!conditions_ok) return std::nullopt;
    NodeId id = graph_.add_node(NodeKind::router, "", router);
    outputs_[id] = outputs;
    return id;
  }
  return graph_.add_node(NodeKind::router, "", router);
}

void Lowerer::read_columns(const ast::Value& value, StreamSpec& stream) {
  auto* list = boost::get<x3::forward_ast<ast::List>>(&value);
  if (list == nullptr) {
    error(at_value(value), "columns must be a list: [id, name] or [id: int64, name: text]");
    return;
  }
  std::vector<std::string> names;
  Schema schema;
  bool all_typed = !list->get().items.empty();
  for (const auto& item : list->get().items) {
    std::optional<std::string> name;
    std::optional<std::string> type_text;
    const ast::Value* type_value = &item.value;
    bool nullable = true;
    if (item.key) {  // id: int64
      name = item.key->text;
      type_text = text_of(item.value, "a column type");
    } else if (auto* block =
                   boost::get<x3::forward_ast<ast::Block>>(&item.value)) {  // {name: id, type: int64}
      check_entries(block->get(), "a column", {"name", "type", "nullable"});
      for (const auto& entry : block->get().entries) {
        if (entry.key.text == "name") name = text_of(entry.value, "a column name");
        if (entry.key.text == "type") {
          type_text = text_of(entry.value, "a column type");
          type_value = &entry.value;
        }
        if (entry.key.text == "nullable")
          nullable = model_.boolean(located(entry.value), "nullable").value_or(true);
      }
      if (!name) error(at(block->get()), "a column needs a name: {name: id, type: int64}");
    } else {
      name = text_of(item.value, "a column name");
    }
    if (!name) continue;
    names.push_back(*name);
    if (!type_text) {
      all_typed = false;
      continue;
    }
    std::optional<DataType> type = parse_data_type(*type_text);
    if (!type) {
      error(at_value(*type_value), "unknown column type '" + *type_text + "'");
      all_typed = false;
      continue;
    }
    schema.add(Field{*name, *type, nullable});
  }
  stream.columns.set(names, at_value(value));
  if (all_typed && schema.size() == names.size()) stream.declared_schema = schema;
}

NodeId Lowerer::add_source(const ConnectorRef& connector, const ast::Member& member) {
  StreamSpec stream;
  stream.where = at(member.name);
  Arguments args = arguments(*member.args, "stream()", key_names(stream_keys()), 1);
  const ast::Argument* name = args.positional.empty() ? args.find("name") : args.positional[0];
  if (!args.positional.empty() && args.find("name") != nullptr)
    error(at(*args.find("name")->key), "the stream's name is given twice");
  if (name == nullptr) {
    error(at(member.name), "stream() needs the stream's name: .stream(\"public.orders\")");
  } else {
    model_.read(*find_key(stream_keys(), "name"), located(name->value), stream);
  }
  for (const auto& [key, argument] : args.named) {
    if (key == "columns") {
      read_columns(argument->value, stream);
    } else if (key != "name") {
      model_.read(*find_key(stream_keys(), key), located(argument->value), stream);
    }
  }
  return graph_.add_node(NodeKind::source, stream.name.value, SourceNode{connector, stream});
}

NodeId Lowerer::add_sink(const ConnectorRef& connector, const ast::Member* table, const SourceRange& where) {
  DestinationSpec destination;
  destination.where = where;
  destination.connector = connector;
  std::string target;
  bool explicit_target = false;
  if (table != nullptr && table->args) {
    std::vector<std::string> allowed{"name"};
    for (const auto& key : destination_keys()) allowed.emplace_back(key.name);
    Arguments args = arguments(*table->args, "table()", allowed, 1);
    const ast::Argument* name = args.positional.empty() ? args.find("name") : args.positional[0];
    if (!args.positional.empty() && args.find("name") != nullptr)
      error(at(*args.find("name")->key), "the table's name is given twice");
    if (name != nullptr) {
      if (auto text = text_of(name->value, "the table name")) {
        target = *text;
        explicit_target = true;
      }
    }
    for (const auto& [key, argument] : args.named) {
      if (key != "name")
        model_.read(*find_key(destination_keys(), key), located(argument->value), destination);
    }
  }
  NodeId id = graph_.add_node(NodeKind::sink, "", SinkNode{destination, target});
  if (explicit_target) explicit_target_.insert(id);
  return id;
}

std::optional<Entity> Lowerer::member(const Entity& entity, const ast::Member& member) {
  const std::string& name = member.name.text;
  Entity result;
  result.where = at(member.name);
  if (entity.kind == Entity::Kind::connector) {
    if (name == "stream" && member.args) {
      result.node = add_source(entity.connector, member);
      return result;
    }
    if (name == "table") {
      result.node = add_sink(entity.connector, &member, at(member.name));
      return result;
    }
    if (name == "stream") {
      error(at(member.name), "stream needs the stream's name: .stream(\"public.orders\")");
    } else {
      error(at(member.name), "a connector has no member '" + name + "'",
            suggestion(name, {"stream", "table"}));
    }
    return std::nullopt;
  }
  if (entity.kind == Entity::Kind::node && outputs_.count(entity.node) && !member.args) {
    std::vector<std::string> outputs;
    for (const auto& output : outputs_[entity.node]) outputs.push_back(output.first);
    if (std::find(outputs.begin(), outputs.end(), name) == outputs.end()) {
      excused_.insert(entity.node);
      error(at(member.name), "the router has no output '" + name + "'", suggestion(name, outputs));
      return std::nullopt;
    }
    result.kind = Entity::Kind::output;
    result.node = entity.node;
    result.output = name;
    return result;
  }
  error(
      at(member.name),
      std::string("'") + name + "' is not a member of a " +
          (entity.kind == Entity::Kind::output ? "router output" : to_string(graph_.node(entity.node).kind)),
      entity.kind == Entity::Kind::node && graph_.node(entity.node).kind == NodeKind::router
          ? "a hash router's outputs are its partitions: pipe the router itself into the next node"
          : "");
  return std::nullopt;
}

std::optional<Entity> Lowerer::evaluate(const ast::Step& step) {
  std::optional<Entity> entity;
  if (step.args) {
    entity = call(step);
  } else if (auto it = names_.find(step.head.text); it != names_.end()) {
    if (it->second.entity.kind == Entity::Kind::invalid) return std::nullopt;
    entity = it->second.entity;
    entity->where = at(step.head);
  } else {
    const std::string& name = step.head.text;
    std::vector<std::string> bound;
    for (const auto& [bound_name, binding] : names_) bound.push_back(bound_name);
    std::string hint =
        closest_match(name, bound).empty() ? "" : "did you mean '" + closest_match(name, bound) + "'?";
    if (hint.empty() && (vocabulary_.is_connector(name) || vocabulary_.transform(name) || name == "route"))
      hint = "call it: " + name + "(...)";
    error(at(step.head), "undefined name '" + name + "'", hint);
    return std::nullopt;
  }
  for (const auto& m : step.members) {
    if (!entity) return std::nullopt;
    entity = member(*entity, m);
  }
  return entity;
}

// The source nodes upstream of `id` (itself if it is one).
std::vector<NodeId> Lowerer::sources_of(NodeId id) const {
  std::vector<NodeId> sources;
  std::vector<NodeId> stack{id};
  std::set<NodeId> seen;
  while (!stack.empty()) {
    NodeId next = stack.back();
    stack.pop_back();
    if (!seen.insert(next).second) continue;
    if (graph_.node(next).kind == NodeKind::source) sources.push_back(next);
    for (NodeId input : graph_.predecessors(next)) stack.push_back(input);
  }
  return sources;
}

bool Lowerer::connect(const Entity& from, Entity& to, const SourceRange& where) {
  if (from.kind == Entity::Kind::connector) {
    error(from.where, "a connector is not a stream of rows", "read a stream from it: NAME.stream(\"table\")");
    return false;
  }
  const LogicalNode& producer = graph_.node(from.node);
  if (from.kind == Entity::Kind::node && producer.kind == NodeKind::sink) {
    error(from.where, "a sink cannot be used as input: it produces no rows");
    return false;
  }
  if (from.kind == Entity::Kind::node && outputs_.count(from.node)) {
    error(from.where, "take one of the router's named outputs",
          "e.g. NAME." + outputs_[from.node].front().first + " |> ...");
    return false;
  }
  if (to.kind == Entity::Kind::connector) {  // `... |> file(path: "out/")`: a sink with defaults
    to.node = add_sink(to.connector, nullptr, to.where);
    to.kind = Entity::Kind::node;
  }
  if (to.kind == Entity::Kind::output) {
    error(to.where, "a router output cannot take input");
    return false;
  }
  const LogicalNode& consumer = graph_.node(to.node);
  if (consumer.kind == NodeKind::source) {
    error(to.where, "a source cannot take input");
    return false;
  }
  // A merge of two chains from the same source would see each batch twice, once per
  // chain; the runtime orders a merge's input by the sources' batch numbers.
  if (!graph_.predecessors(to.node).empty()) {
    std::vector<NodeId> old_sources = sources_of(to.node);
    std::vector<NodeId> new_sources = sources_of(from.node);
    for (NodeId source : new_sources) {
      if (std::find(old_sources.begin(), old_sources.end(), source) != old_sources.end()) {
        error(where, "this merges two chains that read the same source",
              "merging is for different sources; give each chain its own sink");
        return false;
      }
    }
  }
  std::vector<NodeId> downstream = graph_.reachable_from(to.node);
  if (from.node == to.node ||
      std::find(downstream.begin(), downstream.end(), from.node) != downstream.end()) {
    error(where, "this edge would make a cycle: the node feeds itself");
    return false;
  }
  graph_.add_edge(from.node, to.node, from.kind == Entity::Kind::output ? from.output : std::string());
  if (from.kind == Entity::Kind::output) consumed_outputs_.emplace(from.node, from.output);
  return true;
}

void Lowerer::lower_chain(const ast::Chain& chain, const ast::Name* let_name) {
  const size_t errors_before = diagnostics_->error_count();
  const NodeId first_new_node = static_cast<NodeId>(graph_.node_count());
  std::vector<std::optional<Entity>> entities;
  for (const auto& step : chain.steps) entities.push_back(evaluate(step));
  bool failed = false;
  for (size_t i = 1; i < entities.size(); ++i) {
    failed = failed || !entities[i - 1] || !entities[i] ||
             !connect(*entities[i - 1], *entities[i], at(chain.steps[i].head));
  }
  failed = failed || !entities.front() || diagnostics_->error_count() > errors_before;
  if (failed) {  // one error per mistake: the nodes this statement touched are not checked again
    for (NodeId id = first_new_node; id < graph_.node_count(); ++id) excused_.insert(id);
    for (const auto& entity : entities) {
      if (entity && entity->kind != Entity::Kind::connector && entity->kind != Entity::Kind::invalid)
        excused_.insert(entity->node);
    }
  }
  if (let_name != nullptr) {
    static const std::vector<std::string> reserved = {"let", "pipeline", "resources", "state"};
    if (std::find(reserved.begin(), reserved.end(), let_name->text) != reserved.end()) {
      error(at(*let_name), "'" + let_name->text + "' is a reserved word and cannot name a node");
      return;
    }
    if (auto it = names_.find(let_name->text); it != names_.end()) {
      error(at(*let_name), "'" + let_name->text + "' is already defined",
            "first defined at line " + std::to_string(it->second.where.line));
      return;
    }
    Entity bound;
    bound.kind = Entity::Kind::invalid;
    if (!failed && entities.back()) bound = *entities.back();
    names_[let_name->text] = Binding{bound, at(*let_name)};
    return;
  }
  const ast::Step& only = chain.steps.front();
  bool plain_name = !only.args && only.members.empty();
  bool bare_connector = entities.front() && entities.front()->kind == Entity::Kind::connector;
  if (chain.steps.size() == 1 && entities.front() && (plain_name || bare_connector)) {
    error(at(only.head), "this statement does nothing",
          bare_connector ? "bind it (let NAME = ...) or read from it: ....stream(\"table\") |> ..."
                         : "pipe it somewhere: " + only.head.text + " |> ...");
  }
}

void Lowerer::check_entries(const ast::Block& block, const std::string& owner,
                            const std::vector<std::string>& allowed) {
  std::vector<std::pair<std::string, SourceRange>> keys;
  for (const auto& entry : block.entries) keys.emplace_back(entry.key.text, at(entry.key));
  model_.check_keys(keys, allowed, owner);
}

void Lowerer::lower_resources(const ast::Block& block) {
  model_.read_block(resources_keys(), located(block), graph_.info.resources, "resources");
}

// `state { backend: postgres, url: "..." }`: the backend, and its config keys inline
// (or in a `config { }` block, as in YAML).
void Lowerer::lower_state(const ast::Block& block) {
  StateSpec& state = graph_.info.state;
  state.config.where = at(block);
  std::vector<const ast::Entry*> entries;
  for (const auto& entry : block.entries) {
    auto* nested = boost::get<x3::forward_ast<ast::Block>>(&entry.value);
    if (entry.key.text == "config" && nested != nullptr) {
      for (const auto& inner : nested->get().entries) entries.push_back(&inner);
    } else {
      entries.push_back(&entry);
    }
  }
  for (const ast::Entry* entry : entries) {
    const std::string& key = entry->key.text;
    if (state.config.values.contains(key) || (key == "backend" && state.backend.present)) {
      error(at(entry->key), "duplicate key '" + key + "' in state");
    } else if (key == "backend") {
      model_.read(*find_key(state_keys(), "backend"), located(entry->value), state);
    } else if (auto json = json_of(entry->value)) {
      state.config.values[key] = *json;
      state.config.ranges[key] = at_value(entry->value);
    }
  }
}

// Streams and default sink targets follow the edges; then every node must be connected.
void Lowerer::finish() {
  for (NodeId id : graph_.topological_order()) {
    LogicalNode& node = graph_.node(id);
    std::vector<NodeId> inputs = graph_.predecessors(id);
    if (node.kind != NodeKind::source && !inputs.empty()) node.stream = graph_.node(inputs.front()).stream;
    if (node.kind == NodeKind::sink && !explicit_target_.count(id)) {
      auto& sink = std::get<SinkNode>(node.body);
      sink.target = destination_target(sink.destination, node.stream);
    }
  }
  for (NodeId id : graph_.node_ids()) {
    if (excused_.count(id)) continue;
    const LogicalNode& node = graph_.node(id);
    bool has_input = !graph_.predecessors(id).empty();
    bool has_output = !graph_.successors(id).empty();
    SourceRange where = node.where();
    switch (node.kind) {
      case NodeKind::source:
        if (!has_output)
          error(where, "the rows of stream '" + node.stream + "' go nowhere",
                "pipe it into a transform or a sink: ... |> file(path: \"out/\")");
        break;
      case NodeKind::transform:
      case NodeKind::router:
        if (!has_input && !has_output && !outputs_.count(id)) {
          error(where, std::string("this ") + to_string(node.kind) + " is not connected",
                "pipe a stream into it and its output into a sink: events |> ... |> file(path: \"out/\")");
          break;
        }
        if (!has_input)
          error(where, std::string("this ") + to_string(node.kind) + " has no input",
                "pipe a stream into it: events |> ...");
        if (outputs_.count(id)) {
          for (const auto& [output, at_output] : outputs_[id]) {
            if (!consumed_outputs_.count({id, output}))
              error(at_output, "router output '" + output + "' is never consumed",
                    "pipe it somewhere: NAME." + output + " |> file(path: \"" + output + ".csv\")");
          }
        } else if (!has_output) {
          error(where, std::string("the output of this ") + to_string(node.kind) + " goes nowhere",
                "pipe it into a sink: ... |> file(path: \"out/\")");
        }
        break;
      case NodeKind::sink:
        if (!has_input) error(where, "this sink has no input", "pipe a stream into it: events |> ...");
        break;
    }
  }
}

std::optional<LogicalGraph> Lowerer::lower() {
  const ast::Program& program = parsed_.program;
  PipelineInfo& info = graph_.info;
  info.file = *parsed_.file;
  info.version.value = kPipelineVersion;
  ast::String header_name;
  header_name.text = program.header.name.text;
  static_cast<x3::position_tagged&>(header_name) = program.header.name;
  if (auto name = substituted(header_name)) info.name.set(*name, at(program.header.name));
  for (const auto& statement : program.statements) {
    if (auto* let = boost::get<ast::Let>(&statement)) {
      lower_chain(let->chain, &let->name);
    } else if (auto* chain = boost::get<ast::Chain>(&statement)) {
      lower_chain(*chain, nullptr);
    } else {
      const auto& section = boost::get<ast::Section>(statement);
      if (!sections_.insert(section.keyword.text).second) {
        error(at(section.keyword), "duplicate '" + section.keyword.text + "' section");
      } else if (section.keyword.text == "resources") {
        lower_resources(section.block);
      } else {
        lower_state(section.block);
      }
    }
  }
  finish();
  if (graph_.nodes_of_kind(NodeKind::source).empty() && !diagnostics_->has_errors()) {
    error(at(program.header.name), "the pipeline reads nothing",
          "add a source: file(path: \"data/\").stream(\"orders\") |> ...");
  }
  return std::move(graph_);
}

}  // namespace

bool Vocabulary::is_connector(const std::string& name) const {
  return std::find(connectors.begin(), connectors.end(), name) != connectors.end();
}

const std::pair<std::string, std::string>* Vocabulary::transform(const std::string& name) const {
  for (const auto& entry : transforms) {
    if (entry.first == name) return &entry;
  }
  return nullptr;
}

std::vector<std::string> Vocabulary::function_names() const {
  std::vector<std::string> names = connectors;
  for (const auto& entry : transforms) names.push_back(entry.first);
  names.push_back("route");
  return names;
}

std::optional<LogicalGraph> lower_program(const ParsedProgram& parsed, const Vocabulary& vocabulary,
                                          DiagnosticEngine& diagnostics, const EnvLookup& env) {
  return Lowerer(parsed, vocabulary, diagnostics, env).lower();
}

std::optional<LogicalGraph> load_rbc_pipeline(const std::string& path, const Vocabulary& vocabulary,
                                              DiagnosticEngine& diagnostics, const EnvLookup& env) {
  std::optional<std::string> text = read_pipeline_file(path, diagnostics);
  if (!text) return std::nullopt;
  auto parsed = parse_program(path, std::move(*text), diagnostics);
  // After a syntax error the program is incomplete, and lowering it would report names
  // and edges of the broken statements as missing: every syntax error is reported, the
  // rest once they are fixed.
  if (diagnostics.has_errors()) return std::nullopt;
  return lower_program(*parsed, vocabulary, diagnostics, env);
}

}  // namespace rbc::lang
