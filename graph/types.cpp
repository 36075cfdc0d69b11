// Type names and widths.
#include "graph/types.h"

#include <cctype>
#include <charconv>

namespace rbc {

size_t DataType::fixed_width() const {
  switch (id) {
    case TypeId::boolean: return 1;
    case TypeId::int16: return 2;
    case TypeId::int32: return 4;
    case TypeId::int64: return 8;
    case TypeId::float32: return 4;
    case TypeId::float64: return 8;
    case TypeId::decimal: return 16;
    case TypeId::date: return 4;
    case TypeId::timestamp: return 8;
    case TypeId::timestamptz: return 8;
    case TypeId::uuid: return 16;
    case TypeId::text:
    case TypeId::bytes:
    case TypeId::json: return 0;
  }
  return 0;
}

static const char* base_name(TypeId id) {
  switch (id) {
    case TypeId::boolean: return "bool";
    case TypeId::int16: return "int16";
    case TypeId::int32: return "int32";
    case TypeId::int64: return "int64";
    case TypeId::float32: return "float32";
    case TypeId::float64: return "float64";
    case TypeId::decimal: return "decimal";
    case TypeId::text: return "text";
    case TypeId::bytes: return "bytes";
    case TypeId::date: return "date";
    case TypeId::timestamp: return "timestamp";
    case TypeId::timestamptz: return "timestamptz";
    case TypeId::uuid: return "uuid";
    case TypeId::json: return "json";
  }
  return "?";
}

std::string DataType::to_string() const {
  std::string name = base_name(id);
  if (id == TypeId::decimal && precision != 0) {
    name += "(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
  }
  return name;
}

std::optional<DataType> parse_data_type(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  struct Alias {
    const char* name;
    TypeId id;
  };
  static const Alias aliases[] = {
      {"bool", TypeId::boolean},    {"boolean", TypeId::boolean},     {"int16", TypeId::int16},
      {"smallint", TypeId::int16},  {"int32", TypeId::int32},         {"int", TypeId::int32},
      {"integer", TypeId::int32},   {"int64", TypeId::int64},         {"bigint", TypeId::int64},
      {"float32", TypeId::float32}, {"real", TypeId::float32},        {"float64", TypeId::float64},
      {"double", TypeId::float64},  {"float", TypeId::float64},       {"decimal", TypeId::decimal},
      {"numeric", TypeId::decimal}, {"text", TypeId::text},           {"string", TypeId::text},
      {"varchar", TypeId::text},    {"bytes", TypeId::bytes},         {"bytea", TypeId::bytes},
      {"date", TypeId::date},       {"timestamp", TypeId::timestamp}, {"timestamptz", TypeId::timestamptz},
      {"uuid", TypeId::uuid},       {"json", TypeId::json},           {"jsonb", TypeId::json},
  };
  std::string_view base = lower;
  std::string_view arguments;
  if (auto open = base.find('('); open != std::string_view::npos && base.back() == ')') {
    arguments = base.substr(open + 1, base.size() - open - 2);
    base = base.substr(0, open);
  }
  for (const auto& alias : aliases) {
    if (base != alias.name) continue;
    DataType type{alias.id};
    if (arguments.empty()) return type;
    if (alias.id != TypeId::decimal) return std::nullopt;
    unsigned precision = 0, scale = 0;
    auto comma = arguments.find(',');
    auto p = arguments.substr(0, comma);
    if (std::from_chars(p.data(), p.data() + p.size(), precision).ec != std::errc{}) return std::nullopt;
    if (comma != std::string_view::npos) {
      auto s = arguments.substr(comma + 1);
      if (std::from_chars(s.data(), s.data() + s.size(), scale).ec != std::errc{}) return std::nullopt;
    }
    if (precision == 0 || precision > 38 || scale > precision) return std::nullopt;
    type.precision = static_cast<uint8_t>(precision);
    type.scale = static_cast<uint8_t>(scale);
    return type;
  }
  return std::nullopt;
}

int Schema::index_of(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::vector<std::string> Schema::names() const {
  std::vector<std::string> names;
  for (const auto& f : fields_) names.push_back(f.name);
  return names;
}

}  // namespace rbc
