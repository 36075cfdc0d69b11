// Routing kernels: a hash router's lane for a row depends on the key's values only, spreads
// uniform keys fairly, never confuses key tuples that differ (lengths, NULL), and sends keys
// that one aggregation group holds together (-0.0 and 0.0, every NaN) to the same lane.
#include "operators/runtime/routing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace rbc {
namespace {

using Text = std::optional<std::string>;  // nullopt = NULL

Batch text_batch(DataType type, const std::vector<std::vector<Text>>& columns) {
  std::vector<Field> fields;
  for (size_t c = 0; c < columns.size(); ++c) fields.push_back(Field{"c" + std::to_string(c), type});
  Batch batch = Batch::empty(std::make_shared<const Schema>(Schema(fields)));
  for (size_t c = 0; c < columns.size(); ++c) {
    for (const Text& value : columns[c]) {
      if (value) {
        batch.columns[c].append_string(*value);
      } else {
        batch.columns[c].append_null();
      }
    }
  }
  batch.num_rows = columns.empty() ? 0 : columns[0].size();
  return batch;
}

template <typename T>
Batch fixed_batch(DataType type, const std::vector<std::optional<T>>& values) {
  Batch batch = Batch::empty(std::make_shared<const Schema>(Schema({Field{"v", type}})));
  for (const auto& value : values) {
    if (value) {
      batch.columns[0].append(*value);
    } else {
      batch.columns[0].append_null();
    }
  }
  batch.num_rows = values.size();
  return batch;
}

TEST(Routing, UniformKeysShareTheLanesFairly) {
  std::vector<Text> keys;
  for (int i = 0; i < 10000; ++i) keys.push_back("user_" + std::to_string(i));
  Batch batch = text_batch(DataType{TypeId::text}, {keys});
  auto lanes = rows_by_lane(batch, {0}, 4);
  ASSERT_EQ(lanes.size(), 4u);
  size_t total = 0;
  for (size_t lane = 0; lane < lanes.size(); ++lane) {
    EXPECT_LE(lanes[lane].size(), 3000u) << "lane " << lane << " holds more than 30% of the rows";
    EXPECT_GE(lanes[lane].size(), 2000u) << "lane " << lane << " holds less than 20% of the rows";
    // Each lane's rows in row order.
    EXPECT_TRUE(std::is_sorted(lanes[lane].begin(), lanes[lane].end()));
    total += lanes[lane].size();
  }
  EXPECT_EQ(total, 10000u);

  std::vector<std::optional<int64_t>> int_keys;
  for (int64_t i = 0; i < 10000; ++i) int_keys.emplace_back(i);
  auto int_lanes = rows_by_lane(fixed_batch<int64_t>(DataType{TypeId::int64}, int_keys), {0}, 4);
  for (size_t lane = 0; lane < int_lanes.size(); ++lane)
    EXPECT_LE(int_lanes[lane].size(), 3000u) << "int64 keys: lane " << lane << " holds more than 30%";
}

TEST(Routing, TheSameKeyAlwaysGoesToTheSameLane) {
  // The same keys in two batches, in other orders and with other neighbours.
  Batch first = text_batch(DataType{TypeId::text}, {{"a", "b", "c", std::nullopt, "a", "d"}});
  Batch second = text_batch(DataType{TypeId::text}, {{"d", std::nullopt, "x", "c", "b", "a", "a"}});
  auto lane_of = [](const Batch& batch, size_t row) { return hash_row(batch, {0}, row) % 4; };
  EXPECT_EQ(lane_of(first, 0), lane_of(first, 4));
  EXPECT_EQ(lane_of(first, 0), lane_of(second, 5));
  EXPECT_EQ(lane_of(first, 1), lane_of(second, 4));
  EXPECT_EQ(lane_of(first, 2), lane_of(second, 3));
  EXPECT_EQ(lane_of(first, 3), lane_of(second, 1));
  EXPECT_EQ(lane_of(first, 5), lane_of(second, 0));
  auto lanes = rows_by_lane(first, {0}, 4);
  for (const auto& rows : lanes) {
    bool has_first_a = std::find(rows.begin(), rows.end(), 0u) != rows.end();
    bool has_second_a = std::find(rows.begin(), rows.end(), 4u) != rows.end();
    EXPECT_EQ(has_first_a, has_second_a);
  }
  // The hash is a function of the values: the same across calls.
  EXPECT_EQ(hash_row(first, {0}, 1), hash_row(text_batch(DataType{TypeId::text}, {{"b"}}), {0}, 0));
}

TEST(Routing, DifferentKeyTuplesHashDifferently) {
  using namespace std::string_literals;
  // ("ab","c") vs ("a","bc"): the lengths tell them apart.
  Batch split = text_batch(DataType{TypeId::text}, {{"ab", "a"}, {"c", "bc"}});
  EXPECT_NE(hash_row(split, {0, 1}, 0), hash_row(split, {0, 1}, 1));
  // ("a\0","b") vs ("a","\0b"): a zero byte is not a separator.
  Batch zero = text_batch(DataType{TypeId::text}, {{"a\0"s, "a"}, {"b", "\0b"s}});
  ASSERT_EQ(zero.columns[0].string_at(0).size(), 2u);
  ASSERT_EQ(zero.columns[1].string_at(1).size(), 2u);
  EXPECT_NE(hash_row(zero, {0, 1}, 0), hash_row(zero, {0, 1}, 1));
  // NULL vs the one byte 0xff in a bytes column, and NULL vs the empty string.
  Batch bytes = text_batch(DataType{TypeId::bytes}, {{std::nullopt, "\xff"s, ""s}});
  EXPECT_NE(hash_row(bytes, {0}, 0), hash_row(bytes, {0}, 1));
  EXPECT_NE(hash_row(bytes, {0}, 0), hash_row(bytes, {0}, 2));
  EXPECT_NE(hash_row(bytes, {0}, 1), hash_row(bytes, {0}, 2));
  // (NULL, "x") vs ("x", NULL).
  Batch nulls = text_batch(DataType{TypeId::text}, {{std::nullopt, "x"}, {"x", std::nullopt}});
  EXPECT_NE(hash_row(nulls, {0, 1}, 0), hash_row(nulls, {0, 1}, 1));
  // A NULL int64 vs 0.
  Batch ints = fixed_batch<int64_t>(DataType{TypeId::int64}, {std::nullopt, int64_t{0}});
  EXPECT_NE(hash_row(ints, {0}, 0), hash_row(ints, {0}, 1));
}

// An aggregation groups -0.0 with 0.0 and every NaN together (expr/group_key.h, as
// PostgreSQL does), so its router must send them to the same lane.
TEST(Routing, FloatsOneGroupHoldsGoToOneLane) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double other_nan = -std::nan("7");
  Batch doubles = fixed_batch<double>(DataType{TypeId::float64}, {0.0, -0.0, nan, other_nan, 1.5});
  EXPECT_EQ(hash_row(doubles, {0}, 0), hash_row(doubles, {0}, 1));
  EXPECT_EQ(hash_row(doubles, {0}, 2), hash_row(doubles, {0}, 3));
  EXPECT_NE(hash_row(doubles, {0}, 0), hash_row(doubles, {0}, 4));
  EXPECT_NE(hash_row(doubles, {0}, 0), hash_row(doubles, {0}, 2));
  Batch floats = fixed_batch<float>(DataType{TypeId::float32},
                                    {0.0f, -0.0f, std::numeric_limits<float>::quiet_NaN(), -std::nanf("3")});
  EXPECT_EQ(hash_row(floats, {0}, 0), hash_row(floats, {0}, 1));
  EXPECT_EQ(hash_row(floats, {0}, 2), hash_row(floats, {0}, 3));
}

}  // namespace
}  // namespace rbc
