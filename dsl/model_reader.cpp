#include "dsl/model_reader.h"

#include <algorithm>
#include <charconv>
#include <type_traits>

#include "graph/units.h"

namespace rbc {
namespace {

std::string join(const std::vector<std::string>& names, const char* separator) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : separator) + name;
  return out;
}

std::optional<int64_t> parse_integer(const std::string& text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

template <typename T, typename V>
void set(Located<T>& target, const LocatedValue& value, std::optional<V> read) {
  if (read) target.set(std::move(*read), value.where);
}

}  // namespace

void ModelReader::check_keys(const std::vector<std::pair<std::string, SourceRange>>& keys,
                             const std::vector<std::string>& allowed, const std::string& context) {
  std::vector<std::string> seen;
  for (const auto& [key, where] : keys) {
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      diagnostics_.error(where, "duplicate key '" + key + "' in " + context);
      continue;
    }
    seen.push_back(key);
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string match = closest_match(key, allowed);
    diagnostics_.error(
        where, "unknown key '" + key + "' in " + context,
        match.empty() ? "expected one of: " + join(allowed, ", ") : "did you mean '" + match + "'?");
  }
}

bool ModelReader::report_problems(const LocatedValue& value) {
  for (const Diagnostic& problem : value.problems)
    diagnostics_.error(problem.where, problem.message, problem.hint);
  return !value.problems.empty();
}

std::optional<std::string> ModelReader::scalar(const LocatedValue& value, bool numbers, bool& reported) {
  reported = false;
  if (value.kind != LocatedValue::Kind::text && !(numbers && value.kind == LocatedValue::Kind::number))
    return std::nullopt;
  reported = report_problems(value);
  if (reported) return std::nullopt;
  return value.text;
}

std::optional<std::string> ModelReader::text(const LocatedValue& value, const std::string& what) {
  bool reported = false;
  auto text = scalar(value, /*numbers=*/false, reported);
  if (!text && !reported) {
    diagnostics_.error(value.where, what + " must be " +
                                        (syntax_ == Syntax::yaml ? "a string" : "a string or a name") +
                                        ", got " + value.shown);
  }
  return text;
}

std::optional<int64_t> ModelReader::integer(const LocatedValue& value, const std::string& what) {
  bool reported = false;
  auto text = scalar(value, /*numbers=*/true, reported);
  if (reported) return std::nullopt;
  std::optional<int64_t> integer = text ? parse_integer(*text) : std::nullopt;
  if (!integer) diagnostics_.error(value.where, what + " must be an integer, got " + value.shown);
  return integer;
}

std::optional<int64_t> ModelReader::byte_size(const LocatedValue& value, const std::string& what) {
  bool reported = false;
  auto text = scalar(value, /*numbers=*/true, reported);
  if (reported) return std::nullopt;
  std::optional<int64_t> bytes = text ? parse_byte_size(*text) : std::nullopt;
  if (!bytes) {
    diagnostics_.error(value.where,
                       what + " must be a byte size such as 4194304, 64mb or 1gb, got " + value.shown);
  }
  return bytes;
}

std::optional<int64_t> ModelReader::duration(const LocatedValue& value, const std::string& what) {
  bool reported = false;
  auto text = scalar(value, /*numbers=*/true, reported);
  if (reported) return std::nullopt;
  std::optional<int64_t> seconds = text ? parse_duration_seconds(*text) : std::nullopt;
  if (!seconds)
    diagnostics_.error(value.where, what + " must be a duration such as 60, 90s or 5m, got " + value.shown);
  return seconds;
}

std::optional<int64_t> ModelReader::duration_ms(const LocatedValue& value, const std::string& what) {
  bool reported = false;
  auto text = scalar(value, /*numbers=*/true, reported);
  if (reported) return std::nullopt;
  std::optional<int64_t> ms = text ? parse_duration_ms(*text) : std::nullopt;
  if (!ms)
    diagnostics_.error(value.where,
                       what + " must be a duration such as 500ms, 30s, 5m or 1h, got " + value.shown);
  return ms;
}

std::optional<bool> ModelReader::boolean(const LocatedValue& value, const std::string& what) {
  bool reported = false;
  auto text = scalar(value, /*numbers=*/false, reported);
  if (reported) return std::nullopt;
  if (text && (*text == "true" || *text == "false")) return *text == "true";
  diagnostics_.error(value.where, what + " must be true or false, got " + value.shown);
  return std::nullopt;
}

