// The printer behind `rbc fmt` and `--emit rbc`. Layout rules: two-space indentation;
// one statement per line; a chain longer than the line limit breaks before each `|>`;
// sections list one entry per line; strings with a line break print as """raw""" unless
// they hold """ or end in a quote; keys that are not names print quoted.
// One file: program_of builds the AST that format_program prints, and both decide by the
// same is_identifier what may be written as a bare name.
#include "dsl/lang/format.h"

#include <algorithm>
#include <map>
#include <type_traits>

#include "graph/pipeline_keys.h"
#include "graph/units.h"

namespace rbc::lang {
namespace {

namespace x3 = boost::spirit::x3;

constexpr size_t kLineLimit = 100;

bool is_identifier(const std::string& text) {
  if (text.empty() || !(std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_')) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// A one-line "..." literal with escapes: the form for names and keys.
std::string quote_escaped(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

// A string value: """raw""" when it spans lines (and can be written so), else escaped.
std::string quote(const std::string& text) {
  bool multi_line = text.find('\n') != std::string::npos;
  if (multi_line && text.find("\"\"\"") == std::string::npos && text.back() != '"')
    return "\"\"\"" + text + "\"\"\"";
  return quote_escaped(text);
}

std::string key_text(const ast::Name& key) {
  return is_identifier(key.text) ? key.text : quote_escaped(key.text);
}

std::string value_text(const ast::Value& value);

std::string arguments_text(const std::vector<ast::Argument>& args) {
  std::string out;
  for (const auto& argument : args) {
    if (!out.empty()) out += ", ";
    if (argument.key) out += key_text(*argument.key) + ": ";
    out += value_text(argument.value);
  }
  return out;
}

std::string value_text(const ast::Value& value) {
  if (auto* string = boost::get<ast::String>(&value)) return quote(string->text);
  if (auto* number = boost::get<ast::Number>(&value)) return number->text;
  if (auto* word = boost::get<ast::Word>(&value)) return word->text;
  if (auto* call = boost::get<x3::forward_ast<ast::Call>>(&value))
    return call->get().callee.text + "(" + arguments_text(call->get().args) + ")";
  if (auto* list = boost::get<x3::forward_ast<ast::List>>(&value))
    return "[" + arguments_text(list->get().items) + "]";
  std::string out;
  for (const auto& entry : boost::get<x3::forward_ast<ast::Block>>(value).get().entries) {
    out += (out.empty() ? "" : ", ") + key_text(entry.key) + ": " + value_text(entry.value);
  }
  return "{" + out + "}";
}

std::string step_text(const ast::Step& step) {
  std::string out = step.head.text;
  if (step.args) out += "(" + arguments_text(*step.args) + ")";
  for (const auto& member : step.members) {
    out += "." + member.name.text;
    if (member.args) out += "(" + arguments_text(*member.args) + ")";
  }
  return out;
}

class Printer {
 public:
  explicit Printer(const ParsedProgram* source) : source_(source) {}

  std::string print(const ast::Program& program) {
    const std::string& name = program.header.name.text;
    comments_before(start_of(program.header), 0);
    line(0, "pipeline " + (is_identifier(name) ? name : quote_escaped(name)) + " {",
         line_at(start_of(program.header)));
    trailing_comment(end_of(program.header));
    for (const auto& statement : program.statements) print_statement(statement);
    const size_t brace = closing_brace();
    comments_before(brace, 2);
    line(0, "}", brace == std::string::npos ? 0 : source_->line_of(brace));
    trailing_comment(brace == std::string::npos ? brace : brace + 1);
    comments_before(std::string::npos, 0);
    return out_ + "\n";
  }

 private:
  bool positioned(const x3::position_tagged& node) const {
    return source_ != nullptr && source_->tagged(node);
  }
  size_t start_of(const x3::position_tagged& node) const {
    return positioned(node) ? source_->offset_of(node) : std::string::npos;
  }
  size_t end_of(const x3::position_tagged& node) const {
    return positioned(node) ? source_->end_of(node) : std::string::npos;
  }
  size_t closing_brace() const {
    if (source_ == nullptr) return std::string::npos;
    size_t last = source_->text.size();
    while (true) {  // the last '}' that is not inside a comment
      size_t brace = source_->text.rfind('}', last == 0 ? 0 : last - 1);
      if (brace == std::string::npos) return std::string::npos;
      auto inside = std::find_if(source_->comments.begin(), source_->comments.end(), [&](const Comment& c) {
        return c.offset < brace && brace < c.offset + c.text.size();
      });
      if (inside == source_->comments.end()) return brace;
      last = inside->offset;
    }
  }

  // Starts a new output line for something written at source line `source_line`,
  // keeping one blank line where the source had at least one.
  void line(int indent, const std::string& text, uint32_t source_line = 0) {
    bool blank = source_line != 0 && last_line_ != 0 && source_line > last_line_ + 1;
    if (!out_.empty()) out_ += blank && out_.back() != '{' ? "\n\n" : "\n";
    out_ += std::string(indent, ' ') + text;
    if (source_line != 0) last_line_ = source_line;
  }

  // Comments that start before `offset`, each on its own line.
  void comments_before(size_t offset, int indent) {
    if (source_ == nullptr) return;
    while (next_comment_ < source_->comments.size() && source_->comments[next_comment_].offset < offset) {
      const Comment& comment = source_->comments[next_comment_++];
      line(indent, comment.text, source_->line_of(comment.offset));
    }
  }

  // A comment on the same source line after `end`, kept at the end of the output line.
  void trailing_comment(size_t end) {
    if (source_ == nullptr || end == std::string::npos || next_comment_ >= source_->comments.size()) return;
    const Comment& comment = source_->comments[next_comment_];
    if (comment.offset < end || source_->line_of(comment.offset) != source_->line_of(end == 0 ? 0 : end - 1))
      return;
    out_ += "  " + comment.text;
    ++next_comment_;
  }

  uint32_t line_at(size_t offset) const {
    return source_ == nullptr || offset == std::string::npos ? 0 : source_->line_of(offset);
  }

  void print_statement(const ast::Statement& statement) {
    if (auto* section = boost::get<ast::Section>(&statement)) return print_section(*section);
    const ast::Chain* chain = boost::get<ast::Chain>(&statement);
    const ast::Let* let = boost::get<ast::Let>(&statement);
    const x3::position_tagged& node = let ? static_cast<const x3::position_tagged&>(*let) : *chain;
    // Comments written inside a chain move above it.
    comments_before(end_of(node), 2);
    std::string prefix = let ? "let " + let->name.text + " = " : "";
    print_chain(let ? let->chain : *chain, prefix, line_at(start_of(node)));
    if (positioned(node)) last_line_ = source_->line_of(end_of(node) - 1);
    trailing_comment(end_of(node));
  }

  void print_chain(const ast::Chain& chain, const std::string& prefix, uint32_t source_line) {
    std::vector<std::string> steps;
    for (const auto& step : chain.steps) steps.push_back(step_text(step));
    std::string one_line = prefix;
    for (size_t i = 0; i < steps.size(); ++i) one_line += (i ? " |> " : "") + steps[i];
    if (2 + one_line.size() <= kLineLimit || steps.size() == 1) return line(2, one_line, source_line);
    line(2, prefix + steps[0], source_line);
    for (size_t i = 1; i < steps.size(); ++i) line(6, "|> " + steps[i]);
  }

  void print_section(const ast::Section& section) {
    comments_before(start_of(section), 2);
    print_block_entry(section.keyword.text, section.block, 2, line_at(start_of(section)));
    if (positioned(section)) last_line_ = source_->line_of(end_of(section) - 1);
    trailing_comment(end_of(section));
  }

  void print_block_entry(const std::string& key, const ast::Block& block, int indent, uint32_t source_line) {
    if (block.entries.empty()) return line(indent, key + " {}", source_line);
    line(indent, key + " {", source_line);
    for (const auto& entry : block.entries) {
      if (auto* nested = boost::get<x3::forward_ast<ast::Block>>(&entry.value)) {
        comments_before(start_of(entry), indent + 2);
        print_block_entry(key_text(entry.key), nested->get(), indent + 2, line_at(start_of(entry)));
      } else {
        comments_before(end_of(entry), indent + 2);
        line(indent + 2, key_text(entry.key) + ": " + value_text(entry.value), line_at(start_of(entry)));
      }
      if (positioned(entry)) last_line_ = source_->line_of(end_of(entry) - 1);
      trailing_comment(end_of(entry));
    }
    comments_before(end_of(block) == std::string::npos ? 0 : end_of(block) - 1, indent + 2);
    line(indent, "}");
    trailing_comment(end_of(block));
  }

  const ParsedProgram* source_;
  size_t next_comment_ = 0;
  uint32_t last_line_ = 0;
  std::string out_;
};

// ---- building a program from a graph --------------------------------------------------

ast::Name name_of(std::string text) {
  ast::Name name;
  name.text = std::move(text);
  return name;
}

ast::Value word_or_string(const std::string& text) {
  if (is_identifier(text) && text != "true" && text != "false" && text != "null") {
    ast::Word word;
    word.text = text;
    return ast::Value(std::move(word));
  }
  ast::String string;
  string.text = text;
  return ast::Value(std::move(string));
}

ast::Value number_of(int64_t n) {
  ast::Number number;
  number.text = std::to_string(n);
  return ast::Value(std::move(number));
}

// Byte counts print with the largest exact unit (8388608 -> 8mb).
ast::Value bytes_of(int64_t n) {
  ast::Number number;
  const char* units[] = {"gb", "mb", "kb"};
  int shifts[] = {30, 20, 10};
  number.text = std::to_string(n);
  for (int i = 0; i < 3; ++i) {
    if (n > 0 && n % (int64_t{1} << shifts[i]) == 0) {
      number.text = std::to_string(n >> shifts[i]) + units[i];
      break;
    }
  }
  return ast::Value(std::move(number));
}

ast::Value json_value(const nlohmann::json& json) {
  if (json.is_string()) return word_or_string(json.get<std::string>());
  if (json.is_boolean() || json.is_null()) {
    ast::Word word;
    word.text = json.is_null() ? "null" : json.get<bool>() ? "true" : "false";
    return ast::Value(std::move(word));
  }
  if (json.is_number_integer()) return number_of(json.get<int64_t>());
  if (json.is_number()) {
    ast::Number number;
    number.text = json.dump();
    return ast::Value(std::move(number));
  }
  if (json.is_array()) {
    ast::List list;
    for (const auto& item : json) {
      ast::Argument argument;
      argument.value = json_value(item);
      list.items.push_back(std::move(argument));
    }
    return ast::Value(std::move(list));
  }
  ast::Block block;
  for (const auto& [key, item] : json.items()) {
    ast::Entry entry;
    entry.key = name_of(key);
    entry.value = json_value(item);
    block.entries.push_back(std::move(entry));
  }
  return ast::Value(std::move(block));
}

ast::Argument named(const std::string& key, ast::Value value) {
  ast::Argument argument;
  argument.key = name_of(key);
  argument.value = std::move(value);
  return argument;
}

ast::Argument positional(ast::Value value) {
  ast::Argument argument;
  argument.value = std::move(value);
  return argument;
}

// `positional_key`'s value comes first, unnamed: sql("SELECT ...").
std::vector<ast::Argument> config_arguments(const Config& config, const std::string& positional_key = {}) {
  std::vector<ast::Argument> args;
  for (const auto& [key, value] : config.values.items()) {
    if (key == positional_key) {
      args.insert(args.begin(), positional(json_value(value)));
    } else {
      args.push_back(named(key, json_value(value)));
    }
  }
  return args;
}

ast::Value names_value(const std::vector<std::string>& names) {
  ast::List list;
  for (const auto& name : names) list.items.push_back(positional(word_or_string(name)));
  return ast::Value(std::move(list));
}

ast::Member member_of(const std::string& name, std::vector<ast::Argument> args) {
  ast::Member member;
  member.name = name_of(name);
  member.args = std::move(args);
  return member;
}

ast::Entry entry_of(const std::string& key, ast::Value value);

// The keys of a section that were written, as the language writes them, in the table's
// order (graph/pipeline_keys.h); front_end keys are the caller's.
template <typename Model>
std::vector<std::pair<std::string, ast::Value>> written_keys(const std::vector<ModelKey<Model>>& keys,
                                                             const Model& model) {
  std::vector<std::pair<std::string, ast::Value>> written;
  for (const auto& key : keys) {
    std::visit(
        [&](auto field) {
          if constexpr (!std::is_same_v<decltype(field), std::monostate>) {
            const auto& value = model.*field;
            using Value = std::remove_cvref_t<decltype(value)>;
            if constexpr (std::is_same_v<Value, AutotuneSpec> || std::is_same_v<Value, AggregationSpec> ||
                          std::is_same_v<Value, WatermarkSpec>) {
              ast::Block block;
              const auto& nested_keys = [] {
                if constexpr (std::is_same_v<Value, AutotuneSpec>) {
                  return autotune_keys();
                } else if constexpr (std::is_same_v<Value, AggregationSpec>) {
                  return aggregation_keys();
                } else {
                  return watermark_keys();
                }
              }();
              for (auto& [name, nested] : written_keys(nested_keys, value))
                block.entries.push_back(entry_of(name, std::move(nested)));
              if (!block.entries.empty()) written.emplace_back(key.name, ast::Value(std::move(block)));
            } else {
              if (!value.present) return;
              if constexpr (std::is_same_v<Value, Located<std::string>>) {
                if (key.type == KeyType::name) {
                  written.emplace_back(key.name, word_or_string(value.value));
                } else {
                  ast::String text;
                  text.text = value.value;
                  written.emplace_back(key.name, ast::Value(text));
                }
              } else if constexpr (std::is_same_v<Value, Located<bool>>) {
                written.emplace_back(key.name, json_value(value.value));
              } else if constexpr (std::is_same_v<Value, Located<std::vector<std::string>>>) {
                written.emplace_back(key.name, names_value(value.value));
              } else if constexpr (std::is_same_v<Value, Located<int64_t>>) {
                if (key.type == KeyType::byte_size) {
                  written.emplace_back(key.name, bytes_of(value.value));
                } else if (key.type == KeyType::duration) {
                  ast::Number seconds;
                  seconds.text = std::to_string(value.value) + "s";
                  written.emplace_back(key.name, ast::Value(seconds));
                } else if (key.type == KeyType::duration_ms) {
                  ast::Number duration;
                  duration.text = format_duration_ms(value.value);
                  written.emplace_back(key.name, ast::Value(duration));
                } else {
                  written.emplace_back(key.name, number_of(value.value));
                }
              } else {  // an enum option
                written.emplace_back(key.name, word_or_string(to_string(value.value)));
              }
            }
          }
        },
        key.field);
  }
  return written;
}

std::vector<ast::Argument> stream_arguments(const StreamSpec& stream) {
  std::vector<ast::Argument> args;
  ast::String name;
  name.text = stream.name.value;
  args.push_back(positional(ast::Value(name)));
  for (auto& [key, value] : written_keys(stream_keys(), stream)) {
    if (key != "name") args.push_back(named(key, std::move(value)));  // the name comes first, unnamed
  }
  if (stream.columns.present) {
    if (stream.declared_schema) {
      ast::List list;
      for (const auto& field : stream.declared_schema->fields()) {
        if (field.nullable) {
          ast::Argument typed = named(field.name, word_or_string(field.type.to_string()));
          list.items.push_back(std::move(typed));
        } else {
          ast::Block block;
          for (auto [key, value] : std::vector<std::pair<std::string, ast::Value>>{
                   {"name", word_or_string(field.name)},
                   {"type", word_or_string(field.type.to_string())},
                   {"nullable", json_value(false)}}) {
            ast::Entry entry;
            entry.key = name_of(key);
            entry.value = std::move(value);
            block.entries.push_back(std::move(entry));
          }
          list.items.push_back(positional(ast::Value(block)));
        }
      }
      args.push_back(named("columns", ast::Value(list)));
    } else {
      args.push_back(named("columns", names_value(stream.columns.value)));
    }
  }
  return args;
}

std::vector<ast::Argument> table_arguments(const SinkNode& sink, const std::string& stream) {
  const DestinationSpec& destination = sink.destination;
  std::vector<ast::Argument> args;
  if (sink.target != destination_target(destination, stream)) {
    ast::String target;
    target.text = sink.target;
    args.push_back(positional(ast::Value(target)));
  }
  for (auto& [key, value] : written_keys(destination_keys(), destination))
    args.push_back(named(key, std::move(value)));
  return args;
}

ast::Section section_of(const std::string& keyword, std::vector<ast::Entry> entries) {
  ast::Section section;
  section.keyword = name_of(keyword);
  section.block.entries = std::move(entries);
  return section;
}

ast::Entry entry_of(const std::string& key, ast::Value value) {
  ast::Entry entry;
  entry.key = name_of(key);
  entry.value = std::move(value);
  return entry;
}

std::vector<ast::Entry> resource_entries(const ResourcesSpec& resources) {
  std::vector<ast::Entry> entries;
  for (auto& [key, value] : written_keys(resources_keys(), resources))
    entries.push_back(entry_of(key, std::move(value)));
  return entries;
}

}  // namespace

std::string format_program(const ast::Program& program, const ParsedProgram* source) {
  return Printer(source).print(program);
}

ast::Program program_of(const LogicalGraph& graph, const Vocabulary& vocabulary,
                        DiagnosticEngine& diagnostics) {
  for (NodeId id : graph.node_ids()) {
    const LogicalNode& node = graph.node(id);
    const Located<std::string>& use = node.kind == NodeKind::source ? node.source().connector.use
                                      : node.kind == NodeKind::sink ? node.sink().destination.connector.use
                                      : node.kind == NodeKind::transform ? node.transform().spec.use
                                                                         : Located<std::string>{};
    if (use.present && !is_identifier(use.value))
      diagnostics.error(use.where,
                        "'" + use.value + "' cannot be written in the .rbc language: it is not a name");
  }
  ast::Program program;
  program.header.name = name_of(graph.info.name.value);

  // One `let` per distinct connector configuration, named after its role.
  std::vector<std::pair<std::string, const ConnectorRef*>> connectors;
  auto connector_name = [&](const ConnectorRef& connector, const std::string& role) {
    for (const auto& [name, known] : connectors) {
      if (known->use.value == connector.use.value && known->config.values == connector.config.values)
        return name;
    }
    std::string name = role;
    for (int n = 2;
         std::any_of(connectors.begin(), connectors.end(), [&](const auto& c) { return c.first == name; });
         ++n)
      name = role + "_" + std::to_string(n);
    connectors.emplace_back(name, &connector);
    ast::Let let;
    let.name = name_of(name);
    ast::Step step;
    step.head = name_of(connector.use.value);
    step.args = config_arguments(connector.config);
    let.chain.steps.push_back(std::move(step));
    program.statements.push_back(ast::Statement(std::move(let)));
    return name;
  };
  for (NodeId id : graph.nodes_of_kind(NodeKind::source))
    connector_name(graph.node(id).source().connector, "source");
  for (NodeId id : graph.nodes_of_kind(NodeKind::sink))
    connector_name(graph.node(id).sink().destination.connector, "destination");

  // One chain per source: source |> transforms |> sink.
  for (NodeId id : graph.nodes_of_kind(NodeKind::source)) {
    ast::Chain chain;
    const SourceNode& source = graph.node(id).source();
    ast::Step first;
    first.head = name_of(connector_name(source.connector, "source"));
    first.members.push_back(member_of("stream", stream_arguments(source.stream)));
    chain.steps.push_back(std::move(first));
    for (std::vector<NodeId> next = graph.successors(id); next.size() == 1;
         next = graph.successors(next[0])) {
      const LogicalNode& node = graph.node(next[0]);
      ast::Step step;
      if (node.kind == NodeKind::transform) {
        const TransformSpec& spec = node.transform().spec;
        const auto* known = vocabulary.transform(spec.use.value);
        step.head = name_of(spec.use.value);
        step.args = config_arguments(spec.config, known ? known->second : std::string());
      } else if (node.kind == NodeKind::sink) {
        step.head = name_of(connector_name(node.sink().destination.connector, "destination"));
        step.members.push_back(member_of("table", table_arguments(node.sink(), node.stream)));
      } else {
        break;  // routers come only from .rbc programs, which need no translation
      }
      chain.steps.push_back(std::move(step));
    }
    program.statements.push_back(ast::Statement(std::move(chain)));
  }

  std::vector<ast::Entry> resources = resource_entries(graph.info.resources);
  if (!resources.empty())
    program.statements.push_back(ast::Statement(section_of("resources", std::move(resources))));
  const StateSpec& state = graph.info.state;
  if (state.backend.present || !state.config.values.empty()) {
    std::vector<ast::Entry> entries;
    entries.push_back(entry_of("backend", word_or_string(state.backend.value)));
    for (const auto& [key, value] : state.config.values.items())
      entries.push_back(entry_of(key, json_value(value)));
    program.statements.push_back(ast::Statement(section_of("state", std::move(entries))));
  }
  return program;
}

}  // namespace rbc::lang
