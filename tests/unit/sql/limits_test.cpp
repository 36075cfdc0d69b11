// Hostile queries: nesting past max_expression_depth is one located error, never a stack
// overflow in the parser, binder, evaluator or printer; long AND/OR chains bind in linear
// time; `--` comments are skipped; an output column name may appear once.
#include <gtest/gtest.h>
#include <pthread.h>

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

const std::string too_deep = "expression nested deeper than 256 levels";

TEST(SqlLimits, NestingPastTheLimitIsOneLocatedError) {
  const std::string where = "SELECT id FROM input WHERE ";  // 27 bytes
  // NOT x 20,000 crashed the binder, NOT x 8,000 the evaluator. The error points at the
  // operand that would be level 257: after the 256th NOT, the 256th '(' and sign, and
  // the condition of the 256th CASE.
  const std::string after_256th_not = std::to_string(27 + 256 * 4) + ": ";
  EXPECT_EQ(only_error(where + repeat("NOT ", 20000) + "flag"), after_256th_not + too_deep);
  EXPECT_EQ(only_error(where + repeat("NOT ", 8000) + "flag"), after_256th_not + too_deep);
  EXPECT_EQ(only_error("SELECT " + repeat("(", 20000) + "1" + repeat(")", 20000) + " FROM input"),
            std::to_string(7 + 256) + ": " + too_deep);
  EXPECT_EQ(only_error("SELECT " + repeat("- ", 20000) + "1 FROM input"),
            std::to_string(7 + 256 * 2) + ": " + too_deep);
  EXPECT_EQ(only_error("SELECT " + repeat("CASE WHEN flag THEN ", 2000) + "1" + repeat(" END", 2000) +
                       " FROM input"),
            std::to_string(7 + 255 * 20 + 10) + ": " + too_deep);
}

TEST(SqlLimits, LongOperatorChainsAndCastsCountEveryLevel) {
  // `1 + 1 + ...` binds left-deep: the 257th operator from the right is too deep.
  std::string sum = "SELECT 1" + repeat(" + 1", 10000) + " FROM input";
  EXPECT_EQ(only_error(sum), std::to_string(8 + 9743 * 4 + 1) + ": " + too_deep);
  std::string casts = "SELECT id" + repeat("::int8", 5000) + " FROM input";
  EXPECT_EQ(only_error(casts), "7: " + too_deep);
  // At the limit it compiles, evaluates and prints.
  std::string deepest = "SELECT " + repeat("(", 255) + "qty" + repeat(")", 255) + repeat(" + 1", 255) +
                        " AS n" + " FROM input WHERE " + repeat("NOT ", 253) + "flag IS NULL";
  EXPECT_EQ(eval_column(deepest, 0), (std::vector<std::string>{"258", "255", "NULL", "253"}));
}

TEST(SqlLimits, CompilingTheDeepestQueryNeedsLittleOfTheCallersStack) {
  // Parsing costs kilobytes of stack a level; a oneTBB worker has 4 MiB and a sanitizer
  // build's frames are larger. compile_sql runs on a stack of its own: here the caller
  // has 256 KiB, far less than 255 levels of CASE take.
  struct Call {
    std::string query;
    std::string output;
  } call{"SELECT " + repeat("CASE WHEN flag THEN ", 255) + "qty" + repeat(" END", 255) + " AS c FROM input",
         ""};
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, size_t{256} << 10);
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, &attributes,
                [](void* argument) -> void* {
                  auto* c = static_cast<Call*>(argument);
                  auto compiled = compile_sql(c->query, sample_table().schema);
                  c->output = std::holds_alternative<CompiledQuery>(compiled) ? "compiled" : "failed";
                  return nullptr;
                },
                &call),
            0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attributes);
  EXPECT_EQ(call.output, "compiled");
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
      eval_column("SELECT " + repeat("TRIM(", 200) + "' x '" + repeat(")", 200) + " AS t FROM input", 0),
      (std::vector<std::string>{"x", "x", "x", "x", "x"}));
  auto result = compile_sql("SELECT " + repeat("POSITION(", 200) + "'a'" + repeat(")", 200) + " FROM input",
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
