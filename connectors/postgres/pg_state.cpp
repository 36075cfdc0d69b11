// PostgresStateStore and the checkpoint SQL shared with the sink.
#include "connectors/postgres/pg_state.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "connectors/postgres/pg_replace.h"

namespace rbc {
namespace pg {

std::string checkpoint_sql(const std::string& schema, const std::string& pipeline, const std::string& stream,
                           const std::string& run_id, const Checkpoint& checkpoint) {
  std::string s = quote_ident(schema);
  std::string sql = "UPDATE " + s + ".runs SET rows_committed = rows_committed + " +
                    std::to_string(checkpoint.rows) +
                    ", checkpoints = checkpoints + 1 WHERE run_id = " + quote_literal(run_id) +
                    " AND stream = " + quote_literal(stream) + ";";
  if (checkpoint.position) {
    const CursorPosition& p = *checkpoint.position;
    std::string tie = p.tie_breaker_value ? quote_literal(*p.tie_breaker_value) : "NULL";
    sql += "INSERT INTO " + s +
           ".cursors (pipeline, stream, cursor_value, tie_breaker_value, run_id) VALUES (" +
           quote_literal(pipeline) + ", " + quote_literal(stream) + ", " + quote_literal(p.cursor_value) +
           ", " + tie + ", " + quote_literal(run_id) +
           ") ON CONFLICT (pipeline, stream) DO UPDATE SET cursor_value = EXCLUDED.cursor_value, "
           "tie_breaker_value = EXCLUDED.tie_breaker_value, run_id = EXCLUDED.run_id, updated_at = now();";
  }
  return sql;
}

}  // namespace pg

namespace {

using namespace rbc::pg;

class PostgresStateStore final : public StateStore {
 public:
  PostgresStateStore(ConnParams params, bool in_destination, std::string schema)
      : params_(std::move(params)), in_destination_(in_destination), schema_(std::move(schema)) {}

  std::string describe() const override {
    return "postgres " + schema_ + " in " + params_.describe + (in_destination_ ? " (the destination)" : "");
  }
  bool in_destination() const override { return in_destination_; }
  std::string schema() const override { return schema_; }

  Result<std::optional<CursorPosition>> load(const std::string& pipeline,
                                             const std::string& stream) override {
    std::lock_guard lock(mu_);
    RBC_RETURN_NOT_OK(connect());
    // A database that never saw a run has no state tables yet: no cursor.
    RBC_ASSIGN_OR_RETURN(
        auto exists, conn_.query("SELECT to_regclass(" + quote_literal(table("cursors")) + ") IS NOT NULL"));
    if (std::string(PQgetvalue(exists.get(), 0, 0)) != "t") return std::optional<CursorPosition>();
    RBC_ASSIGN_OR_RETURN(auto rows,
                         conn_.query("SELECT cursor_value, tie_breaker_value FROM " + table("cursors") +
                                     " WHERE pipeline = " + quote_literal(pipeline) +
                                     " AND stream = " + quote_literal(stream)));
    if (PQntuples(rows.get()) == 0 || PQgetisnull(rows.get(), 0, 0)) return std::optional<CursorPosition>();
    CursorPosition position;
    position.cursor_value = PQgetvalue(rows.get(), 0, 0);
    if (!PQgetisnull(rows.get(), 0, 1)) position.tie_breaker_value = PQgetvalue(rows.get(), 0, 1);
    return std::optional<CursorPosition>(std::move(position));
  }

