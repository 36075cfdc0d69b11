// PostgreSQL's binary COPY counts timestamps from 2000, rbc from 1970: values at the
// end of PostgreSQL's range do not fit and are an error, infinities stay infinite.
// The decoder is fed hand-made COPY streams, so no server is needed.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "connectors/postgres/pg_copy.h"

namespace rbc {
namespace {

void put_be(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// A COPY stream of one timestamp column with one row of `micros` (PostgreSQL's epoch).
std::string copy_stream(int64_t micros) {
  std::string out("PGCOPY\n\377\r\n\0", 11);
  put_be(out, 0, 4);  // flags
  put_be(out, 0, 4);  // header extension
  put_be(out, 1, 2);  // one field
  put_be(out, 8, 4);
  put_be(out, static_cast<uint64_t>(micros), 8);
  put_be(out, 0xffff, 2);  // trailer
  return out;
}

Result<int64_t> decode(int64_t micros) {
  pg::CopyDecoder decoder({pg::WireKind::timestamp}, {DataType{TypeId::timestamp}}, {"ts"});
  Batch batch;
  batch.schema = std::make_shared<const Schema>(Schema({{"ts", DataType{TypeId::timestamp}, true}}));
  batch.columns.emplace_back(DataType{TypeId::timestamp});
  std::string stream = copy_stream(micros);
  RBC_RETURN_NOT_OK(decoder.feed(stream.data(), stream.size(), batch));
  return batch.columns[0].value<int64_t>(0);
}

TEST(PostgresCopyRange, TimestampsPastRbcsRangeAreAnErrorNotAWrappedYear) {
  // 294276-12-31 23:59:59.999999, PostgreSQL's largest timestamp, became year -290278.
  const int64_t pg_max = 9223371331199999999;
  auto last = decode(pg_max);
  ASSERT_FALSE(last.is_ok());
  EXPECT_EQ(last.status().message(),
            "postgres: column \"ts\": timestamp out of rbc's range (it ends in the year 294247)");
  auto infinite = decode(std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(infinite.is_ok());
  EXPECT_EQ(*infinite, std::numeric_limits<int64_t>::max());
  auto epoch = decode(0);
  ASSERT_TRUE(epoch.is_ok());
  EXPECT_EQ(*epoch, pg::kPgEpochMicros);
}

}  // namespace
}  // namespace rbc
