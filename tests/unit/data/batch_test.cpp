// Columns: appends, truncation, copies and moves keep the values and only the values;
// BatchCapacity reserves what the last batch needed.
#include "graph/batch.h"

#include <gtest/gtest.h>

#include <string>

namespace rbc {
namespace {

TEST(Column, AppendsTruncatesAndCopiesOnlyTheValues) {
  Column text(DataType{TypeId::text});
  text.reserve(1000, 64 * 1024);
  text.append_string("alpha");
  text.append_null();
  text.append_string("");
  text.append_string("gamma");
  text.truncate(3);
  text.append_string("delta");
  ASSERT_EQ(text.size(), 4u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(text.data().data()), text.data().size()), "alphadelta");
  EXPECT_TRUE(text.is_null(1));
  EXPECT_EQ(text.string_at(3), "delta");

  Column copy = text;
  EXPECT_EQ(copy.size(), 4u);
  EXPECT_EQ(copy.string_at(0), "alpha");
  EXPECT_TRUE(copy.is_null(1));
  EXPECT_EQ(copy.string_at(2), "");
  EXPECT_EQ(copy.string_at(3), "delta");
  EXPECT_LT(copy.memory_bytes(), 1024u);  // not the 64 KiB reserved in the original
  copy.append_string("more");             // a copy grows like any column
  EXPECT_EQ(copy.string_at(4), "more");
  EXPECT_EQ(text.size(), 4u);

  Column moved = std::move(text);
  EXPECT_EQ(moved.string_at(3), "delta");
  EXPECT_EQ(text.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(text.data().size(), 0u);
}

TEST(Column, FixedWidthValuesSurviveGrowth) {
  Column ints(DataType{TypeId::int64});
  for (int64_t i = 0; i < 10000; ++i) ints.append<int64_t>(i * 3);
  ints.append_null();
  ASSERT_EQ(ints.size(), 10001u);
  EXPECT_EQ(ints.data().size(), 10001u * sizeof(int64_t));
  EXPECT_EQ(ints.value<int64_t>(9999), 29997);
  EXPECT_TRUE(ints.is_null(10000));
  Column copy;
  copy = ints;
  EXPECT_EQ(copy.value<int64_t>(1234), 3702);
  EXPECT_TRUE(copy.is_null(10000));
}

TEST(BatchCapacity, ReservesWhatTheLastBatchNeeded) {
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{{"id", DataType{TypeId::int64}, true}, {"name", DataType{TypeId::text}, true}});
  BatchCapacity capacity;
  EXPECT_FALSE(capacity.known());
  Batch big = capacity.empty_batch(schema);
  for (int i = 0; i < 5000; ++i) {
    big.columns[0].append<int64_t>(i);
    big.columns[1].append_string("a name of some length");
    ++big.num_rows;
  }
  capacity.remember(big);
  EXPECT_TRUE(capacity.known());
  Batch next = capacity.empty_batch(schema);
  EXPECT_EQ(next.num_rows, 0u);
  EXPECT_EQ(next.columns[0].size(), 0u);
  EXPECT_GE(next.columns[0].memory_bytes(), 5000 * sizeof(int64_t));
  EXPECT_GE(next.columns[1].memory_bytes(), 5000u * 21);

  Batch small = capacity.empty_batch(schema);
  small.columns[0].append<int64_t>(1);
  small.columns[1].append_string("x");
  small.num_rows = 1;
  capacity.remember(small);  // one small batch: the next reserves little again
  EXPECT_LT(capacity.empty_batch(schema).memory_bytes(), 1024u);
}

}  // namespace
}  // namespace rbc
