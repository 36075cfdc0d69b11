// The scalar function table (expr/functions.h): its entries are well formed, calls
// resolve through it by name or alias in any case, "did you mean" draws on its names,
// and each entry's NULL rule decides whether a call can be NULL.
#include "expr/functions.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "expr/aggregates.h"
#include "tests/unit/sql/sql_test_support.h"

namespace rbc::sql_test {
namespace {

std::string first_error_message(const std::string& query) {
  auto errors = compile_errors(query, sample_table().schema);
  return errors.empty() ? std::string() : errors.front().message;
}

TEST(FunctionTable, EntriesAreWellFormed) {
  std::set<std::string> names;
  for (const sql::ScalarFunction& function : sql::scalar_functions()) {
    SCOPED_TRACE(function.name);
    EXPECT_FALSE(function.signatures.empty());
    EXPECT_NE(function.kernel == nullptr, function.lazy_kernel == nullptr) << "exactly one kernel";
    std::vector<std::string> spellings{function.name};
    spellings.insert(spellings.end(), function.aliases.begin(), function.aliases.end());
    for (const std::string& name : spellings) {
      EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_0123456789"), std::string::npos) << name;
      EXPECT_TRUE(names.insert(name).second) << name << " is in the table twice";
    }
    std::set<size_t> counts;
    for (const sql::Signature& signature : function.signatures) {
      EXPECT_FALSE(signature.params.empty());
      EXPECT_TRUE(counts.insert(signature.params.size()).second) << "two signatures of one argument count";
    }
  }
  EXPECT_EQ(names.size(), sql::scalar_function_names().size());
  // Aggregates: well formed too, and no name means both a scalar function and an aggregate.
  for (const sql::AggregateFunction& function : sql::aggregate_functions()) {
    SCOPED_TRACE(function.name);
    EXPECT_FALSE(function.signatures.empty());
    EXPECT_NE(function.make, nullptr);
    for (const std::string& name : sql::aggregate_function_names())
      EXPECT_EQ(sql::find_scalar_function(name), nullptr) << name;
  }
  EXPECT_GE(sql::aggregate_functions().size(), 12u);
}

TEST(FunctionTable, CallsResolveByNameOrAliasInAnyCase) {
  ASSERT_NE(sql::find_scalar_function("substr"), nullptr);
  EXPECT_EQ(sql::find_scalar_function("SubString"), sql::find_scalar_function("substr"));
  EXPECT_EQ(sql::find_scalar_function("nope"), nullptr);
  EXPECT_EQ(
      compile_ok("SELECT SubString(name, 2), lower(name) FROM input", sample_table().schema).to_string(),
      "SELECT substr(name, 2) AS col_1:text, lower(name) AS col_2:text FROM input");
}

TEST(FunctionTable, SuggestionsComeFromTheTable) {
  EXPECT_EQ(first_error_message("SELECT lenght(name) FROM input"),
            "unknown function 'lenght'; did you mean 'LENGTH'?");
  EXPECT_EQ(first_error_message("SELECT substrng(name, 1) FROM input"),
            "unknown function 'substrng'; did you mean 'SUBSTRING'?");
  EXPECT_EQ(first_error_message("SELECT Coalesc(name) FROM input"),
            "unknown function 'Coalesc'; did you mean 'COALESCE'?");
}

TEST(FunctionTable, NullRulesDecideNullability) {
  auto q = compile_ok(
      "SELECT UPPER(name), CONCAT(name, NULL), COALESCE(name, 'x'), COALESCE(name, name), ABS(id), "
      "ROUND(amount, 1) FROM input",
      sample_table().schema);
  const Schema& s = q.output_schema();
  EXPECT_TRUE(s.field(0).nullable);   // strict: name can be NULL
  EXPECT_FALSE(s.field(1).nullable);  // never
  EXPECT_FALSE(s.field(2).nullable);  // all_null: 'x' is not
  EXPECT_TRUE(s.field(3).nullable);
  EXPECT_FALSE(s.field(4).nullable);  // strict over a NOT NULL column
  EXPECT_TRUE(s.field(5).nullable);
}

TEST(FunctionTable, ArgumentRulesConvertAndReport) {
  EXPECT_EQ(first_error_message("SELECT SUBSTR(name, 'x') FROM input"),
            "invalid input syntax for type int64: \"x\"");
  EXPECT_EQ(first_error_message("SELECT SUBSTRING(name, amount) FROM input"),
            "SUBSTRING needs an integer, not float64");
  EXPECT_EQ(first_error_message("SELECT ABS(name) FROM input"), "ABS needs a number, not text");
  EXPECT_EQ(first_error_message("SELECT COALESCE(qty, name) FROM input"),
            "cannot mix COALESCE argument int32 with text");
  EXPECT_EQ(first_error_message("SELECT ROUND(amount, 99) FROM input"),
            "ROUND digits must be a constant integer between -38 and 38");
  EXPECT_EQ(first_error_message("SELECT ROUND() FROM input"), "ROUND expects 1 or 2 arguments, got 0");
}

}  // namespace
}  // namespace rbc::sql_test
