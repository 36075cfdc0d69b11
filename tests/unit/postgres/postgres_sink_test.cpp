// Write modes and incremental reads: replace twice leaves one copy (with its primary key),
// upsert twice after an update leaves the updated rows once, append adds, and an
// incremental read resumes after the saved (cursor, tie-breaker).
#include "tests/unit/postgres/pg_test_util.h"

namespace rbc {
namespace {

using namespace rbc::pgtest;

class PostgresSink : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!active_) return;
    sql(src_url()).exec("DROP TABLE IF EXISTS sink_rows");
    sql(dst_url()).exec("DROP TABLE IF EXISTS sink_rows");
  }
  // SQL naming sink_rows reaches this process's own copy of the table.
  Sql sql(const std::string& url) const { return Sql(url, {"sink_rows", table_}); }
  std::string table_ = "sink_rows_" + std::to_string(getpid());
  bool active_ = false;
  void SetUp() override {
    RBC_REQUIRE_PG();
    active_ = true;
    Sql src = sql(src_url());
    src.exec("DROP TABLE IF EXISTS sink_rows");
    src.exec(
        "CREATE TABLE sink_rows (id int PRIMARY KEY, name text, amount numeric(12,2), seen timestamptz)");
    src.exec(
        "INSERT INTO sink_rows SELECT g, 'n' || g, g * 1.25, '2024-01-01'::timestamptz + g * interval '1 "
        "min' "
        "FROM generate_series(1, 5000) g");
  }
  static constexpr const char* kDigest =
      "SELECT count(*), count(DISTINCT id), md5(string_agg(id || name || amount || seen, ',' ORDER BY id)) "
      "FROM sink_rows";
};

TEST_F(PostgresSink, ReplaceTwiceLeavesNoDuplicatesAndKeepsThePrimaryKey) {
  Sql src = sql(src_url()), dst = sql(dst_url());
  dst.exec("DROP TABLE IF EXISTS sink_rows");
  CopyOptions options;
  options.write_mode = WriteMode::replace;
  options.primary_key = {"id"};
  ASSERT_TRUE(copy_stream(table_, options).is_ok());
  dst.exec("CREATE INDEX sink_rows_name ON sink_rows (name)");
  src.exec("DELETE FROM sink_rows WHERE id > 4000");
  Status status = copy_stream(table_, options);
  ASSERT_TRUE(status.is_ok()) << status.message();
  EXPECT_EQ(dst.rows(kDigest), src.rows(kDigest));
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM sink_rows"), "4000");
  EXPECT_EQ(
      dst.scalar(
          "SELECT count(*) FROM pg_constraint WHERE conrelid = 'sink_rows'::regclass AND contype = 'p'"),
      "1");
  // Secondary indexes of the replaced table are rebuilt; the staging table is gone.
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM pg_indexes WHERE indexname = 'sink_rows_name'"), "1");
  EXPECT_EQ(
      dst.scalar("SELECT count(*) FROM pg_tables WHERE starts_with(tablename, '_rbc_stage_sink_rows_')"),
      "0");
}

TEST_F(PostgresSink, ReplaceFailureLeavesTheOldTable) {
  Sql src = sql(src_url()), dst = sql(dst_url());
  dst.exec("DROP TABLE IF EXISTS sink_rows");
  CopyOptions options;
  options.write_mode = WriteMode::replace;
  options.primary_key = {"id"};
  ASSERT_TRUE(copy_stream(table_, options).is_ok());
  // A duplicate key makes the primary key rebuild fail inside the swap transaction.
  src.exec("ALTER TABLE sink_rows DROP CONSTRAINT sink_rows_pkey");
  src.exec("INSERT INTO sink_rows VALUES (1, 'dup', 0, now())");
  Status status = copy_stream(table_, options);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("23505"), std::string::npos) << status.message();
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM sink_rows"), "5000");
  // Abandoning the failed run drops its staging table.
  EXPECT_EQ(
      dst.scalar("SELECT count(*) FROM pg_tables WHERE starts_with(tablename, '_rbc_stage_sink_rows_')"),
      "0");
}

TEST_F(PostgresSink, UpsertTwiceAfterAnUpdateIsIdempotent) {
  Sql src = sql(src_url()), dst = sql(dst_url());
  dst.exec("DROP TABLE IF EXISTS sink_rows");
  CopyOptions options;
  options.write_mode = WriteMode::upsert;
  options.primary_key = {"id"};
  ASSERT_TRUE(copy_stream(table_, options).is_ok());
  src.exec("UPDATE sink_rows SET name = 'updated', amount = -1 WHERE id % 10 = 0");
  src.exec("INSERT INTO sink_rows VALUES (9001, 'new', 1, now())");
  for (int i = 0; i < 2; ++i) {
    Status status = copy_stream(table_, options);
    ASSERT_TRUE(status.is_ok()) << status.message();
    EXPECT_EQ(dst.rows(kDigest), src.rows(kDigest));
  }
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM sink_rows WHERE name = 'updated'"), "500");
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM sink_rows"), "5001");
}

