// Incremental reads and checkpoints against a real server: rows come after the saved
// position in cursor order; without a tie-breaker a batch never ends between two rows
// with the same cursor value; rows with a NULL cursor are skipped; a writer with the
// state in its database commits the cursor in the same transaction as the rows, so an
// abort after a checkpoint leaves exactly the checkpoint's rows and cursor.
#include "connectors/postgres/pg_state.h"
#include "connectors/state/state_store.h"
#include "graph/value_format.h"
#include "tests/unit/postgres/pg_test_util.h"

namespace rbc {
namespace {

using namespace rbc::pgtest;

struct Row {
  int64_t id;
  std::string at;  // the cursor, as the runtime prints it
};

class PostgresIncremental : public ::testing::Test {
 protected:
  void SetUp() override {
    RBC_REQUIRE_PG();
    active_ = true;
    Sql src = sql(src_url());
    src.exec("DROP TABLE IF EXISTS inc_rows");
    src.exec("CREATE TABLE inc_rows (id bigint PRIMARY KEY, at timestamptz, v text)");
    // Seven rows per timestamp, and every 50th row without one.
    src.exec(
        "INSERT INTO inc_rows SELECT g, CASE WHEN g % 50 = 0 THEN NULL ELSE timestamptz '2024-01-01 "
        "00:00:00+00' "
        "+ (g / 7) * interval '1 second' END, 'v' || g FROM generate_series(1, 3000) g");
  }
  void TearDown() override {
    if (!active_) return;
    sql(src_url()).exec("DROP TABLE IF EXISTS inc_rows");
    Sql dst = sql(dst_url());
    dst.exec("DROP TABLE IF EXISTS inc_rows");
  }
  Sql sql(const std::string& url) const { return Sql(url, {"inc_rows", table_}); }

  StreamRequest request(size_t batch_rows, bool tie_breaker) const {
    StreamRequest req;
    req.pipeline = "inc-test";
    req.stream = table_;
    req.config = url_config(src_url());
    req.sync_mode = SyncMode::incremental;
    req.cursor_field = "at";
    if (tie_breaker) req.tie_breaker_field = "id";
    req.max_batch_rows = batch_rows;
    return req;
  }

  // Every batch's rows as (id, cursor text).
  std::vector<std::vector<Row>> read_batches(const StreamRequest& req) const {
    std::vector<std::vector<Row>> batches;
    auto source = make_postgres_source();
    auto schema = source->prepare(req);
    EXPECT_TRUE(schema.is_ok()) << schema.status().message();
    if (!schema.is_ok()) return batches;
    auto reader = source->open(req, 0);
    EXPECT_TRUE(reader.is_ok()) << reader.status().message();
    if (!reader.is_ok()) return batches;
    while (true) {
      auto batch = (*reader)->next();
      EXPECT_TRUE(batch.is_ok()) << batch.status().message();
      if (!batch.is_ok() || !batch->has_value()) break;
      std::vector<Row> rows;
      for (size_t r = 0; r < (*batch)->num_rows; ++r) {
        Row row{(*batch)->columns[0].value<int64_t>(r), ""};
        append_formatted_value(row.at, (*batch)->columns[1], r);
        rows.push_back(row);
      }
      batches.push_back(std::move(rows));
    }
    return batches;
  }

