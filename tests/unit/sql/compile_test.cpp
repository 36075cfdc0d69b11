// Parsing, binding and type checking of sql transform queries: every construct
// compiles to the expected bound form and schema, and every error has its offset.
#include <gtest/gtest.h>

#include "tests/unit/sql/sql_test_support.h"

namespace rbc::sql_test {
namespace {

std::string bound(const std::string& query) { return compile_ok(query, sample_table().schema).to_string(); }

SqlError first_error(const std::string& query) {
  auto errors = compile_errors(query, sample_table().schema);
  return errors.empty() ? SqlError{} : errors.front();
}

TEST(SqlCompile, SelectsColumnsAndNamesOutputs) {
  auto q = compile_ok("SELECT id, UPPER(name) AS name, amount * 1.2 AS gross, qty + 1, price p FROM input",
                      sample_table().schema);
  const Schema& s = q.output_schema();
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s.field(0).name, "id");
  EXPECT_EQ(s.field(0).type, DataType{TypeId::int64});
  EXPECT_FALSE(s.field(0).nullable);
  EXPECT_EQ(s.field(1).name, "name");
  EXPECT_EQ(s.field(1).type, DataType{TypeId::text});
  EXPECT_EQ(s.field(2).name, "gross");
  EXPECT_EQ(s.field(2).type, DataType{TypeId::float64});
  EXPECT_EQ(s.field(3).name, "col_4");
  EXPECT_EQ(s.field(3).type, DataType{TypeId::int32});
  EXPECT_EQ(s.field(4).name, "p");
  EXPECT_TRUE(q.is_stateless());
}

TEST(SqlCompile, StarExpandsToEveryColumn) {
  auto q = compile_ok("select * from input", sample_table().schema);
  EXPECT_EQ(q.output_schema().names(), sample_table().schema.names());
  auto q2 = compile_ok("SELECT *, id * 2 AS twice FROM input", sample_table().schema);
  EXPECT_EQ(q2.output_schema().size(), sample_table().schema.size() + 1);
}

TEST(SqlCompile, KeywordsAreCaseInsensitiveAndNamesFoldWhenUnambiguous) {
  EXPECT_EQ(bound("sElEcT ID fRoM InPuT wHeRe Qty > 1"), "SELECT id AS id:int64 FROM input WHERE (qty > 1)");
}

TEST(SqlCompile, BareColumnKeepsSchemaName) {
  auto q = compile_ok("SELECT NAME, (id), \"qty\" FROM input", sample_table().schema);
  EXPECT_EQ(q.output_schema().names(), (std::vector<std::string>{"name", "id", "qty"}));
}

TEST(SqlCompile, BindsEveryConstruct) {
  EXPECT_EQ(bound("SELECT -qty, +qty, NOT flag FROM input"),
            "SELECT (-qty) AS col_1:int32, qty AS col_2:int32, (NOT flag) AS col_3:bool FROM input");
  EXPECT_EQ(bound("SELECT id + qty * 2 - 1 FROM input"),
            "SELECT ((id + CAST((qty * 2) AS int64)) - 1) AS col_1:int64 FROM input");
  EXPECT_EQ(bound("SELECT id / 2, id % 3 FROM input"),
            "SELECT (id / 2) AS col_1:int64, (id % 3) AS col_2:int64 FROM input");
  EXPECT_EQ(bound("SELECT name || '!' AS x FROM input"), "SELECT (name || '!') AS x:text FROM input");
  EXPECT_EQ(bound("SELECT 1 FROM input WHERE id = 1 AND (qty <> 2 OR qty != 3) AND amount >= 1.5"),
            "SELECT 1 AS col_1:int32 FROM input WHERE ((id = 1) AND ((qty <> 2) OR (qty <> 3)) AND "
            "(amount >= 1.5))");
  EXPECT_EQ(bound("SELECT 1 FROM input WHERE qty < 1 OR qty <= 2 OR qty > 3"),
            "SELECT 1 AS col_1:int32 FROM input WHERE ((qty < 1) OR (qty <= 2) OR (qty > 3))");
  EXPECT_EQ(bound("SELECT name IS NULL, name IS NOT NULL FROM input"),
            "SELECT (name IS NULL) AS col_1:bool, (name IS NOT NULL) AS col_2:bool FROM input");
  EXPECT_EQ(bound("SELECT qty IN (1, 2), qty NOT IN (3) FROM input"),
            "SELECT (qty IN (1, 2)) AS col_1:bool, (qty NOT IN (3)) AS col_2:bool FROM input");
  EXPECT_EQ(bound("SELECT qty BETWEEN 1 AND 5, qty NOT BETWEEN 1 AND 5 FROM input"),
            "SELECT (qty BETWEEN 1 AND 5) AS col_1:bool, (qty NOT BETWEEN 1 AND 5) AS col_2:bool FROM input");
  EXPECT_EQ(bound("SELECT name LIKE 'a%', name NOT LIKE '_b' FROM input"),
            "SELECT (name LIKE 'a%') AS col_1:bool, (name NOT LIKE '_b') AS col_2:bool FROM input");
  EXPECT_EQ(bound("SELECT CASE WHEN qty > 1 THEN 'big' ELSE 'small' END FROM input"),
            "SELECT CASE WHEN (qty > 1) THEN 'big' ELSE 'small' END AS col_1:text FROM input");
  EXPECT_EQ(bound("SELECT CASE qty WHEN 1 THEN 10 WHEN 2 THEN 20 END FROM input"),
            "SELECT CASE WHEN (qty = 1) THEN 10 WHEN (qty = 2) THEN 20 END AS col_1:int32 FROM input");
  EXPECT_EQ(bound("SELECT CAST(qty AS text), qty::bigint, amount::decimal(8,2) FROM input"),
            "SELECT CAST(qty AS text) AS col_1:text, CAST(qty AS int64) AS col_2:int64, "
            "CAST(amount AS decimal(8,2)) AS col_3:decimal(8,2) FROM input");
  EXPECT_EQ(bound("SELECT COALESCE(name, 'x'), UPPER(name), LOWER(name), LENGTH(name) FROM input"),
            "SELECT coalesce(name, 'x') AS col_1:text, upper(name) AS col_2:text, lower(name) AS col_3:text, "
            "length(name) AS col_4:int32 FROM input");
  EXPECT_EQ(bound("SELECT SUBSTR(name, 2), SUBSTR(name, 1, 2), CONCAT(name, qty) FROM input"),
            "SELECT substr(name, 2) AS col_1:text, substr(name, 1, 2) AS col_2:text, "
            "concat(name, CAST(qty AS text)) AS col_3:text FROM input");
  EXPECT_EQ(
      bound("SELECT ABS(qty), ROUND(amount), ROUND(price, 1) FROM input"),
      "SELECT abs(qty) AS col_1:int32, round(amount) AS col_2:float64, round(price, 1) AS col_3:decimal "
      "FROM input");
  EXPECT_EQ(bound("SELECT EXTRACT(EPOCH FROM ts) AS e FROM input"),
            "SELECT extract('epoch', ts) AS e:decimal FROM input");
  EXPECT_EQ(bound("SELECT \"name\" AS \"Full Name\" FROM input"), "SELECT name AS Full Name:text FROM input");
}

TEST(SqlCompile, LiteralsGetPostgresTypes) {
  auto q = compile_ok("SELECT 1, 3000000000, 1.25, 1e3, 'it''s', TRUE, FALSE, NULL FROM input",
                      sample_table().schema);
  const Schema& s = q.output_schema();
  EXPECT_EQ(s.field(0).type, DataType{TypeId::int32});
  EXPECT_EQ(s.field(1).type, DataType{TypeId::int64});
  EXPECT_EQ(s.field(2).type, (DataType{TypeId::decimal, 0, 2}));
  EXPECT_EQ(s.field(3).type, DataType{TypeId::float64});
  EXPECT_EQ(s.field(4).type, DataType{TypeId::text});
  EXPECT_EQ(s.field(5).type, DataType{TypeId::boolean});
  EXPECT_EQ(s.field(7).type, DataType{TypeId::text});
  EXPECT_TRUE(s.field(7).nullable);
  EXPECT_FALSE(s.field(0).nullable);
  EXPECT_EQ(bound("SELECT 'it''s' AS s FROM input"), "SELECT 'it''s' AS s:text FROM input");
}

TEST(SqlCompile, PromotesNumericTypes) {
  // The query owns the schema: keep it alive while `s` is used.
  const auto q = compile_ok(
      "SELECT small + small, small + qty, qty + id, id + price, price + amount, "
      "price * price, price / 3, qty / 2 FROM input",
      sample_table().schema);
  const Schema& s = q.output_schema();
  EXPECT_EQ(s.field(0).type, DataType{TypeId::int16});
  EXPECT_EQ(s.field(1).type, DataType{TypeId::int32});
  EXPECT_EQ(s.field(2).type, DataType{TypeId::int64});
  EXPECT_EQ(s.field(3).type, (DataType{TypeId::decimal, 0, 2}));
  EXPECT_EQ(s.field(4).type, DataType{TypeId::float64});
  EXPECT_EQ(s.field(5).type, (DataType{TypeId::decimal, 0, 4}));
  EXPECT_EQ(s.field(6).type, (DataType{TypeId::decimal, 0, 6}));
  EXPECT_EQ(s.field(7).type, DataType{TypeId::int32});
}

TEST(SqlCompile, StringLiteralsTakeTheTypeOfTheirContext) {
  EXPECT_EQ(bound("SELECT 1 FROM input WHERE day > '2024-01-01' AND ts < '2024-01-01 10:00:00'"),
            "SELECT 1 AS col_1:int32 FROM input WHERE ((day > '2024-01-01'::date) AND "
            "(ts < '2024-01-01 10:00:00'::timestamp))");
  EXPECT_EQ(bound("SELECT 1 FROM input WHERE day < ts"),
            "SELECT 1 AS col_1:int32 FROM input WHERE (CAST(day AS timestamp) < ts)");
}

TEST(SqlCompile, ConstantsAreFolded) {
  EXPECT_EQ(bound("SELECT 1 + 2 * 3 AS x, -5 AS y, UPPER('a') || 'b' AS z FROM input"),
            "SELECT 7 AS x:int32, -5 AS y:int32, 'Ab' AS z:text FROM input");
}

// ---- errors ------------------------------------------------------------------------

TEST(SqlCompileErrors, UnknownColumnSuggestsClosestName) {
  auto e = first_error("SELECT id, nmae FROM input");
  EXPECT_EQ(e.offset, 11u);
  EXPECT_EQ(e.message, "unknown column 'nmae'; did you mean 'name'?");
  auto e2 = first_error("SELECT id FROM input WHERE zzzzzz > 1");
  EXPECT_EQ(e2.offset, 27u);
  EXPECT_EQ(e2.message, "unknown column 'zzzzzz'");
}

TEST(SqlCompileErrors, QuotedNamesAreCaseSensitive) {
  auto e = first_error("SELECT \"NAME\" FROM input");
  EXPECT_EQ(e.offset, 7u);
  EXPECT_EQ(e.message, "unknown column 'NAME'; did you mean 'name'?");
}

TEST(SqlCompileErrors, ReportsEveryErrorInOffsetOrder) {
  auto errors = compile_errors("SELECT nope1, id, nope2 FROM input WHERE nope3", sample_table().schema);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].offset, 7u);
  EXPECT_EQ(errors[1].offset, 18u);
  EXPECT_EQ(errors[2].offset, 41u);
}

