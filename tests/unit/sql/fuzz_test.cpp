// Robustness: thousands of truncated and mutated queries never crash; each either
// compiles (and then evaluates to a result or an error) or reports errors with
// offsets inside the query.
#include <gtest/gtest.h>

#include <random>

#include "tests/unit/sql/sql_test_support.h"

namespace rbc::sql_test {
namespace {

const char* const seeds[] = {
    "SELECT id, UPPER(name) AS name, amount * 1.2 AS gross FROM input WHERE amount > 10",
    "SELECT CASE WHEN qty > 2 THEN 'big' WHEN qty IS NULL THEN NULL ELSE 'small' END AS size FROM input",
    "SELECT CAST(price AS text) || '-' || day::text, COALESCE(name, 'x') FROM input WHERE name LIKE 'a%'",
    "SELECT SUBSTR(name, 2, 3), ROUND(price, 1), ABS(qty), EXTRACT(EPOCH FROM ts) FROM input",
    "SELECT * FROM input WHERE qty NOT IN (1, 2, 3) AND amount NOT BETWEEN -1 AND 1 OR NOT flag",
    "SELECT \"id\" / qty, id % 2, -small FROM input WHERE ts > '2020-01-01' AND day <= '2024-01-01'",
};

const char* const fragments[] = {"(",    ")",     "'",      "\"",   ",",    "*",
                                 "-",    "::",    "NULL",   "AND",  "CASE", "END",
                                 "/",    "0",     "1.5e",   "IN (", "LIKE", "||",
                                 "FROM", "WHERE", "SELECT", " ",    "%",    "9999999999999999999999"};

void check(const std::string& query, const Table& t) {
  auto result = compile_sql(query, t.schema);
  if (auto* errors = std::get_if<std::vector<SqlError>>(&result)) {
    ASSERT_FALSE(errors->empty()) << query;
    for (const auto& e : *errors) {
      EXPECT_LE(e.offset, query.size()) << query;
      EXPECT_FALSE(e.message.empty()) << query;
      EXPECT_FALSE(format_sql_error(query, e).empty());
    }
  } else {
    auto out = std::get<CompiledQuery>(result).evaluate(t.batch);
    if (!out.is_ok()) {
      EXPECT_FALSE(out.status().message().empty()) << query;
    }
  }
}

TEST(SqlFuzz, TruncatedQueriesNeverCrash) {
  Table t = sample_table();
  for (const char* seed : seeds) {
    std::string query(seed);
    for (size_t n = 0; n <= query.size(); ++n) check(query.substr(0, n), t);
  }
}

TEST(SqlFuzz, MutatedQueriesNeverCrash) {
  Table t = sample_table();
  std::mt19937 random(12345);
  for (int i = 0; i < 4000; ++i) {
    std::string query = seeds[random() % std::size(seeds)];
    int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !query.empty(); ++e) {
      size_t at = random() % query.size();
      switch (random() % 4) {
        case 0: query.erase(at, 1 + random() % 5); break;
        case 1: query.insert(at, fragments[random() % std::size(fragments)]); break;
        case 2: query[at] = static_cast<char>(32 + random() % 95); break;
        case 3: query[at] = static_cast<char>(random() % 256); break;
      }
    }
    check(query, t);
  }
}

TEST(SqlFuzz, DeepNestingIsRejectedNotACrash) {
  Table t = sample_table();
  std::string deep = "SELECT " + std::string(5000, '(') + "1" + std::string(5000, ')') + " FROM input";
  auto errors = compile_errors(deep, t.schema);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, too_deep_message());
  std::string signs = "SELECT " + std::string(5000, '-') + "1 FROM input";
  EXPECT_EQ(compile_errors(signs, t.schema).size(), 1u);
  std::string nots = "SELECT 1 FROM input WHERE ";
  for (int i = 0; i < 5000; ++i) nots += "NOT ";
  nots += "TRUE";
  check(nots, t);
}

}  // namespace
}  // namespace rbc::sql_test
