// The generator source: deterministic rows, any type, and partitions whose union is the
// single-partition output.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "connectors/generator/generator_source.h"
#include "data_test_support.h"

namespace rbc {
namespace {

using test::config_of;
using test::schema_of;

StreamRequest generator_request(uint64_t rows, uint64_t seed, int partitions = 1) {
  StreamRequest request;
  request.stream = "synthetic";
  request.config = config_of({{"rows", rows}, {"seed", seed}});
  request.declared_schema = schema_of({{"id", "int64"},
                                       {"flag", "bool"},
                                       {"small", "int16"},
                                       {"medium", "int32"},
                                       {"big", "int64"},
                                       {"f32", "float32"},
                                       {"f64", "float64"},
                                       {"amount", "decimal(12,2)"},
                                       {"name", "text"},
                                       {"blob", "bytes"},
                                       {"day", "date"},
                                       {"at", "timestamp"},
                                       {"at_tz", "timestamptz"},
                                       {"key", "uuid"},
                                       {"doc", "json"}});
  request.partition_count = partitions;
  request.max_batch_rows = 1000;
  return request;
}

std::vector<std::string> generate(const StreamRequest& request) {
  auto source = generator::make_generator_source();
  auto read = test::read_all(*source, request);
  EXPECT_TRUE(read.is_ok()) << read.status().message();
  return read.is_ok() ? test::rows_as_text(read->batches) : std::vector<std::string>{};
}

TEST(Generator, IsDeterministicAndSeedDependent) {
  auto first = generate(generator_request(2500, 7));
  ASSERT_EQ(first.size(), 2500u);
  EXPECT_EQ(first, generate(generator_request(2500, 7)));
  EXPECT_NE(first, generate(generator_request(2500, 8)));
  EXPECT_EQ(first[0].substr(0, 2), "1|");
  EXPECT_EQ(first[2499].substr(0, 5), "2500|");
}

TEST(Generator, BatchSizeDoesNotChangeRows) {
  auto request = generator_request(3000, 3);
  auto expected = generate(request);
  request.max_batch_rows = 17;
  EXPECT_EQ(generate(request), expected);
}

TEST(Generator, UnionOfPartitionsEqualsOnePartition) {
  auto expected = generate(generator_request(5003, 11));
  std::sort(expected.begin(), expected.end());
  for (PartitionMode mode : {PartitionMode::mod, PartitionMode::range}) {
    for (int partitions : {2, 3, 7, 16}) {
      auto request = generator_request(5003, 11, partitions);
      request.partition_mode = mode;
      auto rows = generate(request);
      std::sort(rows.begin(), rows.end());
      EXPECT_EQ(rows, expected) << partitions << " partitions";
    }
  }
}

TEST(Generator, ModPartitionHoldsRowsWithMatchingRemainder) {
  auto source = generator::make_generator_source();
  auto request = generator_request(100, 1, 4);
  ASSERT_TRUE(source->prepare(request).is_ok());
  auto reader = source->open(request, 3);
  ASSERT_TRUE(reader.is_ok());
  auto batch = (*reader)->next();
  ASSERT_TRUE(batch.is_ok() && batch->has_value());
  const Column& ids = (**batch).columns[0];
  ASSERT_EQ(ids.size(), 25u);
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ((ids.value<int64_t>(i) - 1) % 4, 3);
}

TEST(Generator, GeneratedValuesReadBackThroughTheCodecs) {
  // Every printed value must parse as its type again (the file sink relies on it).
  auto request = generator_request(500, 5);
  auto source = generator::make_generator_source();
  auto read = test::read_all(*source, request);
  ASSERT_TRUE(read.is_ok());
  std::string scratch;
  for (const auto& batch : read->batches) {
    for (size_t c = 0; c < batch.columns.size(); ++c) {
      Column copy(batch.columns[c].type());
      for (size_t r = 0; r < batch.num_rows; ++r) {
        std::string text;
        append_formatted_value(text, batch.columns[c], r);
        ASSERT_TRUE(append_parsed_value(copy, text, scratch)) << batch.schema->field(c).name << " " << text;
      }
      auto bytes = [](const Column& column) {
        return std::vector<uint8_t>(column.data().begin(), column.data().end());
      };
      EXPECT_EQ(bytes(copy), bytes(batch.columns[c])) << batch.schema->field(c).name;
    }
  }
}

TEST(Generator, ProjectionKeepsValuesAndCardinalityLimitsDistinctValues) {
  auto request = generator_request(1000, 9);
  auto full = generate(request);
  request.columns = {"name", "id"};
  auto projected = generate(request);
  ASSERT_EQ(projected.size(), full.size());
  for (size_t i = 0; i < full.size(); ++i) {
    // name is field 8 of the full row.
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t bar; (bar = full[i].find('|', start)) != std::string::npos; start = bar + 1) {
      parts.push_back(full[i].substr(start, bar - start));
    }
    ASSERT_EQ(projected[i], parts[8] + "|" + parts[0]);
  }

  StreamRequest keyed;
  keyed.config =
      config_of({{"rows", 10000},
                 {"columns", nlohmann::json::array({{{"station", "text"}}, {{"temperature", "float64"}}})},
                 {"cardinality", {{"station", 40}}}});
  auto rows = generate(keyed);
  std::set<std::string> stations;
  for (const auto& row : rows) stations.insert(row.substr(0, row.find('|')));
  EXPECT_EQ(stations.size(), 40u);
}

TEST(Generator, RejectsBadConfig) {
  auto source = generator::make_generator_source();
  StreamRequest request;
  request.config = config_of({{"rows", -1}});
  EXPECT_FALSE(source->prepare(request).is_ok());
  request.config = config_of({{"columns", nlohmann::json::array({{{"x", "nosuchtype"}}})}});
  EXPECT_FALSE(source->prepare(request).is_ok());
}

}  // namespace
}  // namespace rbc