TEST(SqlCompileErrors, TypeMismatchPointsAtTheOperator) {
  auto e = first_error("SELECT 1 FROM input WHERE name = id");
  EXPECT_EQ(e.offset, 31u);
  EXPECT_EQ(e.message, "cannot compare text with int64");
  auto e2 = first_error("SELECT name + 1 FROM input");
  EXPECT_EQ(e2.offset, 12u);
  EXPECT_EQ(e2.message, "cannot apply '+' to text and int32");
  auto e3 = first_error("SELECT 1 FROM input WHERE qty IN (1, name)");
  EXPECT_EQ(e3.offset, 30u);
  EXPECT_EQ(e3.message, "cannot compare int32 with text");
  auto e4 = first_error("SELECT 1 FROM input WHERE flag BETWEEN 1 AND 2");
  EXPECT_EQ(e4.message, "cannot compare bool with int32");
}

TEST(SqlCompileErrors, WhereMustBeBoolean) {
  auto e = first_error("SELECT id FROM input WHERE qty + 1");
  EXPECT_EQ(e.offset, 27u);
  EXPECT_EQ(e.message, "argument of WHERE must be bool, not int32");
  auto e2 = first_error("SELECT id FROM input WHERE flag AND qty");
  EXPECT_EQ(e2.offset, 36u);
  EXPECT_EQ(e2.message, "argument of AND must be bool, not int32");
}