  Status begin_run(const RunRecord& run) override {
    std::lock_guard lock(mu_);
    return once_more_if_lost([&]() -> Status {
      RBC_RETURN_NOT_OK(create_tables());
      if (holder_.empty()) {
        holder_ = "rbc " + run.pipeline + " run " + run.run_id;
        RBC_RETURN_NOT_OK(conn_.exec("SET application_name = " + quote_literal(holder_.substr(0, 63))));
      }
      RBC_RETURN_NOT_OK(take_lock(run_lock_name(run)));
      std::string stream =
          " WHERE pipeline = " + quote_literal(run.pipeline) + " AND stream = " + quote_literal(run.stream);
      return conn_.exec(
          "UPDATE " + table("runs") +
          " SET status = 'abandoned', finished_at = now(), error = 'its process ended without recording an "
          "outcome'" +
          stream + " AND status = 'running' AND run_id <> " + quote_literal(run.run_id) + "; INSERT INTO " +
          table("runs") + " (run_id, pipeline, stream, status) VALUES (" + quote_literal(run.run_id) + ", " +
          quote_literal(run.pipeline) + ", " + quote_literal(run.stream) + ", " + quote_literal(run.status) +
          ") ON CONFLICT (run_id, stream) DO NOTHING");
    });
  }

  Result<std::optional<RunRecord>> unfinished_run(const RunRecord& run) override {
    std::lock_guard lock(mu_);
    return once_more_if_lost([&]() -> Result<std::optional<RunRecord>> {
      std::string stream =
          "pipeline = " + quote_literal(run.pipeline) + " AND stream = " + quote_literal(run.stream);
      RBC_ASSIGN_OR_RETURN(
          auto rows,
          conn_.query("SELECT run_id, status, rows_committed, to_char(started_at AT TIME ZONE 'UTC', "
                      "'YYYY-MM-DD HH24:MI:SS'), coalesce(error, '') FROM " +
                      table("runs") + " WHERE " + stream + " AND run_id <> " + quote_literal(run.run_id) +
                      " AND status <> 'succeeded' AND rows_committed > 0 AND started_at > coalesce((SELECT "
                      "max(started_at) FROM " +
                      table("runs") + " WHERE " + stream +
                      " AND status = 'succeeded'), '-infinity') ORDER BY started_at DESC LIMIT 1"));
      if (PQntuples(rows.get()) == 0) return std::optional<RunRecord>();
      RunRecord found = RunRecord::of(PQgetvalue(rows.get(), 0, 0), run.pipeline, run.stream);
      found.status = PQgetvalue(rows.get(), 0, 1);
      found.rows_committed = std::strtoull(PQgetvalue(rows.get(), 0, 2), nullptr, 10);
      found.started_at = PQgetvalue(rows.get(), 0, 3);
      found.error = PQgetvalue(rows.get(), 0, 4);
      return std::optional<RunRecord>(std::move(found));
    });
  }

  Status save(const RunRecord& run, const Checkpoint& checkpoint) override {
    std::lock_guard lock(mu_);
    std::string sql =
        "BEGIN;" + checkpoint_sql(schema_, run.pipeline, run.stream, run.run_id, checkpoint) + "COMMIT";
    return once_more_if_lost([&] { return conn_.exec(sql); });
  }

  Status forget(const std::string& pipeline, const std::string& stream) override {
    std::lock_guard lock(mu_);
    RBC_RETURN_NOT_OK(connect());
    RBC_ASSIGN_OR_RETURN(
        auto exists, conn_.query("SELECT to_regclass(" + quote_literal(table("cursors")) + ") IS NOT NULL"));
    if (std::string(PQgetvalue(exists.get(), 0, 0)) != "t") return Status::ok();
    return conn_.exec("DELETE FROM " + table("cursors") + " WHERE pipeline = " + quote_literal(pipeline) +
                      " AND stream = " + quote_literal(stream));
  }

