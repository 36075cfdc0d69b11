// libpq connection helper: connection settings from a connector Config, a move-only
// connection with one-line, password-redacted errors, and SQL quoting helpers.
#pragma once

#include <libpq-fe.h>

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/postgres/pg_error.h"
#include "graph/config.h"
#include "graph/status.h"

namespace rbc::pg {

// Connection settings. Config keys: `url` (a libpq conninfo string "host=... dbname=..."
// or a URI "postgresql://user:pass@host:port/db"), or `host`, `port`, `user`, `password`,
// `database` (which also override the matching parts of `url`); `connect_timeout`
// (seconds, default 10); `schema` (default "public").
struct ConnParams {
  std::vector<std::pair<std::string, std::string>> keywords;  // libpq keyword → value
  std::vector<std::string> secrets;                           // values never to print (passwords)
  std::string schema = "public";
  std::string describe;  // "user@host:port/db", for messages

  // Replaces every secret in `text` by "***" and folds it onto one line.
  std::string redact(std::string text) const;
};

Result<ConnParams> conn_params_from_config(const Config& config);

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

class PgConn {
 public:
  PgConn() = default;
  PgConn(PgConn&& other) noexcept
      : conn_(std::exchange(other.conn_, nullptr)), params_(std::move(other.params_)) {}
  PgConn& operator=(PgConn&& other) noexcept;
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;
  ~PgConn() { close(); }

  static Result<PgConn> connect(const ConnParams& params);

  PGconn* get() const { return conn_; }
  bool is_open() const { return conn_ != nullptr; }
  void close();
  const ConnParams& params() const { return *params_; }

  // Runs a statement that returns no rows (or whose rows are ignored).
  Status exec(const std::string& sql, CommitState state = CommitState::before_commit);
  // Runs a query and returns its tuples.
  Result<PgResult> query(const std::string& sql);

  // The error of `result` (or of the connection when null), classified.
  PgError error(const PGresult* result, std::string_view context = {},
                CommitState state = CommitState::before_commit) const;
  Status error_status(const PGresult* result, std::string_view context = {},
                      CommitState state = CommitState::before_commit) const {
    return error(result, context, state).to_status();
  }

 private:
  PGconn* conn_ = nullptr;
  std::shared_ptr<const ConnParams> params_;
};

// Connections opened in the background ahead of need, for one source or destination of a
// run. A run knows at its start how many connections each will open (one per reader or
// writer: the leader prepares on the first); opening them all at once while the leader
// prepares spares every later step a connection setup (a round trip, authentication, a
// server process starting).
class IdleConnections;

class ConnectAhead {
 public:
  ConnectAhead() = default;
  ConnectAhead(const ConnectAhead&) = delete;
  ConnectAhead& operator=(const ConnectAhead&) = delete;
  ~ConnectAhead();  // waits for, and closes, the connections nobody took

  // Opens `count` connections with the settings of `config`: the first alone, the others
  // once it is open, so that the one needed first is not slowed down by the rest and a
  // wrong password or an unreachable server costs one attempt. A connection `idle` kept
  // with these settings is the first, and the others start at once. A bad config opens
  // none (whoever connects reports it).
  void start(const Config& config, int count, IdleConnections* idle = nullptr);
  // A connection opened ahead for these settings (or its failure to open), else a new one.
  Result<PgConn> take(const ConnParams& params);
  // Hands a connection that is done with its work and idle (no transaction) to the next
  // take() with these settings: a leader that prepared without a transaction to keep
  // passes its connection on to the first reader or writer.
  void give_back(const ConnParams& params, PgConn conn);

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, std::future<Result<PgConn>>>> pending_;  // by settings
};

// Open connections that are idle (no transaction), kept for a ConnectAhead::start with
// the same settings, which hands one out first (if the server has not closed it) instead
// of opening one. `rbc exec` owns one: the compile-time catalog keeps its connections
// here and the run's postgres sources take them, so the catalog's connection becomes the
// source leader's; those nobody took are closed when it is destroyed.
class IdleConnections {
 public:
  IdleConnections() = default;
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;

  // Keeps `conn` if it is open and idle; closes it otherwise.
  void keep(const ConnParams& params, PgConn conn);
  // A kept connection with these settings (see settings_key) that is still open.
  std::optional<PgConn> take(const std::string& settings);
  size_t size();

 private:
  std::mutex mu_;
  std::multimap<std::string, PgConn> by_settings_;
};

// The key ConnectAhead and IdleConnections match connections by: every keyword.
std::string settings_key(const ConnParams& params);

// "name" with embedded quotes doubled.
std::string quote_ident(std::string_view name);
// 'text' with embedded quotes doubled (standard_conforming_strings is on since PG 9.1).
std::string quote_literal(std::string_view text);

struct TableRef {
  std::string schema;
  std::string name;
  std::string quoted() const { return quote_ident(schema) + "." + quote_ident(name); }
  std::string display() const { return schema + "." + name; }
};

// "orders" → {default_schema, orders}; "sales.orders" → {sales, orders}.
TableRef parse_table_name(std::string_view stream, std::string_view default_schema);

}  // namespace rbc::pg