TEST(SqlCompileErrors, FunctionArityAndUnknownFunctions) {
  auto e = first_error("SELECT UPPER(name, name) FROM input");
  EXPECT_EQ(e.offset, 7u);
  EXPECT_EQ(e.message, "UPPER expects 1 argument, got 2");
  auto e2 = first_error("SELECT SUBSTR(name) FROM input");
  EXPECT_EQ(e2.message, "SUBSTR expects 2 or 3 arguments, got 1");
  auto e3 = first_error("SELECT id, uper(name) FROM input");
  EXPECT_EQ(e3.offset, 11u);
  EXPECT_EQ(e3.message, "unknown function 'uper'; did you mean 'UPPER'?");
  auto e4 = first_error("SELECT COALESCE() FROM input");
  EXPECT_EQ(e4.message, "COALESCE expects at least 1 arguments, got 0");
  auto e5 = first_error("SELECT UPPER(qty) FROM input");
  EXPECT_EQ(e5.offset, 13u);
  EXPECT_EQ(e5.message, "UPPER needs text, not int32");
  auto e6 = first_error("SELECT ROUND(amount, qty) FROM input");
  EXPECT_EQ(e6.offset, 21u);
}

TEST(SqlCompileErrors, CastsAndLiterals) {
  auto e = first_error("SELECT CAST(name AS blob) FROM input");
  EXPECT_EQ(e.offset, 20u);
  EXPECT_EQ(e.message, "unknown type 'blob'");
  auto e2 = first_error("SELECT flag::date FROM input");
  EXPECT_EQ(e2.offset, 13u);
  EXPECT_EQ(e2.message, "cannot cast bool to date");
  auto e3 = first_error("SELECT 1 FROM input WHERE day > '2024-13-01'");
  EXPECT_EQ(e3.offset, 32u);
  EXPECT_EQ(e3.message, "invalid input syntax for type date: \"2024-13-01\"");
  auto e4 = first_error("SELECT 1 / 0 FROM input");
  EXPECT_EQ(e4.offset, 7u);
  EXPECT_EQ(e4.message, "division by zero");
}

