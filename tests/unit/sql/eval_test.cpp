// Evaluation of every operator and function over a small Batch with NULLs,
// asserting exact output values; SQL three-valued logic; WHERE; runtime errors.
#include <gtest/gtest.h>

#include "tests/unit/sql/sql_test_support.h"

namespace rbc::sql_test {
namespace {

// Sample rows (see sample_table):
//   id name   amount qty price  flag  day        ts                     small
//   1  alice  12.5   3   10.50  true  2024-01-15 2024-01-15 10:30:00    1
//   2  Bob    8      0   0.99   false 2023-12-31 1970-01-01 00:00:01.5  2
//   3  NULL   100    7   NULL   NULL  NULL       NULL                   3
//   4  élan   NULL   NULL 100.00 true 1970-01-01 2023-06-01 00:00:00    NULL
//   5  ''     -3.25  -2  -1.25  false 2000-02-29 1999-12-31 23:59:59    -5

TEST(SqlEval, Arithmetic) {
  EXPECT_EQ(eval_column("SELECT id + qty FROM input"), (Strings{"4", "2", "10", "NULL", "3"}));
  EXPECT_EQ(eval_column("SELECT qty - id FROM input"), (Strings{"2", "-2", "4", "NULL", "-7"}));
  EXPECT_EQ(eval_column("SELECT qty * 2 FROM input"), (Strings{"6", "0", "14", "NULL", "-4"}));
  EXPECT_EQ(eval_column("SELECT qty / 2 FROM input"), (Strings{"1", "0", "3", "NULL", "-1"}));
  EXPECT_EQ(eval_column("SELECT qty % 2 FROM input"), (Strings{"1", "0", "1", "NULL", "0"}));
  EXPECT_EQ(eval_column("SELECT -qty FROM input"), (Strings{"-3", "0", "-7", "NULL", "2"}));
  EXPECT_EQ(eval_column("SELECT amount * 2 FROM input"), (Strings{"25", "16", "200", "NULL", "-6.5"}));
  EXPECT_EQ(eval_column("SELECT amount / 4 FROM input"), (Strings{"3.125", "2", "25", "NULL", "-0.8125"}));
  EXPECT_EQ(eval_column("SELECT price + 1 FROM input"),
            (Strings{"11.50", "1.99", "NULL", "101.00", "-0.25"}));
  EXPECT_EQ(eval_column("SELECT price * 1.5 FROM input"),
            (Strings{"15.750", "1.485", "NULL", "150.000", "-1.875"}));
  EXPECT_EQ(eval_column("SELECT price / 3 FROM input"),
            (Strings{"3.500000", "0.330000", "NULL", "33.333333", "-0.416667"}));
  EXPECT_EQ(eval_column("SELECT price - id FROM input"),
            (Strings{"9.50", "-1.01", "NULL", "96.00", "-6.25"}));
  EXPECT_EQ(eval_column("SELECT small + small FROM input"), (Strings{"2", "4", "6", "NULL", "-10"}));
  EXPECT_EQ(eval_column("SELECT id * 1.2 FROM input"), (Strings{"1.2", "2.4", "3.6", "4.8", "6.0"}));
  EXPECT_EQ(eval_column("SELECT price % 1 FROM input"), (Strings{"0.50", "0.99", "NULL", "0.00", "-0.25"}));
}

TEST(SqlEval, DivisionByZeroIsARuntimeErrorNamingTheExpression) {
  Table t = sample_table();
  auto q = compile_ok("SELECT id / qty AS r FROM input", t.schema);
  auto out = q.evaluate(t.batch);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().message(), "division by zero in 'id / qty'");
  // Rows that WHERE drops, and NULL divisors, are never divided.
  auto q2 = compile_ok("SELECT id / qty AS r FROM input WHERE qty <> 0", t.schema);
  auto out2 = q2.evaluate(t.batch);
  ASSERT_TRUE(out2.is_ok()) << out2.status().message();
  EXPECT_EQ(render(out2->columns[0]), (Strings{"0", "0", "-2"}));
  // CASE evaluates a branch only for the rows that reach it.
  EXPECT_EQ(eval_column("SELECT CASE WHEN qty = 0 THEN NULL ELSE id / qty END FROM input"),
            (Strings{"0", "NULL", "0", "NULL", "-2"}));
  auto q3 = compile_ok("SELECT amount / (qty - qty) FROM input", t.schema);
  EXPECT_FALSE(q3.evaluate(t.batch).is_ok());
  auto q4 = compile_ok("SELECT price % (qty * 0) FROM input", t.schema);
  EXPECT_EQ(q4.evaluate(t.batch).status().message(), "division by zero in 'price % (qty * 0)'");
}

TEST(SqlEval, IntegerOverflowIsAnError) {
  Table t = sample_table();
  auto q = compile_ok("SELECT small * 30000 FROM input", t.schema);  // int32 result
  EXPECT_TRUE(q.evaluate(t.batch).is_ok());
  auto q2 = compile_ok("SELECT small * small * CAST(20000 AS smallint) FROM input", t.schema);
  EXPECT_EQ(q2.evaluate(t.batch).status().message(),
            "int16 out of range in 'small * small * CAST(20000 AS smallint)'");
  auto q3 = compile_ok("SELECT id * 9223372036854775807 FROM input", t.schema);
  EXPECT_FALSE(q3.evaluate(t.batch).is_ok());
}

TEST(SqlEval, Comparisons) {
  EXPECT_EQ(eval_column("SELECT qty = 3 FROM input"), (Strings{"true", "false", "false", "NULL", "false"}));
  EXPECT_EQ(eval_column("SELECT qty <> 3 FROM input"), (Strings{"false", "true", "true", "NULL", "true"}));
  EXPECT_EQ(eval_column("SELECT qty < 3 FROM input"), (Strings{"false", "true", "false", "NULL", "true"}));
  EXPECT_EQ(eval_column("SELECT qty <= 3 FROM input"), (Strings{"true", "true", "false", "NULL", "true"}));
  EXPECT_EQ(eval_column("SELECT qty > 3 FROM input"), (Strings{"false", "false", "true", "NULL", "false"}));
  EXPECT_EQ(eval_column("SELECT qty >= 3 FROM input"), (Strings{"true", "false", "true", "NULL", "false"}));
  EXPECT_EQ(eval_column("SELECT name < 'b' FROM input"), (Strings{"true", "true", "NULL", "false", "true"}));
  EXPECT_EQ(eval_column("SELECT price > amount FROM input"),
            (Strings{"false", "false", "NULL", "NULL", "true"}));
  EXPECT_EQ(eval_column("SELECT day >= '2024-01-01' FROM input"),
            (Strings{"true", "false", "NULL", "false", "false"}));
  EXPECT_EQ(eval_column("SELECT ts < day FROM input"), (Strings{"false", "true", "NULL", "false", "true"}));
  EXPECT_EQ(eval_column("SELECT flag = TRUE FROM input"),
            (Strings{"true", "false", "NULL", "true", "false"}));
  EXPECT_EQ(eval_column("SELECT qty = NULL FROM input"), (Strings{"NULL", "NULL", "NULL", "NULL", "NULL"}));
}

TEST(SqlEval, ThreeValuedLogicTruthTable) {
  // Rows: (a, b) over {TRUE, FALSE, NULL}^2 built with CASE on id... use a dedicated batch.
  Schema schema({{"a", DataType{TypeId::boolean}, true}, {"b", DataType{TypeId::boolean}, true}});
  const std::vector<Opt> a = {"true",  "true",       "true",       "false",     "false",
                              "false", std::nullopt, std::nullopt, std::nullopt};
  const std::vector<Opt> b = {"true",       "false", std::nullopt, "true",      "false",
                              std::nullopt, "true",  "false",      std::nullopt};
  Batch batch;
  batch.schema = std::make_shared<const Schema>(schema);
  batch.columns = {make_column(schema.field(0).type, a), make_column(schema.field(1).type, b)};
  batch.num_rows = 9;
  auto q = compile_ok("SELECT a AND b, a OR b, NOT a, a IS NULL, a IS NOT NULL, a = b FROM input", schema);
  auto out = q.evaluate(batch);
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(render(out->columns[0]),
            (Strings{"true", "false", "NULL", "false", "false", "false", "NULL", "false", "NULL"}));
  EXPECT_EQ(render(out->columns[1]),
            (Strings{"true", "true", "true", "true", "false", "NULL", "true", "NULL", "NULL"}));
  EXPECT_EQ(render(out->columns[2]),
            (Strings{"false", "false", "false", "true", "true", "true", "NULL", "NULL", "NULL"}));
  EXPECT_EQ(render(out->columns[3]),
            (Strings{"false", "false", "false", "false", "false", "false", "true", "true", "true"}));
  EXPECT_EQ(render(out->columns[4]),
            (Strings{"true", "true", "true", "true", "true", "true", "false", "false", "false"}));
  EXPECT_EQ(render(out->columns[5]),
            (Strings{"true", "false", "NULL", "false", "true", "NULL", "NULL", "NULL", "NULL"}));
  // WHERE keeps only TRUE rows.
  auto w = compile_ok("SELECT a FROM input WHERE a OR b", schema);
  auto kept = w.evaluate(batch);
  ASSERT_TRUE(kept.is_ok());
  EXPECT_EQ(kept->num_rows, 5u);
  auto n = compile_ok("SELECT a FROM input WHERE NOT (a AND b)", schema);
  EXPECT_EQ(render(n.evaluate(batch)->columns[0]), (Strings{"true", "false", "false", "false", "NULL"}));
}

TEST(SqlEval, InBetweenAndNulls) {
  EXPECT_EQ(eval_column("SELECT qty IN (0, 7) FROM input"),
            (Strings{"false", "true", "true", "NULL", "false"}));
  EXPECT_EQ(eval_column("SELECT qty NOT IN (0, 7) FROM input"),
            (Strings{"true", "false", "false", "NULL", "true"}));
  EXPECT_EQ(eval_column("SELECT qty IN (0, NULL) FROM input"),
            (Strings{"NULL", "true", "NULL", "NULL", "NULL"}));
  EXPECT_EQ(eval_column("SELECT qty NOT IN (0, NULL) FROM input"),
            (Strings{"NULL", "false", "NULL", "NULL", "NULL"}));
  EXPECT_EQ(eval_column("SELECT name IN ('alice', 'Bob') FROM input"),
            (Strings{"true", "true", "NULL", "false", "false"}));
  EXPECT_EQ(eval_column("SELECT qty BETWEEN 0 AND 3 FROM input"),
            (Strings{"true", "true", "false", "NULL", "false"}));
  EXPECT_EQ(eval_column("SELECT qty NOT BETWEEN 0 AND 3 FROM input"),
            (Strings{"false", "false", "true", "NULL", "true"}));
  EXPECT_EQ(eval_column("SELECT amount BETWEEN qty AND 50 FROM input"),
            (Strings{"true", "true", "false", "NULL", "false"}));
}

TEST(SqlEval, Like) {
  EXPECT_EQ(eval_column("SELECT name LIKE 'a%' FROM input"),
            (Strings{"true", "false", "NULL", "false", "false"}));
  EXPECT_EQ(eval_column("SELECT name LIKE '%b' FROM input"),
            (Strings{"false", "true", "NULL", "false", "false"}));
  EXPECT_EQ(eval_column("SELECT name LIKE '%li%' FROM input"),
            (Strings{"true", "false", "NULL", "false", "false"}));
  EXPECT_EQ(eval_column("SELECT name LIKE 'Bob' FROM input"),
            (Strings{"false", "true", "NULL", "false", "false"}));
  EXPECT_EQ(eval_column("SELECT name LIKE '_lan' FROM input"),
            (Strings{"false", "false", "NULL", "true", "false"}));
  EXPECT_EQ(eval_column("SELECT name LIKE '%' FROM input"),
            (Strings{"true", "true", "NULL", "true", "true"}));
  EXPECT_EQ(eval_column("SELECT name LIKE '' FROM input"),
            (Strings{"false", "false", "NULL", "false", "true"}));
  EXPECT_EQ(eval_column("SELECT name NOT LIKE 'a_i%e' FROM input"),
            (Strings{"false", "true", "NULL", "true", "true"}));
  EXPECT_EQ(eval_column("SELECT name LIKE name FROM input"),
            (Strings{"true", "true", "NULL", "true", "true"}));
}

TEST(SqlEval, LikeMatcherPatterns) {
  struct Case {
    const char* text;
    const char* pattern;
    bool match;
  };
  const Case cases[] = {
      {"abc", "abc", true},
      {"abc", "a%", true},
      {"abc", "%c", true},
      {"abc", "%b%", true},
      {"abc", "a_c", true},
      {"abc", "a__", true},
      {"abc", "a_", false},
      {"abc", "%%%", true},
      {"", "%", true},
      {"", "_", false},
      {"a%c", "a\\%c", true},
      {"abc", "a\\%c", false},
      {"a_c", "a\\_c", true},
      {"abc", "a\\_c", false},
      {"mississippi", "%iss%ppi", true},
      {"mississippi", "m%s%s%i", true},
      {"mississippi", "%sip", false},
      {"ß", "_", true},
      {"aXbXc", "a%b%c", true},
      {"aXbX", "a%b%c", false},
      {"abc", "ABC", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(sql::like_match(c.text, c.pattern), c.match) << c.text << " LIKE " << c.pattern;
    EXPECT_EQ(sql::LikeMatcher(c.pattern).matches(c.text), c.match) << c.text << " LIKE " << c.pattern;
  }
}

TEST(SqlEval, CaseWhen) {
  EXPECT_EQ(eval_column("SELECT CASE WHEN qty > 2 THEN 'big' WHEN qty >= 0 THEN 'small' END FROM input"),
            (Strings{"big", "small", "big", "NULL", "NULL"}));
  EXPECT_EQ(eval_column("SELECT CASE WHEN flag THEN id ELSE -id END FROM input"),
            (Strings{"1", "-2", "-3", "4", "-5"}));
  EXPECT_EQ(eval_column("SELECT CASE qty WHEN 3 THEN 'three' WHEN 0 THEN 'zero' ELSE 'other' END FROM input"),
            (Strings{"three", "zero", "other", "other", "other"}));
  EXPECT_EQ(eval_column("SELECT CASE WHEN id > 2 THEN amount ELSE qty END FROM input"),
            (Strings{"3", "0", "100", "NULL", "-3.25"}));
}

TEST(SqlEval, Functions) {
  EXPECT_EQ(eval_column("SELECT COALESCE(name, 'none') FROM input"),
            (Strings{"alice", "Bob", "none", "élan", ""}));
  EXPECT_EQ(eval_column("SELECT COALESCE(amount, qty, 0) FROM input"),
            (Strings{"12.5", "8", "100", "0", "-3.25"}));
  EXPECT_EQ(eval_column("SELECT UPPER(name) FROM input"), (Strings{"ALICE", "BOB", "NULL", "ÉLAN", ""}));
  EXPECT_EQ(eval_column("SELECT LOWER(name) FROM input"), (Strings{"alice", "bob", "NULL", "élan", ""}));
  EXPECT_EQ(eval_column("SELECT LENGTH(name) FROM input"), (Strings{"5", "3", "NULL", "4", "0"}));
  EXPECT_EQ(eval_column("SELECT SUBSTR(name, 2) FROM input"), (Strings{"lice", "ob", "NULL", "lan", ""}));
  EXPECT_EQ(eval_column("SELECT SUBSTR(name, 2, 2) FROM input"), (Strings{"li", "ob", "NULL", "la", ""}));
  EXPECT_EQ(eval_column("SELECT SUBSTR(name, 0, 2) FROM input"), (Strings{"a", "B", "NULL", "é", ""}));
  EXPECT_EQ(eval_column("SELECT SUBSTR(name, 1, 1) FROM input"), (Strings{"a", "B", "NULL", "é", ""}));
  EXPECT_EQ(eval_column("SELECT SUBSTRING(name, 10) FROM input"), (Strings{"", "", "NULL", "", ""}));
  EXPECT_EQ(eval_column("SELECT CONCAT(name, '-', qty) FROM input"),
            (Strings{"alice-3", "Bob-0", "-7", "élan-", "--2"}));
  EXPECT_EQ(eval_column("SELECT name || '-' || qty FROM input"),
            (Strings{"alice-3", "Bob-0", "NULL", "NULL", "--2"}));
  EXPECT_EQ(eval_column("SELECT ABS(qty) FROM input"), (Strings{"3", "0", "7", "NULL", "2"}));
  EXPECT_EQ(eval_column("SELECT ABS(price) FROM input"),
            (Strings{"10.50", "0.99", "NULL", "100.00", "1.25"}));
  EXPECT_EQ(eval_column("SELECT ROUND(amount) FROM input"), (Strings{"12", "8", "100", "NULL", "-3"}));
  EXPECT_EQ(eval_column("SELECT ROUND(price) FROM input"), (Strings{"11", "1", "NULL", "100", "-1"}));
  EXPECT_EQ(eval_column("SELECT ROUND(price, 1) FROM input"),
            (Strings{"10.5", "1.0", "NULL", "100.0", "-1.3"}));
  EXPECT_EQ(eval_column("SELECT ROUND(amount, 1) FROM input"), (Strings{"12.5", "8", "100", "NULL", "-3.3"}));
  EXPECT_EQ(eval_column("SELECT ROUND(qty * 10, -1) FROM input"), (Strings{"30", "0", "70", "NULL", "-20"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(EPOCH FROM ts) FROM input"),
            (Strings{"1705314600.000000", "1.500000", "NULL", "1685577600.000000", "946684799.000000"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(EPOCH FROM day) FROM input"),
            (Strings{"1705276800", "1703980800", "NULL", "0", "951782400"}));
}

TEST(SqlEval, Casts) {
  EXPECT_EQ(eval_column("SELECT CAST(qty AS text) FROM input"), (Strings{"3", "0", "7", "NULL", "-2"}));
  EXPECT_EQ(eval_column("SELECT amount::text FROM input"), (Strings{"12.5", "8", "100", "NULL", "-3.25"}));
  EXPECT_EQ(eval_column("SELECT price::text FROM input"),
            (Strings{"10.50", "0.99", "NULL", "100.00", "-1.25"}));
  EXPECT_EQ(eval_column("SELECT flag::text FROM input"), (Strings{"true", "false", "NULL", "true", "false"}));
  EXPECT_EQ(eval_column("SELECT day::text FROM input"),
            (Strings{"2024-01-15", "2023-12-31", "NULL", "1970-01-01", "2000-02-29"}));
  EXPECT_EQ(eval_column("SELECT ts::text FROM input"),
            (Strings{"2024-01-15 10:30:00", "1970-01-01 00:00:01.5", "NULL", "2023-06-01 00:00:00",
                     "1999-12-31 23:59:59"}));
  EXPECT_EQ(eval_column("SELECT ts::timestamptz::text FROM input"),
            (Strings{"2024-01-15 10:30:00+00:00", "1970-01-01 00:00:01.5+00:00", "NULL",
                     "2023-06-01 00:00:00+00:00", "1999-12-31 23:59:59+00:00"}));
  EXPECT_EQ(eval_column("SELECT ts::date FROM input"),
            (Strings{"2024-01-15", "1970-01-01", "NULL", "2023-06-01", "1999-12-31"}));
  EXPECT_EQ(eval_column("SELECT day::timestamp FROM input"),
            (Strings{"2024-01-15 00:00:00", "2023-12-31 00:00:00", "NULL", "1970-01-01 00:00:00",
                     "2000-02-29 00:00:00"}));
  EXPECT_EQ(eval_column("SELECT amount::int FROM input"), (Strings{"12", "8", "100", "NULL", "-3"}));
  EXPECT_EQ(eval_column("SELECT price::bigint FROM input"), (Strings{"11", "1", "NULL", "100", "-1"}));
  EXPECT_EQ(eval_column("SELECT amount::decimal(6,1) FROM input"),
            (Strings{"12.5", "8.0", "100.0", "NULL", "-3.3"}));
  EXPECT_EQ(eval_column("SELECT price::float64 FROM input"),
            (Strings{"10.5", "0.99", "NULL", "100", "-1.25"}));
  EXPECT_EQ(eval_column("SELECT qty::bool FROM input"), (Strings{"true", "false", "true", "NULL", "true"}));
  EXPECT_EQ(eval_column("SELECT flag::int FROM input"), (Strings{"1", "0", "NULL", "1", "0"}));
  EXPECT_EQ(eval_column("SELECT '42'::int + qty FROM input"), (Strings{"45", "42", "49", "NULL", "40"}));
  EXPECT_EQ(eval_column("SELECT CAST('2024-02-29 12:00:00.25' AS timestamp) FROM input"),
            (Strings{"2024-02-29 12:00:00.25", "2024-02-29 12:00:00.25", "2024-02-29 12:00:00.25",
                     "2024-02-29 12:00:00.25", "2024-02-29 12:00:00.25"}));
  EXPECT_EQ(eval_column("SELECT CAST('2024-01-01 01:00:00+01' AS timestamptz)::text FROM input")[0],
            "2024-01-01 00:00:00+00:00");
  EXPECT_EQ(eval_column("SELECT CAST(' yes ' AS bool) FROM input")[0], "true");
  EXPECT_EQ(eval_column("SELECT CAST('12.345' AS decimal(5,2)) FROM input")[0], "12.35");
}

TEST(SqlEval, FailedCastIsARuntimeError) {
  Table t = sample_table();
  auto q = compile_ok("SELECT name::int FROM input", t.schema);
  EXPECT_EQ(q.evaluate(t.batch).status().message(),
            "invalid input syntax for type int32: \"alice\" in 'name::int'");
  auto q2 = compile_ok("SELECT price::decimal(3,2) FROM input", t.schema);
  EXPECT_EQ(q2.evaluate(t.batch).status().message(), "numeric field overflow in 'price::decimal(3,2)'");
}

TEST(SqlEval, WhereFiltersThenProjectsSelectedRows) {
  Table t = sample_table();
  auto q = compile_ok("SELECT id, UPPER(name) AS name, amount * 1.2 AS gross FROM input WHERE amount > 10",
                      t.schema);
  auto out = q.evaluate(t.batch);
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(out->num_rows, 2u);
  EXPECT_EQ(*out->schema, q.output_schema());
  EXPECT_EQ(render(out->columns[0]), (Strings{"1", "3"}));
  EXPECT_EQ(render(out->columns[1]), (Strings{"ALICE", "NULL"}));
  EXPECT_EQ(render(out->columns[2]), (Strings{"15", "120"}));
  auto none = compile_ok("SELECT * FROM input WHERE FALSE", t.schema).evaluate(t.batch);
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none->num_rows, 0u);
  EXPECT_EQ(none->columns.size(), t.schema.size());
  auto all = compile_ok("SELECT * FROM input WHERE id > 0", t.schema).evaluate(t.batch);
  ASSERT_TRUE(all.is_ok());
  EXPECT_EQ(all->num_rows, 5u);
  EXPECT_EQ(render(all->columns[1]), render(t.batch.columns[1]));
  auto nulls =
      compile_ok("SELECT name FROM input WHERE name IS NULL OR qty IS NULL", t.schema).evaluate(t.batch);
  EXPECT_EQ(render(nulls->columns[0]), (Strings{"NULL", "élan"}));
}

TEST(SqlEval, ConstantsBroadcast) {
  EXPECT_EQ(eval_column("SELECT 'x' AS c FROM input"), (Strings{"x", "x", "x", "x", "x"}));
  EXPECT_EQ(eval_column("SELECT NULL AS c FROM input"), (Strings{"NULL", "NULL", "NULL", "NULL", "NULL"}));
  EXPECT_EQ(eval_column("SELECT 2.50 AS c FROM input WHERE id < 3"), (Strings{"2.50", "2.50"}));
}

TEST(SqlEval, EmptyBatchAndSchemaMismatch) {
  Table t = sample_table();
  auto q = compile_ok("SELECT id + 1, UPPER(name) FROM input WHERE qty > 0", t.schema);
  auto empty = q.evaluate(Batch::empty(std::make_shared<const Schema>(t.schema)));
  ASSERT_TRUE(empty.is_ok());
  EXPECT_EQ(empty->num_rows, 0u);
  Batch wrong;
  EXPECT_FALSE(q.evaluate(wrong).is_ok());
}

TEST(SqlEval, InfinitiesAndBcDatesCastAsPostgres) {
  // An infinite date cast to a timestamp overflowed; BC dates printed as year 0 or -43.
  EXPECT_EQ(
      eval_column("SELECT CAST(CAST('infinity' AS date) AS timestamp)::text AS t FROM input WHERE id = 1"),
      (Strings{"infinity"}));
  EXPECT_EQ(eval_column("SELECT CAST('-infinity'::timestamptz AS date)::text AS d FROM input WHERE id = 1"),
            (Strings{"-infinity"}));
  EXPECT_EQ(eval_column("SELECT CAST('0044-03-15 BC' AS date)::text AS d FROM input WHERE id = 1"),
            (Strings{"0044-03-15 BC"}));
}

}  // namespace
}  // namespace rbc::sql_test
