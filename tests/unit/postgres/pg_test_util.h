// Helpers for the PostgreSQL connector tests: the servers come from RBC_PG_SRC_URL and
// RBC_PG_DST_URL (scripts/pg-test-server prints them); tests skip when they are unset.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "connectors/postgres/postgres.h"

namespace rbc::pgtest {

inline const char* env_or_null(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

#define RBC_REQUIRE_PG()                                                                                \
  do {                                                                                                  \
    if (!::rbc::pgtest::env_or_null("RBC_PG_SRC_URL") || !::rbc::pgtest::env_or_null("RBC_PG_DST_URL")) \
      GTEST_SKIP() << "RBC_PG_SRC_URL / RBC_PG_DST_URL not set (see scripts/pg-test-server)";           \
  } while (false)

inline std::string src_url() { return env_or_null("RBC_PG_SRC_URL"); }
inline std::string dst_url() { return env_or_null("RBC_PG_DST_URL"); }

inline Config url_config(const std::string& url) {
  Config config;
  config.values["url"] = url;
  return config;
}

// A plain libpq session for setting up and checking tables.
class Sql {
 public:
  // `rename`: every statement has `from` replaced by `to` (per-process table names, so
  // that tests running in parallel never share a table).
  explicit Sql(const std::string& url, std::pair<std::string, std::string> rename = {})
      : conn_(PQconnectdb(url.c_str())), rename_(std::move(rename)) {
    EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
    PQclear(PQexec(conn_, "SET client_min_messages = warning"));
  }
  ~Sql() { PQfinish(conn_); }
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;

  void exec(std::string sql) {
    sql = renamed(std::move(sql));
    PGresult* r = PQexec(conn_, sql.c_str());
    ExecStatusType s = PQresultStatus(r);
    EXPECT_TRUE(s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) << sql << "\n" << PQerrorMessage(conn_);
    PQclear(r);
  }
  // Rows as text; NULL is "<NULL>".
  std::vector<std::vector<std::string>> rows(std::string sql) {
    sql = renamed(std::move(sql));
    std::vector<std::vector<std::string>> out;
    PGresult* r = PQexec(conn_, sql.c_str());
    EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << sql << "\n" << PQerrorMessage(conn_);
    for (int i = 0; i < PQntuples(r); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < PQnfields(r); ++j)
        row.push_back(PQgetisnull(r, i, j) ? "<NULL>" : PQgetvalue(r, i, j));
      out.push_back(std::move(row));
    }
    PQclear(r);
    return out;
  }
  std::string scalar(const std::string& sql) {
    auto r = rows(sql);
    return r.empty() || r[0].empty() ? "" : r[0][0];
  }

 private:
  std::string renamed(std::string sql) const {
    if (rename_.first.empty()) return sql;
    for (size_t at = sql.find(rename_.first); at != std::string::npos;
         at = sql.find(rename_.first, at + rename_.second.size())) {
      sql.replace(at, rename_.first.size(), rename_.second);
    }
    return sql;
  }

  PGconn* conn_;
  std::pair<std::string, std::string> rename_;
};

struct CopyOptions {
  WriteMode write_mode = WriteMode::append;
  std::vector<std::string> primary_key;
  int partitions = 1;
  PartitionMode partition_mode = PartitionMode::mod;
  std::string partition_key;
  size_t max_batch_rows = 65536;
  std::string dst_table;  // default: same as the source stream
  Config dst_config;      // default: url_config(dst_url())
};

// Runs source → sink for one stream the way the runtime does: prepare both, then every
// partition reads into its writer, commit each writer, finish the sink.
inline Status copy_stream(const std::string& stream, CopyOptions options = {}) {
  auto source = make_postgres_source();
  auto sink = make_postgres_sink();
  StreamRequest req;
  req.pipeline = "test";
  req.stream = stream;
  req.config = url_config(src_url());
  req.partition_count = options.partitions;
  req.partition_mode = options.partition_mode;
  req.partition_key = options.partition_key;
  req.max_batch_rows = options.max_batch_rows;
  RBC_ASSIGN_OR_RETURN(auto schema, source->prepare(req));
  SinkRequest out;
  out.pipeline = "test";
  out.stream = options.dst_table.empty() ? stream : options.dst_table;
  out.config = options.dst_config.values.empty() ? url_config(dst_url()) : options.dst_config;
  out.schema = schema;
  out.write_mode = options.write_mode;
  out.primary_key = options.primary_key;
  out.partition_count = options.partitions;
  RBC_RETURN_NOT_OK(sink->prepare(out));
  // Every reader and writer opens before any reads, as in a run.
  std::vector<std::unique_ptr<PartitionReader>> readers;
  std::vector<std::unique_ptr<PartitionWriter>> writers;
  for (int p = 0; p < options.partitions; ++p) {
    RBC_ASSIGN_OR_RETURN(auto reader, source->open(req, p));
    RBC_ASSIGN_OR_RETURN(auto writer, sink->open(out, p));
    readers.push_back(std::move(reader));
    writers.push_back(std::move(writer));
  }
  for (int p = 0; p < options.partitions; ++p) {
    PartitionReader* reader = readers[p].get();
    PartitionWriter* writer = writers[p].get();
    while (true) {
      RBC_ASSIGN_OR_RETURN(auto batch, reader->next());
      if (!batch) break;
      Status status = writer->write(*batch);
      if (!status.is_ok()) {
        writer->abort();
        sink->abandon(out);
        return status;
      }
    }
    Status status = writer->commit();
    if (!status.is_ok()) {
      sink->abandon(out);
      return status;
    }
  }
  // A failed finish leaves the run failed: the sink is abandoned, as the executor does.
  Status status = sink->finish(out);
  if (!status.is_ok()) sink->abandon(out);
  return status;
}

}  // namespace rbc::pgtest
