// Failures are one-line, classified, and never print a password: SQLSTATE classes map to
// retry policy, and an unreachable server, a wrong password and a missing table each give
// a clear error.
#include <algorithm>

#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_error.h"
#include "tests/unit/postgres/pg_test_util.h"

namespace rbc {
namespace {

using namespace rbc::pgtest;
using pg::PgErrorCategory;

TEST(PostgresErrors, SqlstateClassesMapToRetryPolicy) {
  struct Case {
    const char* sqlstate;
    PgErrorCategory category;
    bool retryable;
  };
  const Case cases[] = {
      {"08006", PgErrorCategory::connection, true},  {"40001", PgErrorCategory::serialization, true},
      {"40P01", PgErrorCategory::deadlock, true},    {"22003", PgErrorCategory::data, false},
      {"23505", PgErrorCategory::constraint, false}, {"42501", PgErrorCategory::permission, false},
      {"42P01", PgErrorCategory::undefined, false},  {"53300", PgErrorCategory::resources, true},
      {"XX000", PgErrorCategory::other, false}};
  for (const auto& c : cases) {
    pg::PgError error;
    error.sqlstate = c.sqlstate;
    error.category = pg::classify_sqlstate(c.sqlstate);
    EXPECT_EQ(error.category, c.category) << c.sqlstate;
    EXPECT_EQ(error.should_retry(), c.retryable) << c.sqlstate;
  }
  // After a commit nothing is retried, whatever the cause.
  pg::PgError lost{"08006", PgErrorCategory::connection, pg::CommitState::after_commit_unknown, "lost"};
  EXPECT_TRUE(lost.is_retryable());
  EXPECT_FALSE(lost.safe_to_retry());
  EXPECT_FALSE(lost.should_retry());
  EXPECT_NE(lost.to_status().message().find("not retryable"), std::string::npos);
}

TEST(PostgresErrors, ConfigKeysOverrideTheUrlAndSecretsAreRedacted) {
  Config config;
  config.values["url"] = "postgresql://alice:hunter2secret@db.example:6543/shop?sslmode=disable";
  config.values["database"] = "other";
  auto params = pg::conn_params_from_config(config);
  ASSERT_TRUE(params.is_ok()) << params.status().message();
  EXPECT_EQ(params->describe, "alice@db.example:6543/other");
  EXPECT_EQ(params->redact("bad hunter2secret\nsecond line"), "bad *** second line");
  // A short password is redacted where it stands alone, not inside a longer name.
  Config short_secret;
  short_secret.values["url"] = "postgresql://app:rbc@127.0.0.1:5432/rbc_src";
  auto short_params = pg::conn_params_from_config(short_secret);
  ASSERT_TRUE(short_params.is_ok());
  EXPECT_EQ(short_params->redact("table public.rbc_orders: password \"rbc\" rejected"),
            "table public.rbc_orders: password \"***\" rejected");
  // A password equal to the user name cannot be told from it: the user stays readable,
  // and the password is still masked where it stands as one.
  Config same;
  same.values["url"] = "postgresql://rbc:rbc@127.0.0.1:5432/db";
  auto same_params = pg::conn_params_from_config(same);
  ASSERT_TRUE(same_params.is_ok());
  EXPECT_EQ(
      same_params->redact("cannot connect to rbc@127.0.0.1:5432/db (postgresql://rbc:rbc@127.0.0.1/db)"),
      "cannot connect to rbc@127.0.0.1:5432/db (postgresql://rbc:***@127.0.0.1/db)");
  Config bad;
  bad.values["url"] = "postgresql://bob:pw-in-bad-url@host/db?no_such_option=1";
  auto broken = pg::conn_params_from_config(bad);
  ASSERT_FALSE(broken.is_ok());
  EXPECT_EQ(broken.status().message().find("pw-in-bad-url"), std::string::npos) << broken.status().message();
}

void expect_one_line_without(const Status& status, const std::string& secret) {
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.message().find('\n'), std::string::npos) << status.message();
  EXPECT_EQ(status.message().find(secret), std::string::npos) << status.message();
}

Result<std::shared_ptr<const Schema>> prepare_source(const std::string& url, const std::string& stream) {
  auto source = make_postgres_source();
  StreamRequest req;
  req.stream = stream;
  req.config = url_config(url);
  return source->prepare(req);
}

TEST(PostgresErrors, UnreachableServerIsARetryableConnectionError) {
  // Port 1 on localhost: nothing listens there; refused immediately.
  auto result = prepare_source("postgresql://rbc:unreachable-pw@127.0.0.1:1/rbc_src?connect_timeout=2", "t");
  expect_one_line_without(result.status(), "unreachable-pw");
  EXPECT_EQ(result.status().code(), StatusCode::io_error);
  EXPECT_NE(result.status().message().find("cannot connect to rbc@127.0.0.1:1/rbc_src"), std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find(", retryable"), std::string::npos) << result.status().message();
}

TEST(PostgresErrors, WrongPasswordIsNotRetriedAndNotPrinted) {
  RBC_REQUIRE_PG();
  Config config = url_config(src_url());
  config.values["password"] = "Wr0ng-Passw0rd";
  auto source = make_postgres_source();
  StreamRequest req;
  req.stream = "anything";
  req.config = config;
  auto result = source->prepare(req);
  expect_one_line_without(result.status(), "Wr0ng-Passw0rd");
  EXPECT_NE(result.status().message().find("password authentication failed"), std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find("not retryable"), std::string::npos) << result.status().message();

  // The same through the sink.
  auto sink = make_postgres_sink();
  SinkRequest out;
  out.stream = "anything";
  out.config = config;
  out.schema = std::make_shared<Schema>(std::vector<Field>{{"id", {TypeId::int32}}});
  expect_one_line_without(sink->prepare(out), "Wr0ng-Passw0rd");

  // And when the connections were opened ahead: the same error, at prepare().
  auto ahead = make_postgres_source();
  ahead->connect_ahead(config, 2);
  auto again = ahead->prepare(req);
  EXPECT_EQ(again.status().message(), result.status().message());
}

TEST(PostgresConnections, ConnectAheadHandsOutDistinctOpenedConnectionsThenConnectsAnew) {
  RBC_REQUIRE_PG();
  auto src = pg::conn_params_from_config(url_config(src_url()));
  auto dst = pg::conn_params_from_config(url_config(dst_url()));
  ASSERT_TRUE(src.is_ok() && dst.is_ok());
  auto backend = [](pg::PgConn& conn) {  // "pid database"
    auto result = conn.query("SELECT pg_backend_pid()::text || ' ' || current_database()");
    EXPECT_TRUE(result.is_ok());
    return std::string(PQgetvalue(result->get(), 0, 0));
  };
  auto database = [](const std::string& pid_and_database) {
    return pid_and_database.substr(pid_and_database.find(' ') + 1);
  };
  auto direct_src = pg::PgConn::connect(*src);
  auto direct_dst = pg::PgConn::connect(*dst);
  ASSERT_TRUE(direct_src.is_ok() && direct_dst.is_ok());
  std::vector<std::string> seen;
  pg::ConnectAhead ahead;
  ahead.start(url_config(src_url()), 2);
  for (int i = 0; i < 3; ++i) {  // two opened ahead, then one opened on demand
    auto conn = ahead.take(*src);
    ASSERT_TRUE(conn.is_ok()) << conn.status().message();
    seen.push_back(backend(*conn));
    EXPECT_EQ(database(seen.back()), database(backend(*direct_src)));
  }
  auto other = ahead.take(*dst);  // other settings never get a connection opened for src
  ASSERT_TRUE(other.is_ok());
  EXPECT_EQ(database(backend(*other)), database(backend(*direct_dst)));
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end()) << "a connection was handed out twice";
}

