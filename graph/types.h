// Column data types and schemas shared by connectors, operators and the compiler.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rbc {

// Physical layout of each type in a Column:
//   boolean            1 byte per value (0 or 1)
//   int16/32/64        native integers
//   float32/64         IEEE floats
//   decimal            __int128 unscaled value; DataType::scale digits after the point
//   date               int32 days since 1970-01-01
//   timestamp(tz)      int64 microseconds since 1970-01-01 00:00:00 (UTC for timestamptz)
//   uuid               16 bytes, big-endian as written
//   text, bytes, json  variable width: offsets + one byte buffer
enum class TypeId : uint8_t {
  boolean,
  int16,
  int32,
  int64,
  float32,
  float64,
  decimal,
  text,
  bytes,
  date,
  timestamp,
  timestamptz,
  uuid,
  json,
};

struct DataType {
  TypeId id = TypeId::text;
  uint8_t precision = 0;  // decimal only; 0 = unconstrained
  uint8_t scale = 0;      // decimal only

  bool operator==(const DataType&) const = default;
  bool is_variable_width() const { return id == TypeId::text || id == TypeId::bytes || id == TypeId::json; }
  bool is_integer() const { return id == TypeId::int16 || id == TypeId::int32 || id == TypeId::int64; }
  bool is_numeric() const {
    return is_integer() || id == TypeId::float32 || id == TypeId::float64 || id == TypeId::decimal;
  }
  // Bytes per value for fixed-width types, 0 for variable-width ones.
  size_t fixed_width() const;
  // "int64", "decimal(12,2)", ...
  std::string to_string() const;
};

// Parses a type name as written in pipelines ("int64", "bigint", "decimal(12,2)", "text").
std::optional<DataType> parse_data_type(std::string_view name);

struct Field {
  std::string name;
  DataType type;
  bool nullable = true;
  bool operator==(const Field&) const = default;
};

class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}

  const std::vector<Field>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  const Field& field(size_t i) const { return fields_[i]; }
  // Index of the field named `name`, or -1.
  int index_of(std::string_view name) const;
  std::vector<std::string> names() const;
  void add(Field field) { fields_.push_back(std::move(field)); }
  bool operator==(const Schema&) const = default;

 private:
  std::vector<Field> fields_;
};

}  // namespace rbc
