// EXTRACT, DATE_PART, DATE_TRUNC and casts of infinite and far dates and timestamps, as
// PostgreSQL 15 answers them (psql: SELECT date_part('year', 'infinity'::timestamp) ...);
// tests/cli/exec_postgres_time_extremes.sh checks the same against values read from a server.
#include <gtest/gtest.h>

#include "tests/unit/sql/sql_test_support.h"

namespace rbc::sql_test {
namespace {

// ts, d: infinity, -infinity, a leap day, a far date (5874897-12-31, PostgreSQL's last).
Batch extremes(const Schema& schema) {
  return batch_of(schema, {{"infinity", "-infinity", "2024-02-29 13:45:30.5", "2000-01-01 00:00:00"},
                           {"infinity", "-infinity", "2024-02-29", std::nullopt}});
}

Schema extremes_schema() {
  Schema schema;
  schema.add(Field{"ts", DataType{TypeId::timestamp}});
  schema.add(Field{"d", DataType{TypeId::date}});
  return schema;
}

Strings rows(const std::string& query) {
  Schema schema = extremes_schema();
  CompiledQuery compiled = compile_ok(query, schema);
  auto out = compiled.evaluate(extremes(schema));
  if (!out.is_ok()) {
    ADD_FAILURE() << query << ": " << out.status().message();
    return {};
  }
  return rows_of(*out);
}

std::string error_of(const std::string& query, const Batch& batch) {
  CompiledQuery compiled = compile_ok(query, *batch.schema);
  auto out = compiled.evaluate(batch);
  return out.is_ok() ? "no error" : out.status().message();
}

TEST(SqlTimeExtremes, DatePartOfAnInfinityIsInfinityOrNull) {
  // PostgreSQL: Infinity | NULL | -Infinity ... (date_part gave the year 294247 before).
  EXPECT_EQ(rows("SELECT DATE_PART('year', ts), DATE_PART('month', ts), DATE_PART('epoch', d), "
                 "DATE_PART('dow', d) FROM input"),
            (Strings{"Infinity|NULL|Infinity|NULL", "-Infinity|NULL|-Infinity|NULL", "2024|2|1709164800|4",
                     "2000|1|NULL|NULL"}));
}

TEST(SqlTimeExtremes, ExtractOfAnInfinity) {
  // PostgreSQL: NULL for the fields that do not grow with time.
  EXPECT_EQ(rows("SELECT EXTRACT(month FROM ts), EXTRACT(day FROM d), EXTRACT(second FROM ts) FROM input"),
            (Strings{"NULL|NULL|NULL", "NULL|NULL|NULL", "2|29|30.500000", "1|NULL|0.000000"}));
  // PostgreSQL: numeric Infinity, which a decimal cannot hold: an error, not a year.
  EXPECT_EQ(
      error_of("SELECT EXTRACT(year FROM ts) FROM input", extremes(extremes_schema())),
      "EXTRACT of infinity is Infinity, which rbc's decimal cannot hold; DATE_PART gives it as a float64 "
      "in 'EXTRACT(year FROM ts)'");
}

TEST(SqlTimeExtremes, DateTruncKeepsAnInfinity) {
  EXPECT_EQ(rows("SELECT DATE_TRUNC('month', ts), DATE_TRUNC('week', d) FROM input"),
            (Strings{"infinity|infinity", "-infinity|-infinity",
                     "2024-02-01 00:00:00|2024-02-26 00:00:00+00:00", "2000-01-01 00:00:00|NULL"}));
}

TEST(SqlTimeExtremes, FarDatesAsPostgres) {
  Schema schema;
  schema.add(Field{"d", DataType{TypeId::date}});
  // 5874897-12-31, PostgreSQL's last date: past rbc's (and PostgreSQL's) last timestamp.
  const int32_t last_day = 2145042905;  // PostgreSQL: SELECT '5874897-12-31'::date - '1970-01-01'
  Batch batch;
  batch.schema = std::make_shared<const Schema>(schema);
  batch.columns.emplace_back(DataType{TypeId::date});
  batch.columns[0].append<int32_t>(last_day);
  batch.num_rows = 1;
  auto compiled = compile_ok(
      "SELECT EXTRACT(year FROM d) AS y, EXTRACT(epoch FROM d) AS e, CAST(d AS text) AS t "
      "FROM input",
      schema);
  auto out = compiled.evaluate(batch);
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  // PostgreSQL: 5874897 | 185331706992000 (it extracts from a date without a timestamp).
  EXPECT_EQ(rows_of(*out), (Strings{"5874897|185331706992000|5874897-12-31"}));
  // PostgreSQL: ERROR:  date out of range for timestamp (the cast overflowed before).
  EXPECT_EQ(error_of("SELECT CAST(d AS timestamp) AS t FROM input", batch),
            "date out of range for timestamp in 'CAST(d AS timestamp)'");
  EXPECT_EQ(error_of("SELECT DATE_TRUNC('day', d) AS t FROM input", batch),
            "date out of range for timestamp in 'DATE_TRUNC('day', d)'");
}

TEST(SqlTimeExtremes, DateTruncBeforePostgresFirstTimestampIsOutOfRange) {
  // PostgreSQL: date_trunc('millennium', '4714-11-24 00:00:00 BC'::timestamp)
  //   ERROR:  timestamp out of range
  Schema schema;
  schema.add(Field{"ts", DataType{TypeId::timestamp}});
  Batch batch = batch_of(schema, {{"4714-11-24 00:00:00 BC"}});
  EXPECT_EQ(error_of("SELECT DATE_TRUNC('millennium', ts) AS t FROM input", batch),
            "timestamp out of range in 'DATE_TRUNC('millennium', ts)'");
  // PostgreSQL: 4714-11-24 00:00:00 BC (a Monday).
  auto compiled = compile_ok("SELECT DATE_TRUNC('week', ts) AS t FROM input", schema);
  auto out = compiled.evaluate(batch);
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  EXPECT_EQ(rows_of(*out), (Strings{"4714-11-24 00:00:00 BC"}));
}

}  // namespace
}  // namespace rbc::sql_test