// The compile-time catalog keeps its connection idle for the run: ConnectAhead hands it out
// first, once; a connection inside a transaction is not kept.
std::string backend_pid(pg::PgConn& conn) {
  auto result = conn.query("SELECT pg_backend_pid()");
  EXPECT_TRUE(result.is_ok());
  return result.is_ok() ? std::string(PQgetvalue(result->get(), 0, 0)) : std::string();
}

TEST(PostgresConnections, ConnectAheadHandsOutAConnectionKeptIdleFirst) {
  RBC_REQUIRE_PG();
  auto src = pg::conn_params_from_config(url_config(src_url()));
  ASSERT_TRUE(src.is_ok());
  auto idle = pg::PgConn::connect(*src);
  auto busy = pg::PgConn::connect(*src);
  ASSERT_TRUE(idle.is_ok() && busy.is_ok());
  std::string idle_pid = backend_pid(*idle), busy_pid = backend_pid(*busy);
  ASSERT_TRUE(busy->exec("BEGIN").is_ok());
  pg::IdleConnections kept;
  kept.keep(*src, std::move(*idle));
  kept.keep(*src, std::move(*busy));  // in a transaction: closed instead
  EXPECT_EQ(kept.size(), 1u);
  pg::ConnectAhead ahead;
  ahead.start(url_config(src_url()), 2, &kept);
  auto first = ahead.take(*src);
  auto second = ahead.take(*src);
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(backend_pid(*first), idle_pid);
  EXPECT_NE(backend_pid(*second), idle_pid);
  EXPECT_NE(backend_pid(*second), busy_pid);
  pg::ConnectAhead later;  // the kept connection was handed out: nothing is left
  EXPECT_EQ(kept.size(), 0u);
  later.start(url_config(src_url()), 1, &kept);
  auto third = later.take(*src);
  ASSERT_TRUE(third.is_ok());
  EXPECT_NE(backend_pid(*third), idle_pid);
  EXPECT_NE(backend_pid(*third), busy_pid);
}