TEST_F(PostgresSink, UpsertKeepsTheLastRowOfADuplicatedKey) {
  Sql src = sql(src_url()), dst = sql(dst_url());
  src.exec("DROP TABLE IF EXISTS sink_dups");
  src.exec("CREATE TABLE sink_dups (seq int, id int, v text)");
  src.exec("INSERT INTO sink_dups VALUES (1, 1, 'first'), (2, 1, 'second'), (3, 2, 'only')");
  dst.exec("DROP TABLE IF EXISTS sink_dups");
  dst.exec("CREATE TABLE sink_dups (seq int, id int PRIMARY KEY, v text)");
  CopyOptions options;
  options.write_mode = WriteMode::upsert;
  ASSERT_TRUE(copy_stream("sink_dups", options).is_ok());  // the key comes from the table
  // COPY reads in physical order here, so "second" is the last row for id 1.
  EXPECT_EQ(dst.rows("SELECT id, v FROM sink_dups ORDER BY id"),
            (std::vector<std::vector<std::string>>{{"1", "second"}, {"2", "only"}}));
}

TEST_F(PostgresSink, UpsertWithoutAPrimaryKeyFailsInPrepare) {
  Sql dst = sql(dst_url());
  dst.exec("DROP TABLE IF EXISTS sink_rows");
  dst.exec("CREATE TABLE sink_rows (id int, name text, amount numeric(12,2), seen timestamptz)");
  CopyOptions options;
  options.write_mode = WriteMode::upsert;
  Status status = copy_stream(table_, options);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("primary key"), std::string::npos) << status.message();
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM sink_rows"), "0");
}

TEST_F(PostgresSink, AppendAddsRowsAndCastsIntoRicherDestinationTypes) {
  Sql src = sql(src_url()), dst = sql(dst_url());
  src.exec("DROP TABLE IF EXISTS sink_cast");
  src.exec("CREATE TABLE sink_cast (id int, span interval, tags int[], big numeric, u text, n int)");
  src.exec(
      "INSERT INTO sink_cast VALUES (1, '2 days 03:00', '{1,2}', 1e30, "
      "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 7),"
      " (2, NULL, '{}', -0.5, NULL, NULL)");
  dst.exec("DROP TABLE IF EXISTS sink_cast");
  // text → uuid and int → bigint travel through a staging table and a cast.
  dst.exec(
      "CREATE TABLE sink_cast (id int, span interval, tags int[], big numeric, u uuid, n bigint, "
      "extra text DEFAULT 'dflt')");
  for (int i = 0; i < 2; ++i) {
    Status status = copy_stream("sink_cast", {});
    ASSERT_TRUE(status.is_ok()) << status.message();
  }
  std::string q = "SELECT id, span::text, tags::text, big::text, u::text, n::text FROM sink_cast ORDER BY id";
  auto once = src.rows(q);
  auto rows = dst.rows(q);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ((std::vector<std::vector<std::string>>{rows[0], rows[2]}), once);
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM sink_cast WHERE extra = 'dflt'"), "4");
}

TEST_F(PostgresSink, IncrementalReadsResumeAfterTheSavedCursor) {
  Sql src = sql(src_url());
  src.exec("DROP TABLE IF EXISTS events");
  src.exec("CREATE TABLE events (id int, at timestamp, v text)");
  src.exec(
      "INSERT INTO events VALUES (3, '2024-01-02', 'c'), (1, '2024-01-01', 'a'), (2, '2024-01-01', 'b'), "
      "(4, '2024-01-03', 'd')");
  auto read = [&](std::optional<std::string> cursor, std::optional<std::string> tie) {
    auto source = make_postgres_source();
    StreamRequest req;
    req.stream = "events";
    req.config = url_config(src_url());
    req.sync_mode = SyncMode::incremental;
    req.cursor_field = "at";
    req.tie_breaker_field = "id";
    req.cursor_value = cursor;
    req.tie_breaker_value = tie;
    EXPECT_TRUE(source->prepare(req).is_ok());
    auto reader = source->open(req, 0);
    EXPECT_TRUE(reader.is_ok()) << reader.status().message();
    std::string out;
    while (true) {
      auto batch = (*reader)->next();
      EXPECT_TRUE(batch.is_ok());
      if (!batch.is_ok() || !batch->has_value()) break;
      for (size_t r = 0; r < (*batch)->num_rows; ++r) out += (*batch)->columns[2].string_at(r);
    }
    return out;
  };
  EXPECT_EQ(read(std::nullopt, std::nullopt), "abcd");
  EXPECT_EQ(read("2024-01-01 00:00:00", "1"), "bcd");
  EXPECT_EQ(read("2024-01-01 00:00:00", "2"), "cd");
  EXPECT_EQ(read("2024-01-03 00:00:00", "4"), "");
  EXPECT_EQ(read("2024-01-01 00:00:00", std::nullopt), "cd");
}

}  // namespace
}  // namespace rbc