std::optional<std::vector<std::string>> ModelReader::names(const LocatedValue& value,
                                                           const std::string& what) {
  if (value.kind == LocatedValue::Kind::text) {  // a single name is a list of one
    auto one = text(value, what);
    if (!one) return std::nullopt;
    return std::vector<std::string>{*one};
  }
  if (value.kind != LocatedValue::Kind::list) {
    diagnostics_.error(value.where, what + " must be a list of names, got " + value.shown);
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (const auto& item : value.items) {
    auto name = text(item, what + " entry");
    if (!name) return std::nullopt;
    names.push_back(*name);
  }
  return names;
}

template <typename Enum>
std::optional<Enum> ModelReader::enumeration(const LocatedValue& value, const std::string& what) {
  auto spelled_value = text(value, what);
  if (!spelled_value) return std::nullopt;
  std::vector<std::string> spelled;
  for (Enum option : enum_values<Enum>()) {
    if (*spelled_value == to_string(option)) return option;
    spelled.push_back(to_string(option));
  }
  std::string match = closest_match(*spelled_value, spelled);
  diagnostics_.error(value.where,
                     what + " must be " + join(spelled, " | ") + ", got '" + *spelled_value + "'",
                     match.empty() ? "" : "did you mean '" + match + "'?");
  return std::nullopt;
}

template <typename Model>
void ModelReader::read(const ModelKey<Model>& key, const LocatedValue& value, Model& model) {
  const std::string what = key.what;
  std::visit(
      [&](auto field) {
        if constexpr (!std::is_same_v<decltype(field), std::monostate>) {
          auto& target = model.*field;
          using Target = std::remove_reference_t<decltype(target)>;
          if constexpr (std::is_same_v<Target, AutotuneSpec>) {
            read_block(autotune_keys(), value, target, key.name);
          } else if constexpr (std::is_same_v<Target, AggregationSpec>) {
            read_block(aggregation_keys(), value, target, key.name);
          } else if constexpr (std::is_same_v<Target, WatermarkSpec>) {
            read_block(watermark_keys(), value, target, key.name);
          } else if constexpr (std::is_same_v<Target, Located<std::string>>) {
            set(target, value, text(value, what));
          } else if constexpr (std::is_same_v<Target, Located<bool>>) {
            set(target, value, boolean(value, what));
          } else if constexpr (std::is_same_v<Target, Located<std::vector<std::string>>>) {
            set(target, value, names(value, what));
          } else if constexpr (std::is_same_v<Target, Located<int64_t>>) {
            switch (key.type) {
              case KeyType::byte_size: set(target, value, byte_size(value, what)); break;
              case KeyType::duration: set(target, value, duration(value, what)); break;
              case KeyType::duration_ms: set(target, value, duration_ms(value, what)); break;
              case KeyType::parallelism: {
                // 'auto' leaves it not present; a number is kept as written for validate.
                bool reported = false;
                auto spelled = scalar(value, /*numbers=*/true, reported);
                if (reported || (spelled && *spelled == "auto")) break;
                std::optional<int64_t> number = spelled ? parse_integer(*spelled) : std::nullopt;
                if (!number) {
                  diagnostics_.error(value.where, what + " must be 'auto' or an integer between 1 and " +
                                                      std::to_string(kMaxParallelism) + ", got " +
                                                      value.shown);
                }
                set(target, value, number);
                break;
              }
              default: set(target, value, integer(value, what)); break;
            }
          } else {  // an enum option
            using Enum = decltype(target.value);
            set(target, value, enumeration<Enum>(value, what));
          }
        }
      },
      key.field);
}

template <typename Model>
bool ModelReader::read_block(const std::vector<ModelKey<Model>>& keys, const LocatedValue& block,
                             Model& model, const std::string& context,
                             const std::vector<std::string>& extra_keys) {
  if (block.kind != LocatedValue::Kind::block) {
    diagnostics_.error(block.where, syntax_ == Syntax::yaml
                                        ? context + " must be a mapping"
                                        : context + " must be a block: " + context + " { ... }");
    return false;
  }
  std::vector<std::string> allowed = extra_keys;
  for (const auto& key : keys) allowed.emplace_back(key.name);
  std::vector<std::pair<std::string, SourceRange>> written;
  for (const auto& entry : block.entries) written.emplace_back(entry.key, entry.key_where);
  check_keys(written, allowed, context);
  std::vector<std::string> seen;
  for (const auto& entry : block.entries) {
    if (std::find(seen.begin(), seen.end(), entry.key) != seen.end()) continue;  // reported above
    seen.push_back(entry.key);
    if (const ModelKey<Model>* key = find_key(keys, entry.key)) read(*key, entry.value, model);
  }
  return true;
}

#define RBC_MODEL_READER(Model)                                                                           \
  template bool ModelReader::read_block(const std::vector<ModelKey<Model>>&, const LocatedValue&, Model&, \
                                        const std::string&, const std::vector<std::string>&);             \
  template void ModelReader::read(const ModelKey<Model>&, const LocatedValue&, Model&);
RBC_MODEL_READER(PipelineInfo)
RBC_MODEL_READER(StreamSpec)
RBC_MODEL_READER(DestinationSpec)
RBC_MODEL_READER(ResourcesSpec)
RBC_MODEL_READER(AutotuneSpec)
RBC_MODEL_READER(AggregationSpec)
RBC_MODEL_READER(WatermarkSpec)
RBC_MODEL_READER(StateSpec)
#undef RBC_MODEL_READER

}  // namespace rbc