  Result<std::optional<TunedChoice>> load_choice(const std::string& pipeline, const std::string& stream,
                                                 int cores) override {
    std::lock_guard lock(mu_);
    return once_more_if_lost([&]() -> Result<std::optional<TunedChoice>> {
      RBC_ASSIGN_OR_RETURN(
          auto rows,
          conn_.query("SELECT parallelism, partition_mode, copy_flush_bytes, node_concurrency, "
                      "bytes_per_second, table_rows, run_id FROM " +
                      table("autotune") + " WHERE pipeline = " + quote_literal(pipeline) +
                      " AND stream = " + quote_literal(stream) + " AND cores = " + std::to_string(cores)));
      if (PQntuples(rows.get()) == 0) return std::optional<TunedChoice>();
      const PGresult* row = rows.get();
      TunedChoice choice;
      choice.cores = cores;
      choice.parallelism = std::atoi(PQgetvalue(row, 0, 0));
      choice.partition_mode = PQgetvalue(row, 0, 1);
      choice.copy_flush_bytes = std::atoll(PQgetvalue(row, 0, 2));
      choice.node_concurrency = std::atoi(PQgetvalue(row, 0, 3));
      choice.bytes_per_second = std::strtod(PQgetvalue(row, 0, 4), nullptr);
      choice.table_rows = std::strtod(PQgetvalue(row, 0, 5), nullptr);
      choice.run_id = PQgetvalue(row, 0, 6);
      return std::optional<TunedChoice>(std::move(choice));
    });
  }

  Status save_choice(const std::string& pipeline, const std::string& stream,
                     const TunedChoice& choice) override {
    std::lock_guard lock(mu_);
    auto number = [](double value) {
      char text[64];
      std::snprintf(text, sizeof text, "%.17g", value);
      return std::string(text);
    };
    return once_more_if_lost([&] {
      return conn_.exec("INSERT INTO " + table("autotune") +
                        " (pipeline, stream, cores, parallelism, partition_mode, copy_flush_bytes, "
                        "node_concurrency, bytes_per_second, table_rows, run_id) VALUES (" +
                        quote_literal(pipeline) + ", " + quote_literal(stream) + ", " +
                        std::to_string(choice.cores) + ", " + std::to_string(choice.parallelism) + ", " +
                        quote_literal(choice.partition_mode) + ", " +
                        std::to_string(choice.copy_flush_bytes) + ", " +
                        std::to_string(choice.node_concurrency) + ", " + number(choice.bytes_per_second) +
                        ", " + number(choice.table_rows) + ", " + quote_literal(choice.run_id) +
                        ") ON CONFLICT (pipeline, stream, cores) DO UPDATE SET parallelism = "
                        "EXCLUDED.parallelism, partition_mode = EXCLUDED.partition_mode, copy_flush_bytes = "
                        "EXCLUDED.copy_flush_bytes, node_concurrency = EXCLUDED.node_concurrency, "
                        "bytes_per_second = EXCLUDED.bytes_per_second, table_rows = EXCLUDED.table_rows, "
                        "run_id = EXCLUDED.run_id, chosen_at = now()");
    });
  }

  Status end_run(const RunRecord& run) override {
    std::lock_guard lock(mu_);
    return once_more_if_lost([&] {
      return conn_.exec("UPDATE " + table("runs") + " SET status = " + quote_literal(run.status) +
                        ", finished_at = now(), retries = " + std::to_string(run.retries) +
                        ", error = " + (run.error.empty() ? std::string("NULL") : quote_literal(run.error)) +
                        " WHERE run_id = " + quote_literal(run.run_id) +
                        " AND stream = " + quote_literal(run.stream));
    });
  }

 private:
  std::string table(const char* name) const { return quote_ident(schema_) + "." + quote_ident(name); }

  // (Re)connects when there is no usable connection, e.g. after the server restarted, and
  // takes the run locks again: they went with the old connection.
  Status connect() {
    if (conn_.is_open() && PQstatus(conn_.get()) == CONNECTION_OK) return Status::ok();
    RBC_ASSIGN_OR_RETURN(conn_, PgConn::connect(params_));
    if (!holder_.empty())
      RBC_RETURN_NOT_OK(conn_.exec("SET application_name = " + quote_literal(holder_.substr(0, 63))));
    std::vector<std::string> locks = std::move(locks_);
    locks_.clear();
    for (const auto& name : locks) RBC_RETURN_NOT_OK(take_lock(name));
    return Status::ok();
  }

