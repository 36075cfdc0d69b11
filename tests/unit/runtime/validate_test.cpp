// The validate operator's rules and its fail / skip / dlq behaviour.
#include "operators/validate/validate.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace rbc {
namespace {

std::shared_ptr<const Schema> schema() {
  return std::make_shared<Schema>(
      std::vector<Field>{{"id", DataType{TypeId::int64}, true}, {"email", DataType{TypeId::text}, true}});
}

Batch rows(const std::vector<std::pair<std::optional<int64_t>, std::optional<std::string>>>& values) {
  Batch batch = Batch::empty(schema());
  for (const auto& [id, email] : values) {
    if (id)
      batch.columns[0].append<int64_t>(*id);
    else
      batch.columns[0].append_null();
    if (email)
      batch.columns[1].append_string(*email);
    else
      batch.columns[1].append_null();
    ++batch.num_rows;
  }
  return batch;
}

nlohmann::json rules(nlohmann::json list) { return {{"rules", std::move(list)}}; }

TEST(Validate, FailNamesTheRowAndRule) {
  auto v = Validator::make(rules({{{"assert_not_null", {"email"}}}}), schema(), {});
  ASSERT_TRUE(v.is_ok()) << v.status().message();
  auto out = (*v)->process(rows({{1, "a@x"}, {2, std::nullopt}}), 7);
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().message(),
            "validate: assert_not_null(email) failed at batch 7 row 1: {\"id\":2,\"email\":null}");
}

TEST(Validate, SkipDropsViolatingRows) {
  ValidateOptions options;
  options.on_data_error = OnDataError::skip;
  auto v = Validator::make(rules({{{"assert_regex", {{"field", "email"}, {"pattern", "[a-z]+@[a-z]+"}}}},
                                  {{"assert_range", {{"field", "id"}, {"min", 2}, {"max", 10}}}}}),
                           schema(), options);
  ASSERT_TRUE(v.is_ok()) << v.status().message();
  EXPECT_FALSE((*v)->stateful());
  auto out = (*v)->process(rows({{1, "a@x"}, {2, "b@y"}, {3, "bad"}, {4, std::nullopt}, {11, "c@z"}}), 0);
  ASSERT_TRUE(out.is_ok());
  ASSERT_EQ(out->num_rows, 2u);
  EXPECT_EQ(out->columns[0].value<int64_t>(0), 2);
  EXPECT_EQ(out->columns[0].value<int64_t>(1), 4);  // NULL passes assert_regex
  EXPECT_EQ((*v)->rejected_rows(), 3u);
}

TEST(Validate, UniqueIsStatefulAcrossBatches) {
  ValidateOptions options;
  options.on_data_error = OnDataError::skip;
  auto v = Validator::make(rules({{{"assert_unique", {"id"}}}}), schema(), options);
  ASSERT_TRUE(v.is_ok());
  EXPECT_TRUE((*v)->stateful());
  EXPECT_EQ((*v)->process(rows({{1, "a"}, {2, "b"}, {1, "c"}}), 0)->num_rows, 2u);
  EXPECT_EQ((*v)->process(rows({{2, "d"}, {3, "e"}}), 1)->num_rows, 1u);
}

TEST(Validate, DeadLettersListEveryFailedRule) {
  std::string path = ::testing::TempDir() + "/validate_dlq_test.jsonl";
  std::remove(path.c_str());
  ValidateOptions options{OnDataError::dlq, path, "p", "s"};
  auto v = Validator::make(
      rules({{{"assert_not_null", {"email"}}}, {{"assert_range", {{"field", "id"}, {"max", 5}}}}}), schema(),
      options);
  ASSERT_TRUE(v.is_ok());
  auto out = (*v)->process(rows({{9, std::nullopt}, {1, "ok"}}), 0);
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(out->num_rows, 1u);
  v->reset();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            "{\"pipeline\":\"p\",\"stream\":\"s\",\"record\":{\"id\":9,\"email\":null},\"errors\":[{\"rule\":"
            "\"assert_not_null(email)\"},{\"rule\":\"assert_range(id <= 5)\"}]}\n");
  std::remove(path.c_str());
}

TEST(Validate, BadRulesAreErrors) {
  EXPECT_FALSE(Validator::make(rules({{{"assert_not_null", {"nope"}}}}), schema(), {}).is_ok());
  EXPECT_FALSE(
      Validator::make(rules({{{"assert_regex", {{"field", "email"}, {"pattern", "("}}}}}), schema(), {})
          .is_ok());
  EXPECT_FALSE(
      Validator::make(rules({{{"assert_range", {{"field", "id"}, {"min", "x"}}}}}), schema(), {}).is_ok());
  EXPECT_FALSE(Validator::make(rules({{{"assert_sorted", {"id"}}}}), schema(), {}).is_ok());
  EXPECT_FALSE(Validator::make({{"nothing", 1}}, schema(), {}).is_ok());
}

}  // namespace
}  // namespace rbc