TEST(SqlCompileErrors, CaseResultsMustMatch) {
  auto e = first_error("SELECT CASE WHEN flag THEN 1 ELSE name END FROM input");
  EXPECT_EQ(e.offset, 7u);
  EXPECT_EQ(e.message, "cannot match CASE result int32 with text");
  auto e2 = first_error("SELECT CASE WHEN qty THEN 1 END FROM input");
  EXPECT_EQ(e2.offset, 17u);
  EXPECT_EQ(e2.message, "argument of CASE WHEN must be bool, not int32");
}

TEST(SqlCompileErrors, ExtractField) {
  auto e = first_error("SELECT EXTRACT(YEARS_AGO FROM ts) FROM input");
  EXPECT_EQ(e.offset, 15u);
  EXPECT_EQ(e.message, "unit \"years_ago\" not recognized for type timestamp");
  auto e2 = first_error("SELECT EXTRACT(EPOCH FROM name) FROM input");
  EXPECT_EQ(e2.offset, 26u);
  EXPECT_EQ(e2.message, "EXTRACT needs a date or timestamp, not text");
}

TEST(SqlSyntaxErrors, ExpectedTokensWithOffsets) {
  struct Case {
    const char* query;
    size_t offset;
    const char* message;
  };
  const Case cases[] = {
      {"SELECT id input", 15, "expected FROM"},  // `input` is an alias
      {"SELECT id + 1 2 3 FROM input", 14, "expected FROM"},
      {"SELECT id, FROM input", 11, "expected expression"},
      {"SELECT id FROM input WHERE", 26, "expected expression"},
      {"SELECT id FROM input WHERE id >", 31, "expected expression"},
      {"SELECT id FROM input extra stuff", 21, "expected end of query"},
      {"  UPDATE input", 2, "expected SELECT"},
      {"", 0, "expected SELECT"},
      {"SELECT (id FROM input", 11, "expected ')'"},
      {"SELECT 'abc FROM input", 22, "expected closing quote"},
      {"SELECT CAST(id text) FROM input", 15, "expected AS"},
      {"SELECT CASE WHEN flag THEN 1 FROM input", 29, "expected END"},
      {"SELECT CASE flag END FROM input", 17, "expected WHEN"},
      {"SELECT id FROM", 14, "expected identifier"},
      {"SELECT id FROM input WHERE name IS 3", 35, "expected NULL"},
      {"SELECT id FROM input WHERE qty IN 3", 34, "expected '('"},
      {"SELECT id FROM input WHERE qty BETWEEN 1 OR 2", 41, "expected AND"},
      {"SELECT id::", 11, "expected type name"},
      {"SELECT EXTRACT(EPOCH ts) FROM input", 21, "expected FROM"},
  };
  for (const auto& c : cases) {
    auto errors = compile_errors(c.query, sample_table().schema);
    ASSERT_EQ(errors.size(), 1u) << c.query;
    EXPECT_EQ(errors[0].offset, c.offset) << c.query;
    EXPECT_EQ(errors[0].message, c.message) << c.query;
  }
}

TEST(SqlSyntaxErrors, UnknownTable) {
  auto e = first_error("SELECT id FROM orders");
  EXPECT_EQ(e.offset, 15u);
  EXPECT_EQ(e.message, "unknown table 'orders'; a sql transform reads FROM input");
}

TEST(SqlSyntaxErrors, FormatsWithLineColumnAndCaret) {
  std::string query = "SELECT id\nFROM input\nWHERE nmae = 1";
  auto errors = compile_errors(query, sample_table().schema);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(format_sql_error(query, errors[0]),
            "3:7: error: unknown column 'nmae'; did you mean 'name'?\nWHERE nmae = 1\n      ^\n");
}

}  // namespace
}  // namespace rbc::sql_test