  // Runs `op` on a connection; when the connection broke under it (a server restart, a
  // killed backend), once more on a new one: the run's record must not stay "running".
  template <typename Op>
  auto once_more_if_lost(Op op) -> decltype(op()) {
    RBC_RETURN_NOT_OK(connect());
    auto result = op();
    if (result.is_ok() || PQstatus(conn_.get()) == CONNECTION_OK) return result;
    RBC_RETURN_NOT_OK(connect());
    return op();
  }

  static std::string run_lock_name(const RunRecord& run) {
    return "rbc run " + run.pipeline + "\x1f" + run.stream;
  }

  Status take_lock(const std::string& name) {
    if (std::find(locks_.begin(), locks_.end(), name) != locks_.end()) return Status::ok();
    RBC_ASSIGN_OR_RETURN(auto other, try_advisory_lock(conn_, name));
    if (other) {
      size_t split = name.find('\x1f');  // "rbc run PIPELINE\x1fSTREAM"
      return Status::invalid("another run of pipeline \"" + name.substr(8, split - 8) + "\" stream \"" +
                             name.substr(split + 1) + "\" is in progress: " + *other +
                             "; two runs of one stream cannot overlap");
    }
    locks_.push_back(name);
    return Status::ok();
  }

  Status create_tables() {
    // Check first: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the
    // schema exists.
    RBC_ASSIGN_OR_RETURN(auto ns, conn_.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = " +
                                              quote_literal(schema_)));
    if (PQntuples(ns.get()) == 0)
      RBC_RETURN_NOT_OK(conn_.exec("CREATE SCHEMA IF NOT EXISTS " + quote_ident(schema_)));
    return conn_.exec(
        "CREATE TABLE IF NOT EXISTS " + table("cursors") +
        " (pipeline text NOT NULL, stream text NOT NULL, cursor_value text NOT NULL, tie_breaker_value text,"
        " run_id text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (pipeline, "
        "stream));"
        "CREATE TABLE IF NOT EXISTS " +
        table("runs") +
        " (run_id text NOT NULL, pipeline text NOT NULL, stream text NOT NULL,"
        " started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz, status text NOT NULL,"
        " rows_committed bigint NOT NULL DEFAULT 0, checkpoints integer NOT NULL DEFAULT 0,"
        " retries integer NOT NULL DEFAULT 0, error text, PRIMARY KEY (run_id, stream));"
        "CREATE TABLE IF NOT EXISTS " +
        table("autotune") +
        " (pipeline text NOT NULL, stream text NOT NULL, cores integer NOT NULL, parallelism integer NOT "
        "NULL,"
        " partition_mode text NOT NULL, copy_flush_bytes bigint NOT NULL, node_concurrency integer NOT NULL,"
        " bytes_per_second float8 NOT NULL, table_rows float8 NOT NULL, run_id text NOT NULL,"
        " chosen_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (pipeline, stream, cores))");
  }

  ConnParams params_;
  bool in_destination_;
  std::string schema_;
  PgConn conn_;
  std::string holder_;              // the connection's application_name: "rbc PIPELINE run ID"
  std::vector<std::string> locks_;  // the run locks this connection holds
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<StateStore>> make_postgres_state_store(const Config& config, bool in_destination,
                                                              std::string schema) {
  RBC_ASSIGN_OR_RETURN(pg::ConnParams params, pg::conn_params_from_config(config));
  return std::unique_ptr<StateStore>(
      std::make_unique<PostgresStateStore>(std::move(params), in_destination, std::move(schema)));
}

Result<std::unique_ptr<StateStore>> make_postgres_state_store(const StateSpec& state,
                                                              const ConnectorRef& destination) {
  bool own_url = state.config.values.contains("url") || state.config.values.contains("host");
  if (!own_url && destination.use.value != "postgres") {
    return Status::invalid("state: backend postgres needs `state.config.url` when the destination is " +
                           destination.use.value);
  }
  return make_postgres_state_store(own_url ? state.config : destination.config, !own_url,
                                   state.config.string_or("schema", "rbc_state"));
}

}  // namespace rbc
