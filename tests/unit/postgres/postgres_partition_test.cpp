// Partitioned reads: mod and range with 1, 2 and 4 partitions read the same multiset of
// rows (negative and NULL keys included), and all partitions share the leader's snapshot;
// the autotuner's key slices tile a stream the same way.
#include <algorithm>

#include "tests/unit/postgres/pg_test_util.h"

namespace rbc {
namespace {

using namespace rbc::pgtest;

// Reads `reader` to its end (a sliced reader: its slice's end) and appends the first column
// (int64 id) of every row to `ids`; every batch must hold at most `max_rows` rows (0: any).
void drain_ids(PartitionReader& reader, std::vector<int64_t>& ids, size_t max_rows = 0) {
  while (true) {
    auto batch = reader.next();
    EXPECT_TRUE(batch.is_ok()) << batch.status().message();
    if (!batch.is_ok() || !batch->has_value()) return;
    if (max_rows > 0) {
      EXPECT_LE((*batch)->num_rows, max_rows);
    }
    for (size_t r = 0; r < (*batch)->num_rows; ++r) ids.push_back((*batch)->columns[0].value<int64_t>(r));
  }
}

// A request to read `columns` of `stream` from the test source.
StreamRequest source_request(const std::string& stream, std::vector<std::string> columns) {
  StreamRequest req;
  req.pipeline = "partition-test";
  req.stream = stream;
  req.config = url_config(src_url());
  req.columns = std::move(columns);
  return req;
}

// Reads every partition of `stream` and returns the first column (int64 id) of every row.
std::vector<int64_t> read_ids(const std::string& stream, int partitions, PartitionMode mode,
                              std::vector<size_t>* per_partition = nullptr) {
  auto source = make_postgres_source();
  StreamRequest req = source_request(stream, {"id", "k"});
  req.partition_count = partitions;
  req.partition_mode = mode;
  req.partition_key = "k";
  req.max_batch_rows = 1000;
  auto schema = source->prepare(req);
  EXPECT_TRUE(schema.is_ok()) << schema.status().message();
  std::vector<int64_t> ids;
  // Every reader opens before any reads, as in a run.
  std::vector<std::unique_ptr<PartitionReader>> readers;
  for (int p = 0; p < partitions; ++p) {
    auto reader = source->open(req, p);
    EXPECT_TRUE(reader.is_ok()) << reader.status().message();
    if (!reader.is_ok()) return ids;
    readers.push_back(std::move(reader).value());
  }
  for (auto& reader : readers) {
    size_t before = ids.size();
    drain_ids(*reader, ids, 1000);
    if (per_partition) per_partition->push_back(ids.size() - before);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

class PostgresPartition : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!active_) return;
    sql(src_url()).exec("DROP TABLE IF EXISTS part_rows");
    sql(dst_url()).exec("DROP TABLE IF EXISTS part_rows");
  }
  // SQL naming part_rows reaches this process's own copy of the table.
  Sql sql(const std::string& url) const { return Sql(url, {"part_rows", table_}); }
  std::string table_ = "part_rows_" + std::to_string(getpid());
  bool active_ = false;
  void SetUp() override {
    RBC_REQUIRE_PG();
    active_ = true;
    Sql src = sql(src_url());
    src.exec("DROP TABLE IF EXISTS part_rows");
    src.exec("CREATE TABLE part_rows (id bigint PRIMARY KEY, k int, payload text)");
    // Keys span negatives, repeats and NULLs.
    src.exec(
        "INSERT INTO part_rows SELECT g, CASE WHEN g % 97 = 0 THEN NULL ELSE (g * 7919) % 20011 - 10000 END, "
        "md5(g::text) FROM generate_series(1, 20000) g");
    expected_ = read_sql_ids(src);
  }
  static std::vector<int64_t> read_sql_ids(Sql& sql) {
    std::vector<int64_t> ids;
    for (const auto& row : sql.rows("SELECT id FROM part_rows ORDER BY id"))
      ids.push_back(std::stoll(row[0]));
    return ids;
  }
  std::vector<int64_t> expected_;
};

TEST_F(PostgresPartition, ModAndRangeGiveIdenticalMultisets) {
  ASSERT_EQ(expected_.size(), 20000u);
  for (PartitionMode mode : {PartitionMode::mod, PartitionMode::range}) {
    for (int n : {1, 2, 4}) {
      std::vector<size_t> sizes;
      EXPECT_EQ(read_ids(table_, n, mode, &sizes), expected_)
          << (mode == PartitionMode::mod ? "mod " : "range ") << n;
      // Every partition does real work (the keys are spread out).
      for (size_t size : sizes) EXPECT_GT(size, 1000u);
    }
  }
}

// A reader's first batch holds 256 KiB of COPY data and each next one twice as much, up
// to max_batch_bytes, so that a sink gets rows soon after the COPY starts.
TEST_F(PostgresPartition, TheFirstBatchesStartSmallAndDoubleUpToMaxBatchBytes) {
  auto source = make_postgres_source();
  StreamRequest req = source_request(table_, {"id", "payload"});
  req.max_batch_rows = 1'000'000;
  req.max_batch_bytes = 512 << 10;
  ASSERT_TRUE(source->prepare(req).is_ok());
  auto reader = source->open(req, 0);
  ASSERT_TRUE(reader.is_ok()) << reader.status().message();
  std::vector<size_t> rows;
  while (true) {
    auto batch = (*reader)->next();
    ASSERT_TRUE(batch.is_ok()) << batch.status().message();
    if (!batch->has_value()) break;
    rows.push_back((*batch)->num_rows);
  }
  // A row is 50 bytes on the wire (a field count, and a length before the bigint and
  // before the 32-character md5): a batch ends at the first row that reaches its size.
  EXPECT_EQ(rows, (std::vector<size_t>{5243, 10486, 20000 - 5243 - 10486}));
}

TEST_F(PostgresPartition, EmptyTableAndSingleKeyRanges) {
  Sql src = sql(src_url());
  src.exec("DROP TABLE IF EXISTS part_small");
  src.exec("CREATE TABLE part_small (id bigint, k smallint)");
  EXPECT_TRUE(read_ids("part_small", 4, PartitionMode::range).empty());
  src.exec("INSERT INTO part_small VALUES (1, 5), (2, 5), (3, NULL)");
  EXPECT_EQ(read_ids("part_small", 4, PartitionMode::range), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(read_ids("part_small", 4, PartitionMode::mod), (std::vector<int64_t>{1, 2, 3}));
}

TEST_F(PostgresPartition, AllPartitionsReadTheLeadersSnapshot) {
  auto source = make_postgres_source();
  StreamRequest req = source_request(table_, {"id"});
  req.partition_count = 2;
  req.partition_key = "k";
  ASSERT_TRUE(source->prepare(req).is_ok());
  // Changes committed after prepare() are invisible to every partition.
  Sql src = sql(src_url());
  src.exec("INSERT INTO part_rows VALUES (100001, 1, 'late'), (100002, 2, 'late')");
  src.exec("DELETE FROM part_rows WHERE id <= 10");
  std::vector<std::unique_ptr<PartitionReader>> readers;
  for (int p = 0; p < 2; ++p) {
    auto reader = source->open(req, p);
    ASSERT_TRUE(reader.is_ok()) << reader.status().message();
    readers.push_back(std::move(reader).value());
  }
  std::vector<int64_t> ids;
  for (auto& reader : readers) drain_ids(*reader, ids);
  EXPECT_EQ(ids.size(), expected_.size());
}

// Reader 0 reads in the leader's transaction, which exported the snapshot: a stream read
// in N partitions holds N connections, not N + 1.
TEST_F(PostgresPartition, ReaderZeroReadsOnTheLeadersConnection) {
  std::string app = "rbc_leader_" + std::to_string(getpid());
  std::string url =
      src_url() + (src_url().find('?') == std::string::npos ? "?" : "&") + "application_name=" + app;
  auto source = make_postgres_source();
  StreamRequest req = source_request(table_, {"id"});
  req.config = url_config(url);
  req.partition_count = 3;
  req.partition_key = "k";
  source->connect_ahead(req.config, 3);
  ASSERT_TRUE(source->prepare(req).is_ok());
  std::vector<std::unique_ptr<PartitionReader>> readers;
  for (int p = 0; p < 3; ++p) {
    auto reader = source->open(req, p);
    ASSERT_TRUE(reader.is_ok()) << reader.status().message();
    readers.push_back(std::move(reader).value());
  }
  auto connections =
      sql(src_url()).rows("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app + "'");
  EXPECT_EQ(connections[0][0], "3");
  std::vector<int64_t> ids;
  for (auto& reader : readers) drain_ids(*reader, ids);
  EXPECT_EQ(ids.size(), expected_.size());
}

TEST_F(PostgresPartition, ANonIntegerKeyIsRejected) {
  auto source = make_postgres_source();
  StreamRequest req;
  req.stream = table_;
  req.config = url_config(src_url());
  req.partition_count = 2;
  req.partition_key = "payload";
  auto schema = source->prepare(req);
  ASSERT_FALSE(schema.is_ok());
  EXPECT_NE(schema.status().message().find("not an integer"), std::string::npos) << schema.status().message();
}

TEST_F(PostgresPartition, PartitionedCopyToTheSinkWithSmallFlushes) {
  Sql dst = sql(dst_url());
  dst.exec("DROP TABLE IF EXISTS part_rows");
  CopyOptions options;
  options.partitions = 4;
  options.partition_key = "k";
  options.partition_mode = PartitionMode::range;
  options.primary_key = {"id"};
  options.dst_config = url_config(dst_url());
  options.dst_config.values["copy_flush_bytes"] = 4096;
  Status status = copy_stream(table_, options);
  ASSERT_TRUE(status.is_ok()) << status.message();
  Sql src = sql(src_url());
  std::string digest =
      "SELECT count(*), sum(id), md5(string_agg(payload || coalesce(k::text, '-'), ',' ORDER BY id)) "
      "FROM part_rows";
  EXPECT_EQ(dst.rows(digest), src.rows(digest));
}

// The autotuner's requests: `readers` sliced readers of `table` by k (baseline 2), and
// opening them.
StreamRequest sliced_request(const std::string& table, int readers) {
  StreamRequest req = source_request(table, {"id"});
  req.partition_count = 2;
  req.partition_key = "k";
  req.sliced_readers = readers;
  return req;
}
void open_readers(Source& source, const StreamRequest& req,
                  std::vector<std::unique_ptr<PartitionReader>>& out) {
  for (int r = 0; r < req.sliced_readers; ++r) {
    auto reader = source.open(req, r);
    ASSERT_TRUE(reader.is_ok()) << reader.status().message();
    out.push_back(std::move(reader).value());
  }
}

// The autotuner's reading: readers opened for slices read nothing until given one, then one
// COPY per slice in the leader's snapshot; slices that tile the key span (mod within a
// window, sub-ranges, the NULL keys with the open tail) read every row exactly once.
TEST_F(PostgresPartition, KeySlicesTileTheStreamInOneSnapshot) {
  auto source = make_postgres_source();
  StreamRequest req = sliced_request(table_, 3);
  ASSERT_TRUE(source->prepare(req).is_ok());
  Sql src = sql(src_url());
  src.exec("INSERT INTO part_rows VALUES (100001, 1, 'late')");  // after the snapshot
  std::optional<KeySpan> span = source->key_span(req);
  ASSERT_TRUE(span.has_value());
  auto bounds = src.rows("SELECT min(k), max(k) FROM part_rows WHERE id <> 100001");
  EXPECT_EQ(span->min, std::stoll(bounds[0][0]));
  EXPECT_EQ(span->max, std::stoll(bounds[0][1]));
  EXPECT_FALSE(span->empty);

  std::vector<std::unique_ptr<PartitionReader>> readers;
  ASSERT_NO_FATAL_FAILURE(open_readers(*source, req, readers));
  std::vector<int64_t> ids;
  auto read = [&](int r, const KeySlice& slice, size_t batch_rows) {
    ASSERT_TRUE(readers[r]->start_slice(slice, batch_rows).is_ok());
    drain_ids(*readers[r], ids, batch_rows);
  };
  int64_t a = span->min + 3000, b = span->min + 9000;
  // [min, a) by mod over three readers, [a, b) by two sub-ranges, the rest with the NULLs.
  for (int r = 0; r < 3; ++r) read(r, KeySlice{span->min, a, 3, r, false, {}, {}}, 100);
  read(0, KeySlice{a, (a + b) / 2, 1, 0, false, {}, {}}, 0);
  read(1, KeySlice{(a + b) / 2, b, 1, 0, false, {}, {}}, 0);
  read(2, KeySlice{b, std::nullopt, 1, 0, true, {}, {}}, 0);
  for (auto& reader : readers) EXPECT_TRUE(reader->finish_slices().is_ok());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, expected_);
}

// Block windows: slices of heap block ranges, each split by the key, read every row
// visible in the snapshot exactly once (a row updated after it has a second version in
// another block, which the snapshot does not see).
TEST_F(PostgresPartition, BlockSlicesTileTheStreamInOneSnapshot) {
  auto source = make_postgres_source();
  StreamRequest req = sliced_request(table_, 3);
  ASSERT_TRUE(source->prepare(req).is_ok());
  Sql src = sql(src_url());
  src.exec("INSERT INTO part_rows VALUES (100001, 1, 'late')");
  src.exec("UPDATE part_rows SET payload = 'moved' WHERE id <= 50");
  std::optional<KeySpan> span = source->key_span(req);
  ASSERT_TRUE(span.has_value());
  auto blocks = src.rows("SELECT pg_relation_size('part_rows') / current_setting('block_size')::int8");
  // Measured before the insert and update, which added blocks.
  EXPECT_GT(span->blocks, 10);
  EXPECT_LT(span->blocks, std::stoll(blocks[0][0]));

  std::vector<std::unique_ptr<PartitionReader>> readers;
  ASSERT_NO_FATAL_FAILURE(open_readers(*source, req, readers));
  std::vector<int64_t> ids;
  auto read = [&](int r, KeySlice slice, std::optional<int64_t> block_lo, std::optional<int64_t> block_hi) {
    slice.block_lo = block_lo;
    slice.block_hi = block_hi;
    ASSERT_TRUE(readers[r]->start_slice(slice, 100).is_ok());
    drain_ids(*readers[r], ids, 100);
  };
  int64_t a = 4, b = 9, mid = (span->min + span->max) / 2;
  // Blocks [0, a) by mod over three readers, [a, b) by two key sub-ranges, the rest by mod 2.
  for (int r = 0; r < 3; ++r) read(r, KeySlice{std::nullopt, std::nullopt, 3, r, r == 0, {}, {}}, 0, a);
  read(0, KeySlice{std::nullopt, mid, 1, 0, true, {}, {}}, a, b);
  read(1, KeySlice{mid, std::nullopt, 1, 0, false, {}, {}}, a, b);
  for (int r = 0; r < 2; ++r)
    read(r, KeySlice{std::nullopt, std::nullopt, 2, r, r == 0, {}, {}}, b, std::nullopt);
  for (auto& reader : readers) EXPECT_TRUE(reader->finish_slices().is_ok());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, expected_);
}

TEST_F(PostgresPartition, WithoutAKeyOneSlicedReaderReadsTheWholeStream) {
  Sql src = sql(src_url());
  const std::string table = "part_nokey_" + std::to_string(getpid());
  src.exec("DROP TABLE IF EXISTS " + table);
  src.exec("CREATE TABLE " + table + " (id bigint, note text)");
  src.exec("INSERT INTO " + table + " VALUES (1, 'a'), (2, NULL), (3, 'c')");
  auto source = make_postgres_source();
  StreamRequest req;
  req.pipeline = "slice-test";
  req.stream = table;
  req.config = url_config(src_url());
  req.sliced_readers = 1;
  ASSERT_TRUE(source->prepare(req).is_ok());
  EXPECT_FALSE(source->key_span(req).has_value());
  auto reader = source->open(req, 0);
  ASSERT_TRUE(reader.is_ok()) << reader.status().message();
  EXPECT_FALSE((*reader)->start_slice(KeySlice{1, 2, 1, 0, false, {}, {}}, 0).is_ok());
  ASSERT_TRUE((*reader)->start_slice(KeySlice{}, 0).is_ok());
  std::vector<int64_t> ids;
  drain_ids(**reader, ids);
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_TRUE((*reader)->finish_slices().is_ok());
  src.exec("DROP TABLE " + table);
}

}  // namespace
}  // namespace rbc
