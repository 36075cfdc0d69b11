// Hostile queries: nesting past max_expression_depth is one located error, never a stack
// overflow in the parser, binder, evaluator or printer; long AND/OR chains bind in linear
// time; `--` comments are skipped; an output column name may appear once.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/unit/sql/sql_test_support.h"

namespace rbc::sql_test {
namespace {

std::string repeat(const std::string& text, size_t times) {
  std::string out;
  out.reserve(text.size() * times);
  for (size_t i = 0; i < times; ++i) out += text;
  return out;
}

// The one error of `query`, as "offset: message".
std::string only_error(const std::string& query) {
  auto errors = compile_errors(query, sample_table().schema);
  if (errors.size() != 1) return std::to_string(errors.size()) + " errors";
  return std::to_string(errors[0].offset) + ": " + errors[0].message;
}

const std::string too_deep = "expression nested deeper than 500 levels";

TEST(SqlLimits, NestingPastTheLimitIsOneLocatedError) {
  const std::string where = "SELECT id FROM input WHERE ";  // 27 bytes
  // NOT x 20,000 crashed the binder, NOT x 8,000 the evaluator. The error points at the
  // operand that would be level 501: after the 500th NOT, the 500th '(' and sign, and
  // the condition of the 500th CASE.
  const std::string after_500th_not = std::to_string(27 + 500 * 4) + ": ";
  EXPECT_EQ(only_error(where + repeat("NOT ", 20000) + "flag"), after_500th_not + too_deep);
  EXPECT_EQ(only_error(where + repeat("NOT ", 8000) + "flag"), after_500th_not + too_deep);
  EXPECT_EQ(only_error("SELECT " + repeat("(", 20000) + "1" + repeat(")", 20000) + " FROM input"),
            std::to_string(7 + 500) + ": " + too_deep);
  EXPECT_EQ(only_error("SELECT " + repeat("- ", 20000) + "1 FROM input"),
            std::to_string(7 + 500 * 2) + ": " + too_deep);
  EXPECT_EQ(only_error("SELECT " + repeat("CASE WHEN flag THEN ", 2000) + "1" + repeat(" END", 2000) +
                       " FROM input"),
            std::to_string(7 + 499 * 20 + 10) + ": " + too_deep);
}

TEST(SqlLimits, LongOperatorChainsAndCastsCountEveryLevel) {
  // `1 + 1 + ...` binds left-deep: the 501st operator from the right is too deep.
  std::string sum = "SELECT 1" + repeat(" + 1", 10000) + " FROM input";
  EXPECT_EQ(only_error(sum), std::to_string(8 + 9499 * 4 + 1) + ": " + too_deep);
  std::string casts = "SELECT id" + repeat("::int8", 5000) + " FROM input";
  EXPECT_EQ(only_error(casts), "7: " + too_deep);
  // At the limit it compiles, evaluates and prints.
  std::string deepest = "SELECT " + repeat("(", 499) + "qty" + repeat(")", 499) + repeat(" + 1", 499) +
                        " AS n" + " FROM input WHERE " + repeat("NOT ", 497) + "flag IS NULL";
  EXPECT_EQ(eval_column(deepest, 0), (std::vector<std::string>{"502", "499", "NULL", "497"}));
}

TEST(SqlLimits, LongAndChainsAreOneNodeBoundInLinearTime) {
  auto started = std::chrono::steady_clock::now();
  std::string query =
      "SELECT id FROM input WHERE id > 0" + repeat(" AND id > 0", 10000) + repeat(" OR flag", 10000);
  EXPECT_EQ(eval_column(query, 0), (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  // It took 22 s when every AND was a node holding the text of the chain before it.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(eval_column("SELECT id FROM input WHERE flag AND id > 0 AND qty > 0 OR id = 5", 0),
            (std::vector<std::string>{"1", "5"}));
}

TEST(SqlLimits, NestedKeywordCallsParseInPolynomialTime) {
  // TRIM(x) and POSITION(...) without IN are parsed again as plain calls: each level of
  // nesting doubled the work until a failed keyword form was remembered.
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(
      eval_column("SELECT " + repeat("TRIM(", 300) + "' x '" + repeat(")", 300) + " AS t FROM input", 0),
      (std::vector<std::string>{"x", "x", "x", "x", "x"}));
  auto result = compile_sql("SELECT " + repeat("POSITION(", 300) + "'a'" + repeat(")", 300) + " FROM input",
                            sample_table().schema);
  EXPECT_TRUE(std::holds_alternative<std::vector<SqlError>>(result));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(SqlLimits, DashDashCommentsAreSkippedAsInPostgres) {
  EXPECT_EQ(eval_column("SELECT id -- the key\n, qty * 2 AS q -- doubled\nFROM input -- all rows", 1),
            (std::vector<std::string>{"6", "0", "14", "NULL", "-4"}));
  EXPECT_EQ(eval_column("SELECT '--not a comment' AS s FROM input WHERE id = 1", 0),
            (std::vector<std::string>{"--not a comment"}));
  EXPECT_EQ(only_error("SELECT id -- FROM input"), "10: expected FROM");
}

TEST(SqlLimits, AnOutputColumnNameAppearsOnce) {
  const std::string twice =
      "column 'id' specified more than once in the select list; give one an alias (AS ...)";
  EXPECT_EQ(only_error("SELECT id, id FROM input"), "11: " + twice);
  EXPECT_EQ(only_error("SELECT *, qty AS id FROM input"), "14: " + twice);  // at "AS id"
  EXPECT_EQ(only_error("SELECT qty AS id, * FROM input"), "18: " + twice);  // at the star
  EXPECT_EQ(compile_ok("SELECT id, id AS id2 FROM input", sample_table().schema).output_schema().names(),
            (std::vector<std::string>{"id", "id2"}));
}

}  // namespace
}  // namespace rbc::sql_test