// A leader that prepared on the first connection passes it on to the first reader or
// writer; one left in a transaction is closed instead.
TEST(PostgresConnections, ConnectAheadHandsOutAGivenBackConnectionNext) {
  RBC_REQUIRE_PG();
  auto src = pg::conn_params_from_config(url_config(src_url()));
  ASSERT_TRUE(src.is_ok());
  pg::ConnectAhead ahead;
  ahead.start(url_config(src_url()), 2);
  auto leader = ahead.take(*src);
  ASSERT_TRUE(leader.is_ok());
  std::string leader_pid = backend_pid(*leader);
  ahead.give_back(*src, std::move(*leader));
  auto first = ahead.take(*src);
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ(backend_pid(*first), leader_pid);
  ASSERT_TRUE(first->exec("BEGIN").is_ok());
  ahead.give_back(*src, std::move(*first));  // in a transaction: closed instead
  auto second = ahead.take(*src);
  ASSERT_TRUE(second.is_ok());
  EXPECT_NE(backend_pid(*second), leader_pid);
}

TEST(PostgresErrors, MissingTableIsNotFound) {
  RBC_REQUIRE_PG();
  auto result = prepare_source(src_url(), "public.no_such_table_here");
  expect_one_line_without(result.status(), ":rbc@");
  EXPECT_EQ(result.status().code(), StatusCode::not_found);
  EXPECT_NE(result.status().message().find("public.no_such_table_here does not exist"), std::string::npos)
      << result.status().message();
}

TEST(PostgresErrors, ConstraintViolationIsNotRetryable) {
  RBC_REQUIRE_PG();
  Sql src(src_url()), dst(dst_url());
  src.exec("DROP TABLE IF EXISTS err_rows");
  src.exec("CREATE TABLE err_rows (id int, v text)");
  src.exec("INSERT INTO err_rows VALUES (1, 'a'), (1, 'b')");
  dst.exec("DROP TABLE IF EXISTS err_rows");
  dst.exec("CREATE TABLE err_rows (id int PRIMARY KEY, v text)");
  Status status = copy_stream("err_rows", {});
  expect_one_line_without(status, "rbc:rbc");
  EXPECT_NE(status.message().find("SQLSTATE 23505, constraint, not retryable"), std::string::npos)
      << status.message();
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM err_rows"), "0");  // the writer's transaction rolled back
}

TEST(PostgresErrors, ReadOnlyRoleGetsAPermissionError) {
  RBC_REQUIRE_PG();
  Sql dst(dst_url());
  dst.exec("DROP TABLE IF EXISTS perm_rows");
  dst.exec("CREATE TABLE perm_rows (id int)");
  // rbc_reader is created by scripts/pg-test-server; skip against other servers.
  if (dst.scalar("SELECT count(*) FROM pg_roles WHERE rolname = 'rbc_reader'") != "1") {
    GTEST_SKIP() << "no rbc_reader role";
  }
  Config config = url_config(dst_url());
  config.values["user"] = "rbc_reader";
  config.values["password"] = "rbc_reader";
  auto sink = make_postgres_sink();
  SinkRequest out;
  out.stream = "perm_rows";
  out.config = config;
  out.schema = std::make_shared<Schema>(std::vector<Field>{{"id", {TypeId::int32}}});
  ASSERT_TRUE(sink->prepare(out).is_ok());
  auto writer = sink->open(out, 0);
  ASSERT_FALSE(writer.is_ok());
  EXPECT_NE(writer.status().message().find("SQLSTATE 42501, permission"), std::string::npos)
      << writer.status().message();
}

}  // namespace
}  // namespace rbc
