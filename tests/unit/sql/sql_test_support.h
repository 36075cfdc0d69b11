// Helpers for the sql transform tests: small Batches built from literal vectors, and
// columns rendered back as text so expectations read like query output.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "expr/like.h"
#include "expr/query.h"
#include "graph/batch.h"
#include "graph/value_format.h"

namespace rbc::sql_test {

using Opt = std::optional<std::string>;  // a value as text, nullopt = NULL

// Builds a column of `type` from text values (parsed the way CAST parses them).
inline Column make_column(DataType type, const std::vector<Opt>& values) {
  Column column(type);
  for (const auto& v : values) {
    if (!v) {
      column.append_null();
      continue;
    }
    // Fixture text is in the shared codecs' forms; anything else fails the test.
    auto read = [&](auto parse, auto value) {
      EXPECT_TRUE(parse(*v, &value)) << *v;
      return value;
    };
    auto read_int = [&](std::string_view text, int64_t* out) { return parse_int64(text, out); };
    auto read_double = [&](std::string_view text, double* out) { return parse_float64(text, out); };
    switch (type.id) {
      case TypeId::boolean:
        column.append<uint8_t>(read([](std::string_view t, bool* o) { return parse_bool(t, o); }, false));
        break;
      case TypeId::int16: column.append<int16_t>(static_cast<int16_t>(read(read_int, int64_t{0}))); break;
      case TypeId::int32: column.append<int32_t>(static_cast<int32_t>(read(read_int, int64_t{0}))); break;
      case TypeId::int64: column.append<int64_t>(read(read_int, int64_t{0})); break;
      case TypeId::float32: column.append<float>(static_cast<float>(read(read_double, 0.0))); break;
      case TypeId::float64: column.append<double>(read(read_double, 0.0)); break;
      case TypeId::decimal:
        column.append<__int128>(
            read([&](std::string_view t, __int128* o) { return parse_decimal(t, 0, type.scale, o); },
                 __int128{0}));
        break;
      case TypeId::date:
        column.append<int32_t>(
            read([](std::string_view t, int32_t* o) { return parse_date(t, o); }, int32_t{0}));
        break;
      case TypeId::timestamp:
        column.append<int64_t>(
            read([](std::string_view t, int64_t* o) { return parse_timestamp(t, o); }, int64_t{0}));
        break;
      case TypeId::timestamptz:
        column.append<int64_t>(
            read([](std::string_view t, int64_t* o) { return parse_timestamptz(t, o); }, int64_t{0}));
        break;
      default: column.append_string(*v); break;
    }
  }
  return column;
}

inline std::string render(const Column& column, size_t row) {
  if (column.is_null(row)) return "NULL";
  std::string out;
  switch (column.type().id) {
    case TypeId::boolean: return column.value<uint8_t>(row) ? "true" : "false";
    case TypeId::int16: append_int64(out, column.value<int16_t>(row)); break;
    case TypeId::int32: append_int64(out, column.value<int32_t>(row)); break;
    case TypeId::int64: append_int64(out, column.value<int64_t>(row)); break;
    case TypeId::float32: append_float64(out, column.value<float>(row)); break;
    case TypeId::float64: append_float64(out, column.value<double>(row)); break;
    case TypeId::decimal: append_decimal(out, column.value<__int128>(row), column.type().scale); break;
    case TypeId::date: append_date(out, column.value<int32_t>(row)); break;
    case TypeId::timestamp: append_timestamp(out, column.value<int64_t>(row)); break;
    case TypeId::timestamptz: append_timestamptz(out, column.value<int64_t>(row)); break;
    default: out = std::string(column.string_at(row)); break;
  }
  return out;
}

inline std::vector<std::string> render(const Column& column) {
  std::vector<std::string> out;
  for (size_t i = 0; i < column.size(); ++i) out.push_back(render(column, i));
  return out;
}

// A five-row table covering the common types, with NULLs in most columns.
struct Table {
  Schema schema;
  Batch batch;
};

inline Table sample_table() {
  Table t;
  t.schema = Schema({
      {"id", DataType{TypeId::int64}, false},
      {"name", DataType{TypeId::text}, true},
      {"amount", DataType{TypeId::float64}, true},
      {"qty", DataType{TypeId::int32}, true},
      {"price", DataType{TypeId::decimal, 10, 2}, true},
      {"flag", DataType{TypeId::boolean}, true},
      {"day", DataType{TypeId::date}, true},
      {"ts", DataType{TypeId::timestamp}, true},
      {"small", DataType{TypeId::int16}, true},
  });
  const std::vector<std::vector<Opt>> columns = {
      {"1", "2", "3", "4", "5"},
      {"alice", "Bob", std::nullopt, "élan", ""},
      {"12.5", "8", "100", std::nullopt, "-3.25"},
      {"3", "0", "7", std::nullopt, "-2"},
      {"10.50", "0.99", std::nullopt, "100.00", "-1.25"},
      {"true", "false", std::nullopt, "true", "false"},
      {"2024-01-15", "2023-12-31", std::nullopt, "1970-01-01", "2000-02-29"},
      {"2024-01-15 10:30:00", "1970-01-01 00:00:01.5", std::nullopt, "2023-06-01 00:00:00",
       "1999-12-31 23:59:59"},
      {"1", "2", "3", std::nullopt, "-5"},
  };
  auto schema = std::make_shared<const Schema>(t.schema);
  t.batch.schema = schema;
  for (size_t i = 0; i < columns.size(); ++i)
    t.batch.columns.push_back(make_column(t.schema.field(i).type, columns[i]));
  t.batch.num_rows = 5;
  return t;
}

inline CompiledQuery compile_ok(const std::string& query, const Schema& schema) {
  auto result = compile_sql(query, schema);
  if (auto* errors = std::get_if<std::vector<SqlError>>(&result)) {
    std::string all;
    for (const auto& e : *errors) all += format_sql_error(query, e);
    ADD_FAILURE() << "query failed to compile: " << query << "\n" << all;
    return std::get<CompiledQuery>(compile_sql("SELECT 1 FROM input", schema));
  }
  return std::get<CompiledQuery>(result);
}

inline std::vector<SqlError> compile_errors(const std::string& query, const Schema& schema) {
  auto result = compile_sql(query, schema);
  if (auto* errors = std::get_if<std::vector<SqlError>>(&result)) return *errors;
  ADD_FAILURE() << "query compiled but should not have: " << query;
  return {};
}

// Runs `query` over the sample table and returns the first output column as text.
inline std::vector<std::string> eval_column(const std::string& query, size_t column = 0) {
  Table t = sample_table();
  CompiledQuery compiled = compile_ok(query, t.schema);
  auto out = compiled.evaluate(t.batch);
  if (!out.is_ok()) {
    ADD_FAILURE() << "evaluation failed: " << out.status().message();
    return {};
  }
  if (column >= out->columns.size()) return {};
  return render(out->columns[column]);
}

using Strings = std::vector<std::string>;

// A batch of `schema` from each column's values as text.
inline Batch batch_of(const Schema& schema, const std::vector<std::vector<Opt>>& columns) {
  Batch batch;
  batch.schema = std::make_shared<const Schema>(schema);
  for (size_t i = 0; i < columns.size(); ++i)
    batch.columns.push_back(make_column(schema.field(i).type, columns[i]));
  batch.num_rows = columns.empty() ? 0 : columns[0].size();
  return batch;
}

// Rows of a batch as "a|b|c" lines.
inline Strings rows_of(const Batch& batch) {
  Strings rows;
  for (size_t r = 0; r < batch.num_rows; ++r) {
    std::string line;
    for (size_t c = 0; c < batch.columns.size(); ++c) line += (c ? "|" : "") + render(batch.columns[c], r);
    rows.push_back(line);
  }
  return rows;
}

}  // namespace rbc::sql_test