  std::string table_ = "inc_rows_" + std::to_string(getpid());
  bool active_ = false;
};

TEST_F(PostgresIncremental, BatchesNeverSplitACursorValueWithoutTieBreaker) {
  auto batches = read_batches(request(10, false));
  size_t rows = 0;
  std::string previous;
  for (size_t b = 0; b < batches.size(); ++b) {
    ASSERT_FALSE(batches[b].empty());
    rows += batches[b].size();
    for (const Row& row : batches[b]) {
      EXPECT_LE(previous, row.at) << "not in cursor order";
      previous = row.at;
    }
    if (b + 1 < batches.size()) {
      EXPECT_NE(batches[b].back().at, batches[b + 1].front().at) << "batch " << b;
    }
  }
  EXPECT_EQ(rows, 3000u - 60u);  // the 60 rows without a cursor are skipped
}

TEST_F(PostgresIncremental, ReadsOnlyAfterTheSavedPosition) {
  // Without a tie-breaker: every row with a later timestamp.
  StreamRequest req = request(1000, false);
  req.cursor_value = "2024-01-01 00:01:00+00:00";  // rows 420..426 have this value
  size_t rows = 0;
  for (const auto& batch : read_batches(req)) {
    for (const Row& row : batch) EXPECT_GT(row.at, *req.cursor_value);
    rows += batch.size();
  }
  Sql src = sql(src_url());
  EXPECT_EQ(std::to_string(rows),
            src.scalar("SELECT count(*) FROM inc_rows WHERE at > '2024-01-01 00:01:00+00'"));

  // With a tie-breaker: (at, id) after (00:01:00, 423), in that order.
  req = request(1000, true);
  req.cursor_value = "2024-01-01 00:01:00+00:00";
  req.tie_breaker_value = "423";
  auto batches = read_batches(req);
  ASSERT_FALSE(batches.empty());
  EXPECT_EQ(batches[0][0].id, 424);
  EXPECT_EQ(batches[0][0].at, "2024-01-01 00:01:00+00:00");
}

// The autotuner's remembered choices in the postgres backend's table rbc_state.autotune.
TEST_F(PostgresIncremental, StateRemembersAutotuneChoicesPerCoreCount) {
  auto store = make_postgres_state_store(url_config(dst_url()), true, "rbc_state_test");
  ASSERT_TRUE(store.is_ok());
  const std::string stream = "choice_" + std::to_string(getpid());
  ASSERT_TRUE((*store)->begin_run(RunRecord::of("run-choice", "inc-test", stream)).is_ok());
  TunedChoice choice{4, 3, "range", 8 << 20, 2, 123456789.5, 2e6, "run-choice"};
  auto none = (*store)->load_choice("inc-test", stream, 4);
  ASSERT_TRUE(none.is_ok()) << none.status().message();
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE((*store)->save_choice("inc-test", stream, choice).is_ok());
  auto loaded = (*store)->load_choice("inc-test", stream, 4);
  ASSERT_TRUE(loaded.is_ok() && loaded->has_value()) << loaded.status().message();
  EXPECT_EQ(**loaded, choice);
  EXPECT_FALSE((*store)->load_choice("inc-test", stream, 2)->has_value());
  choice.parallelism = 1;
  ASSERT_TRUE((*store)->save_choice("inc-test", stream, choice).is_ok());
  EXPECT_EQ(**(*store)->load_choice("inc-test", stream, 4), choice);
  EXPECT_EQ(
      sql(dst_url()).scalar("SELECT count(*) FROM rbc_state_test.autotune WHERE stream = '" + stream + "'"),
      "1");
}

TEST_F(PostgresIncremental, AbortAfterCheckpointKeepsRowsAndCursorTogether) {
  // The state tables, as the state store creates them, in a schema of this test.
  Config dst_config = url_config(dst_url());
  auto store = make_postgres_state_store(dst_config, true, "rbc_state_test");
  ASSERT_TRUE(store.is_ok());
  RunRecord run = RunRecord::of("run-inc", "inc-test", table_);
  ASSERT_TRUE((*store)->begin_run(run).is_ok());

  auto source = make_postgres_source();
  StreamRequest req = request(100, true);
  auto schema = source->prepare(req);
  ASSERT_TRUE(schema.is_ok()) << schema.status().message();
  auto reader = source->open(req, 0);
  ASSERT_TRUE(reader.is_ok());
  auto sink = make_postgres_sink();
  SinkRequest out;
  out.pipeline = "inc-test";
  out.stream = table_;
  out.config = dst_config;
  out.schema = *schema;
  out.state = SinkRequest::StateInSink{"rbc_state_test", "run-inc", table_};
  ASSERT_TRUE(sink->prepare(out).is_ok());
  auto writer = sink->open(out, 0);
  ASSERT_TRUE(writer.is_ok()) << writer.status().message();

  // Two batches, a checkpoint carrying the second batch's last row, a third batch, abort.
  std::string cursor, tie;
  for (int b = 0; b < 3; ++b) {
    auto batch = (*reader)->next();
    ASSERT_TRUE(batch.is_ok() && batch->has_value());
    ASSERT_TRUE((*writer)->write(**batch).is_ok());
    if (b == 1) {
      size_t last = (*batch)->num_rows - 1;
      append_formatted_value(cursor, (*batch)->columns[1], last);
      append_formatted_value(tie, (*batch)->columns[0], last);
      Checkpoint checkpoint;
      checkpoint.rows = 200;
      checkpoint.position = CursorPosition{cursor, tie};
      auto committed = (*writer)->checkpoint(checkpoint);
      ASSERT_TRUE(committed.is_ok()) << committed.status().message();
      EXPECT_TRUE(*committed);
    }
  }
  (*writer)->abort();

  Sql dst = sql(dst_url());
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM inc_rows"), "200");
  EXPECT_EQ(dst.scalar("SELECT max(id) FROM inc_rows"), tie);
  EXPECT_EQ(dst.scalar("SELECT cursor_value || '/' || tie_breaker_value FROM rbc_state_test.cursors "
                       "WHERE pipeline = 'inc-test'"),
            cursor + "/" + tie);
  EXPECT_EQ(dst.scalar("SELECT rows_committed FROM rbc_state_test.runs WHERE run_id = 'run-inc'"), "200");
  dst.exec("DELETE FROM rbc_state_test.runs WHERE run_id = 'run-inc'");
  dst.exec("DELETE FROM rbc_state_test.cursors WHERE pipeline = 'inc-test'");
}

TEST(PostgresRetryDetail, StatusCarriesRetryableAndCommitState) {
  pg::PgError deadlock{"40P01", pg::PgErrorCategory::deadlock, pg::CommitState::before_commit, "deadlock"};
  Status status = deadlock.to_status();
  ASSERT_TRUE(status.retry().has_value());
  EXPECT_TRUE(status.retry()->retryable);
  EXPECT_TRUE(status.retry()->safe_to_retry);
  EXPECT_EQ(status.retry()->category, "deadlock");
  EXPECT_EQ(status.retry()->base_backoff_ms, 100);
  EXPECT_TRUE(status.prefixed("commit: ").retry().has_value());

  pg::PgError unknown{"08006", pg::PgErrorCategory::connection, pg::CommitState::after_commit_unknown,
                      "lost"};
  EXPECT_TRUE(unknown.to_status().retry()->retryable);
  EXPECT_FALSE(unknown.to_status().retry()->safe_to_retry);

  pg::PgError constraint{"23505", pg::PgErrorCategory::constraint, pg::CommitState::before_commit, "dup"};
  EXPECT_FALSE(constraint.to_status().retry()->retryable);
}

}  // namespace
}  // namespace rbc
