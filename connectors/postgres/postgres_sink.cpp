// PostgresSink: the leader creates the schema and table (and, for replace, a staging
// table) before any writer opens; writers only COPY. Each writer works in a transaction
// that checkpoint() commits and reopens (append, upsert) and commit() ends:
//   append  — COPY into the table;
//   replace — COPY into a staging table of the run's own; finish() swaps it in (drop old,
//             rename, carry over keys, indexes, triggers, grants, policies, ... pg_replace.h)
//             in one transaction, so readers see the old table or the new one;
//   upsert  — COPY into a per-writer temporary table, then INSERT ... ON CONFLICT (pk) DO
//             UPDATE (last row per key wins), so running it twice changes nothing;
//   changes — (SinkRequest::apply_changes, cdc) like upsert, but the last change per key
//             decides: a delete deletes, an insert or update upserts; a truncate, and an
//             update that did not send some values (unchanged TOAST), are applied on their
//             own, in order, after the changes before them.
// Columns whose destination type binary COPY cannot feed directly (an rbc text value into
// an interval column, ...) are staged in a temporary table and cast on insert.
// With SinkRequest::state, every commit also records its checkpoint (cursor, rows) in the
// state tables, in the same transaction; for replace that is the swap's transaction.
// The leader holds the target's advisory lock for the whole run (pg_replace.h): two runs
// never write one table at once, whatever their write modes.
#include <algorithm>
#include <map>
#include <mutex>

#include "connectors/postgres/pg_catalog.h"
#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_copy.h"
#include "connectors/postgres/pg_replace.h"
#include "connectors/postgres/pg_state.h"
#include "connectors/postgres/postgres.h"
#include "connectors/specs/connector_specs.h"
#include "graph/units.h"
#include "graph/value_format.h"

namespace rbc {
namespace {

using namespace rbc::pg;

constexpr size_t kDefaultFlushBytes = 4 << 20;
constexpr size_t kMaxFlushBytes = 32 << 20;
// Each COPY's first flush: the server starts inserting while the writer encodes the rest
// (the flushes then double up to copy_flush_bytes), instead of idling until 4 MiB are ready.
constexpr size_t kFirstFlushBytes = 256 << 10;

struct TableState {
  ConnParams params;
  TableRef target;
  std::shared_ptr<TargetLock> lock;  // held from prepare() until the sink is gone
  TableRef staging;                  // replace only
  std::string staging_oid;           // replace: what finish() checks it swaps in
  PgTable dest;                      // the table writers COPY into (staging for replace), as described
  std::vector<std::string> primary_key;
  size_t flush_bytes = kDefaultFlushBytes;
  // replace with SinkRequest::state: what the writers committed, for finish() to store.
  std::mutex replace_mu;
  Checkpoint replace_checkpoint;
};

std::string stream_key(const SinkRequest& request) { return request.pipeline + "\x1f" + request.stream; }

std::string join_idents(const std::vector<std::string>& names, std::string_view prefix = {}) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::string(prefix) + quote_ident(names[i]);
  }
  return out;
}

size_t clamp_flush_bytes(int64_t bytes) {
  return static_cast<size_t>(std::clamp<int64_t>(bytes, 4096, static_cast<int64_t>(kMaxFlushBytes)));
}

// copy_flush_bytes as a number of bytes or a size ("8mb"), clamped to 4 KiB .. 32 MiB.
size_t flush_bytes_of(const Config& config) {
  auto it = config.values.find("copy_flush_bytes");
  if (it == config.values.end()) return kDefaultFlushBytes;
  std::optional<int64_t> bytes;
  if (it->is_number()) bytes = static_cast<int64_t>(it->get<double>());
  if (it->is_string()) bytes = parse_byte_size(it->get<std::string>());
  if (!bytes) return kDefaultFlushBytes;
  return clamp_flush_bytes(*bytes);
}

class PostgresWriter final : public PartitionWriter {
 public:
  PostgresWriter(PgConn conn, std::shared_ptr<TableState> state, const SinkRequest& request)
      : conn_(std::move(conn)),
        state_(std::move(state)),
        request_(request),
        flush_bytes_(state_->flush_bytes) {}
  ~PostgresWriter() override {
    if (conn_.is_open()) abort();
  }

  // Works out how each column travels (directly, or staged and cast), then opens the
  // first transaction.
  Status start(const Schema& schema) {
    const PgTable& dest = state_->dest;
    std::vector<WireKind> wires;
    bool need_stage = request_.write_mode == WriteMode::upsert || request_.apply_changes;
    if (request_.apply_changes) {
      op_index_ = schema.index_of("_op");
      unchanged_index_ = schema.index_of("_unchanged_cols");
      if (op_index_ < 0) {
        return Status::invalid("postgres: applying changes to " + state_->target.display() +
                               " needs the stream's _op column (keep it in the select list)");
      }
    }
    for (size_t i = 0; i < schema.size(); ++i) {
      const Field& field = schema.field(i);
      if (static_cast<int>(i) == op_index_) {  // staged, for merge_sql
        wires.push_back(natural_wire(field.type));
        names_.push_back(field.name);
        continue;
      }
      const PgColumn* column = dest.column(field.name);
      if (column == nullptr) {  // schema_evolution: ignore, or a change column
        wires.push_back(WireKind::skip);
        continue;
      }
      WireKind wire = direct_wire(field.type, *column);
      need_stage = need_stage || wire == WireKind::as_text;
      wires.push_back(wire);
      names_.push_back(field.name);
    }
    if (need_stage) {
      // A temporary table is private to this session, not WAL-logged, and dropped at commit.
      stage_ddl_ = "CREATE TEMP TABLE _rbc_write (";
      for (size_t i = 0; i < schema.size(); ++i) {
        const Field& field = schema.field(i);
        if (static_cast<int>(i) == op_index_) {
          cast_.emplace_back();
          stage_ddl_ += "_op text, ";
          continue;
        }
        const PgColumn* column = dest.column(field.name);
        if (column == nullptr) continue;  // skipped: cast_ stays aligned with names_
        bool cast = wires[i] == WireKind::as_text;
        if (cast) {
          wires[i] = natural_wire(field.type);
          cast_.push_back(column->type_sql);
        } else {
          cast_.emplace_back();
        }
        stage_ddl_ +=
            quote_ident(field.name) + " " + (cast ? pg_type_sql(field.type) : column->type_sql) + ", ";
      }
      stage_ddl_ += "_rbc_seq bigint GENERATED ALWAYS AS IDENTITY) ON COMMIT DROP";
    }
    encoder_.emplace(std::move(wires), names_);
    buffer_.reserve(flush_bytes_ + (64 << 10));
    return begin();
  }

  Status write(const Batch& batch) override {
    if (!in_copy_) return Status::internal("postgres: write() on a closed writer");
    if (!request_.apply_changes) return write_rows(batch, 0, batch.num_rows);
    // A truncate, and a change that did not send some values (unchanged TOAST), cannot be
    // merged with the changes around it: what was staged before it is applied first.
    size_t from = 0;
    for (size_t row = 0; row < batch.num_rows; ++row) {
      std::string_view op = op_at(batch, row);
      (op == "delete" ? staged_deletes_ : staged_upserts_) = true;
      bool truncate = op == "truncate";
      bool partial =
          unchanged_index_ >= 0 && !batch.columns[static_cast<size_t>(unchanged_index_)].is_null(row);
      // A changed key arrives as a delete and an insert that both name the unsent values.
      bool moved = partial && op == "delete" && row + 1 < batch.num_rows && op_at(batch, row + 1) == "insert";
      if (!truncate && !(partial && op == "update") && !moved) continue;
      RBC_RETURN_NOT_OK(write_rows(batch, from, row));
      RBC_RETURN_NOT_OK(end_copy());
      RBC_RETURN_NOT_OK(conn_.exec("TRUNCATE _rbc_write"));
      if (truncate) {
        RBC_RETURN_NOT_OK(conn_.exec("TRUNCATE " + state_->dest.ref.quoted()));
      } else {
        RBC_RETURN_NOT_OK(apply_partial(batch, row, moved));
      }
      RBC_RETURN_NOT_OK(start_copy());
      if (moved) ++row;
      from = row + 1;
    }
    return write_rows(batch, from, batch.num_rows);
  }

  std::string_view op_at(const Batch& batch, size_t row) const {
    return batch.columns[static_cast<size_t>(op_index_)].string_at(row);
  }

  Status write_rows(const Batch& batch, size_t first, size_t last) {
    constexpr size_t kChunkRows = 1024;  // check the flush threshold this often
    for (size_t begin = first; begin < last; begin += kChunkRows) {
      size_t end = std::min(last, begin + kChunkRows);
      RBC_RETURN_NOT_OK(encoder_->append_rows(batch, begin, end, buffer_));
      if (buffer_.size() >= std::min(flush_bytes_, ramp_bytes_)) {
        RBC_RETURN_NOT_OK(flush());
        ramp_bytes_ = std::min(ramp_bytes_ * 2, kMaxFlushBytes);
      }
    }
    return Status::ok();
  }

  void set_flush_bytes(size_t bytes) override {
    flush_bytes_ = clamp_flush_bytes(static_cast<int64_t>(bytes));
  }

  // append and upsert commit at every checkpoint; replace loads a staging table that
  // only finish() makes visible, so it has nothing to commit early.
  Result<bool> checkpoint(const Checkpoint& checkpoint) override {
    if (request_.write_mode == WriteMode::replace) return false;
    RBC_RETURN_NOT_OK(end_copy());
    RBC_RETURN_NOT_OK(commit_transaction(&checkpoint));
    RBC_RETURN_NOT_OK(begin());
    return true;
  }

  // Ends the COPY (and merges an upsert's staging rows): the slow part of committing.
  Status finish_writing() override { return end_copy(); }

  Status commit(const Checkpoint& checkpoint) override {
    if (in_copy_) RBC_RETURN_NOT_OK(end_copy());
    if (request_.write_mode == WriteMode::replace) {
      RBC_RETURN_NOT_OK(commit_transaction(nullptr));
      // The checkpoint goes into finish()'s swap, the transaction that publishes the rows.
      std::lock_guard lock(state_->replace_mu);
      state_->replace_checkpoint.rows += checkpoint.rows;
      if (checkpoint.position) state_->replace_checkpoint.position = checkpoint.position;
    } else {
      RBC_RETURN_NOT_OK(commit_transaction(&checkpoint));
    }
    conn_.close();
    return Status::ok();
  }

  void abort() override {
    if (!conn_.is_open()) return;
    if (in_copy_) {
      PQputCopyEnd(conn_.get(), "aborted by rbc");
      while (PgResult extra{PQgetResult(conn_.get())}) {
      }
      in_copy_ = false;
    }
    (void)conn_.exec("ROLLBACK");
    conn_.close();
  }

 private:
  std::string context() const { return "writing " + state_->target.display(); }

  // Opens a transaction, the staging table if one is needed, and the COPY.
  Status begin() {
    RBC_RETURN_NOT_OK(conn_.exec("BEGIN"));
    if (!stage_ddl_.empty()) RBC_RETURN_NOT_OK(conn_.exec(stage_ddl_));
    return start_copy();
  }

  Status start_copy() {
    std::string copy_target = stage_ddl_.empty() ? state_->dest.ref.quoted() : "_rbc_write";
    std::string sql = "COPY " + copy_target + " (" + join_idents(names_) + ") FROM STDIN (FORMAT binary)";
    PgResult result(PQexec(conn_.get(), sql.c_str()));
    if (!result || PQresultStatus(result.get()) != PGRES_COPY_IN) {
      return conn_.error_status(result.get(), context());
    }
    in_copy_ = true;
    ramp_bytes_ = kFirstFlushBytes;
    buffer_.clear();
    CopyEncoder::append_header(buffer_);
    return Status::ok();
  }

  // Ends the COPY and moves staged rows into the table; the transaction stays open.
  Status end_copy() {
    if (!in_copy_) return Status::internal("postgres: commit on a closed writer");
    CopyEncoder::append_trailer(buffer_);
    RBC_RETURN_NOT_OK(flush());
    in_copy_ = false;
    if (PQputCopyEnd(conn_.get(), nullptr) != 1) return conn_.error_status(nullptr, context());
    PgResult result(PQgetResult(conn_.get()));
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return conn_.error_status(result.get(), context());
    }
    while (PgResult extra{PQgetResult(conn_.get())}) {
    }
    if (!stage_ddl_.empty()) {
      std::string merge = merge_sql();
      if (!merge.empty()) RBC_RETURN_NOT_OK(conn_.exec(merge));
    }
    staged_deletes_ = staged_upserts_ = false;
    return Status::ok();
  }

  // Records `checkpoint` in the state tables (when the state lives here) and commits.
  Status commit_transaction(const Checkpoint* checkpoint) {
    if (checkpoint != nullptr && request_.state) {
      const auto& st = *request_.state;
      RBC_RETURN_NOT_OK(
          conn_.exec(checkpoint_sql(st.schema, request_.pipeline, st.stream, st.run_id, *checkpoint)));
    }
    PgResult done(PQexec(conn_.get(), "COMMIT"));
    if (!done || PQresultStatus(done.get()) != PGRES_COMMAND_OK) {
      // A broken connection during COMMIT leaves its outcome unknown; a server error
      // means it rolled back.
      bool lost = PQstatus(conn_.get()) == CONNECTION_BAD;
      return conn_.error_status(done.get(), context(),
                                lost ? CommitState::after_commit_unknown : CommitState::before_commit);
    }
    return Status::ok();
  }

  // Hands the buffer to libpq as CopyData messages of at most kCopyMessageBytes: the server
  // reads a whole message before it parses any of it, so a 4 MiB message would be copied
  // through memory, where 64 KiB ones stay in cache (and match its own COPY buffer).
  Status flush() {
    constexpr size_t kCopyMessageBytes = 64 << 10;
    for (size_t at = 0; at < buffer_.size(); at += kCopyMessageBytes) {
      size_t n = std::min(kCopyMessageBytes, buffer_.size() - at);
      if (PQputCopyData(conn_.get(), buffer_.data() + at, static_cast<int>(n)) != 1) {
        return conn_.error_status(nullptr, context());
      }
    }
    buffer_.clear();
    return Status::ok();
  }

  // Moves the staged rows into the table: cast where needed, and for upsert one row per
  // key (the last written) merged with ON CONFLICT; for applied changes the last change per
  // key deletes or upserts. "" when there is nothing to run.
  std::string merge_sql() const {
    std::string select;
    std::vector<std::string> columns;  // the destination's, without _op
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == "_op" && request_.apply_changes) continue;
      if (!columns.empty()) select += ", ";
      columns.push_back(names_[i]);
      select += value_sql(i, "");
    }
    std::string target = state_->dest.ref.quoted();
    if (request_.write_mode != WriteMode::upsert && !request_.apply_changes) {
      return "INSERT INTO " + target + " (" + join_idents(columns) + ") SELECT " + select +
             " FROM _rbc_write ORDER BY _rbc_seq";
    }
    const auto& pk = state_->primary_key;
    // The last row (change) per key.
    std::string last = "(SELECT DISTINCT ON (" + join_idents(pk) + ") * FROM _rbc_write ORDER BY " +
                       join_idents(pk) + ", _rbc_seq DESC) AS last";
    std::string sql;
    if (request_.apply_changes) {
      // Only the statements the staged changes need: a load of inserts deletes nothing.
      std::string same_key;
      for (const auto& key : pk) {
        size_t i = std::find(names_.begin(), names_.end(), key) - names_.begin();
        same_key += " AND " + target + "." + quote_ident(key) + " = " + value_sql(i, "last.", false);
      }
      if (staged_deletes_)
        sql = "DELETE FROM " + target + " USING " + last + " WHERE last._op = 'delete'" + same_key + "; ";
      if (!staged_upserts_) return sql;  // "" when nothing was staged
    }
    sql += "INSERT INTO " + target + " (" + join_idents(columns) + ") SELECT " + select + " FROM " + last +
           (request_.apply_changes ? " WHERE last._op <> 'delete'" : "") + " ON CONFLICT (" +
           join_idents(pk) + ") DO ";
    std::string sets;
    for (const auto& name : columns) {
      if (std::find(pk.begin(), pk.end(), name) != pk.end()) continue;
      if (!sets.empty()) sets += ", ";
      sets += quote_ident(name) + " = EXCLUDED." + quote_ident(name);
    }
    return sql + (sets.empty() ? "NOTHING" : "UPDATE SET " + sets);
  }

  // Staged column `i` as the destination takes it: cast when it was staged as text.
  std::string value_sql(size_t i, std::string_view qualifier, bool named = true) const {
    std::string value = std::string(qualifier) + quote_ident(names_[i]);
    if (cast_[i].empty()) return value;
    return value + "::" + cast_[i] + (named ? " AS " + quote_ident(names_[i]) : "");
  }

  // A change that did not send some values (unchanged TOAST), applied on its own: an
  // update sets the values it sent; a moved row (`row` deletes the old key, `row + 1`
  // inserts the new one) is inserted with the unsent values taken from the old row, which
  // is then deleted.
  Status apply_partial(const Batch& batch, size_t row, bool moved) {
    size_t values_row = moved ? row + 1 : row;
    std::string unchanged =
        "," + std::string(batch.columns[static_cast<size_t>(unchanged_index_)].string_at(row)) + ",";
    const auto& pk = state_->primary_key;
    std::vector<std::string> values;
    std::vector<bool> nulls;
    auto param = [&](size_t column, size_t at, const PgColumn& dest) {
      values.emplace_back();
      nulls.push_back(batch.columns[column].is_null(at));
      if (!nulls.back()) append_formatted_value(values.back(), batch.columns[column], at);
      return "$" + std::to_string(values.size()) + "::" + dest.type_sql;
    };
    // The old key first ($1..$k): the DELETE of a moved row passes only those.
    std::string sets, old_key, names, selected;
    const Schema& schema = *request_.schema;
    for (const auto& key : pk) {
      int i = schema.index_of(key);
      const PgColumn* column = state_->dest.column(key);
      if (i < 0 || column == nullptr)
        return Status::invalid("postgres: primary key column \"" + key + "\" is not in the stream");
      old_key += std::string(old_key.empty() ? "" : " AND ") + quote_ident(key) + " = " +
                 param(static_cast<size_t>(i), row, *column);
    }
    size_t key_params = values.size();
    for (size_t i = 0; i < schema.size(); ++i) {
      const std::string& name = schema.field(i).name;
      const PgColumn* column = state_->dest.column(name);
      if (column == nullptr || static_cast<int>(i) == op_index_) continue;
      bool key = std::find(pk.begin(), pk.end(), name) != pk.end();
      bool unsent = !key && unchanged.find("," + name + ",") != std::string::npos;
      if (!moved) {
        if (!key && !unsent)
          sets += std::string(sets.empty() ? "" : ", ") + quote_ident(name) + " = " + param(i, row, *column);
        continue;
      }
      names += std::string(names.empty() ? "" : ", ") + quote_ident(name);
      selected += std::string(selected.empty() ? "" : ", ") +
                  (unsent ? quote_ident(name) : param(i, values_row, *column));
    }
    std::string target = state_->dest.ref.quoted();
    if (!moved)
      return sets.empty()
                 ? Status::ok()
                 : exec_params("UPDATE " + target + " SET " + sets + " WHERE " + old_key, values, nulls);
    RBC_RETURN_NOT_OK(exec_params("INSERT INTO " + target + " (" + names + ") SELECT " + selected + " FROM " +
                                      target + " WHERE " + old_key + " ON CONFLICT (" + join_idents(pk) +
                                      ") DO NOTHING",
                                  values, nulls));
    values.resize(key_params);
    nulls.resize(key_params);
    return exec_params("DELETE FROM " + target + " WHERE " + old_key, values, nulls);
  }

  Status exec_params(const std::string& sql, const std::vector<std::string>& values,
                     const std::vector<bool>& nulls) {
    std::vector<const char*> params;
    for (size_t i = 0; i < values.size(); ++i) params.push_back(nulls[i] ? nullptr : values[i].c_str());
    PgResult result(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                                 params.data(), nullptr, nullptr, 0));
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return conn_.error_status(result.get(), context());
    }
    return Status::ok();
  }

  PgConn conn_;
  std::shared_ptr<TableState> state_;
  SinkRequest request_;
  std::vector<std::string> names_;
  std::vector<std::string> cast_;             // per column: the destination type to cast to, or ""
  std::string stage_ddl_;                     // the temporary staging table, when one is needed
  int op_index_ = -1, unchanged_index_ = -1;  // apply_changes: the change columns
  bool staged_deletes_ = false, staged_upserts_ = false;  // apply_changes: since the last merge
  std::optional<CopyEncoder> encoder_;
  std::string buffer_;
  size_t flush_bytes_;
  size_t ramp_bytes_ = kFirstFlushBytes;  // caps this COPY's next flush below flush_bytes_
  bool in_copy_ = false;
};

class PostgresSink final : public Sink {
 public:
  // One per writer: the leader prepares on the first writer's.
  void connect_ahead(const Config& config, int writers) override { ahead_.start(config, writers); }

  Status prepare(const SinkRequest& request) override {
    if (!request.schema) return Status::internal("postgres: sink request without a schema");
    auto state = std::make_shared<TableState>();
    RBC_ASSIGN_OR_RETURN(state->params, conn_params_from_config(request.config));
    state->target = parse_table_name(request.config.string_or("table", request.stream), state->params.schema);
    state->flush_bytes = flush_bytes_of(request.config);
    const TableRef& target = state->target;
    RBC_ASSIGN_OR_RETURN(state->lock, lock_target(state->params, target,
                                                  "rbc " + request.pipeline + " run " + request.run_id));
    RBC_ASSIGN_OR_RETURN(PgConn conn, ahead_.take(state->params));

    // Check before CREATE SCHEMA IF NOT EXISTS: it needs CREATE on the database even when
    // the schema exists.
    RBC_ASSIGN_OR_RETURN(auto ns, conn.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = " +
                                             quote_literal(target.schema)));
    if (PQntuples(ns.get()) == 0) {
      RBC_RETURN_NOT_OK(conn.exec("CREATE SCHEMA IF NOT EXISTS " + quote_ident(target.schema)));
    }
    // Applied changes leave their change columns behind: the table mirrors the source's.
    Schema columns;
    for (const auto& field : request.schema->fields()) {
      if (!(request.apply_changes && is_change_column(field.name))) columns.add(field);
    }
    RBC_ASSIGN_OR_RETURN(auto existing, describe_table(conn, target));
    if (!existing) {
      RBC_RETURN_NOT_OK(conn.exec(create_table_sql(target, columns, request.primary_key)));
      RBC_ASSIGN_OR_RETURN(existing, describe_table(conn, target));
      if (!existing) return Status::internal("postgres: created " + target.display() + " but cannot see it");
    }
    RBC_RETURN_NOT_OK(evolve_schema(conn, target, columns, request.schema_evolution, existing));
    for (const auto& field : columns.fields()) {
      const PgColumn* column = existing->column(field.name);
      if (column == nullptr) continue;  // schema_evolution: ignore
      if (column->generated) {
        return Status::invalid("postgres: column \"" + field.name + "\" of " + target.display() +
                               " is generated and cannot be written");
      }
    }
    state->primary_key = request.primary_key.empty() ? existing->primary_key : request.primary_key;
    if (request.write_mode == WriteMode::upsert || request.apply_changes) {
      const char* what = request.apply_changes ? "applying changes to " : "upsert into ";
      if (state->primary_key.empty())
        return Status::invalid("postgres: " + std::string(what) + target.display() + " needs a primary key");
      for (const auto& key : state->primary_key) {
        if (request.schema->index_of(key) < 0) {
          return Status::invalid("postgres: primary key column \"" + key + "\" is not in the stream");
        }
      }
      RBC_RETURN_NOT_OK(check_unique_key(conn, target, state->primary_key, what));
    }
    state->dest = std::move(*existing);

    if (request.write_mode == WriteMode::replace) {
      RBC_RETURN_NOT_OK(check_replaceable(conn, target));
      RBC_RETURN_NOT_OK(drop_orphan_stagings(conn, target));
      // The staging table has the destination's columns, defaults and storage but no
      // indexes: loading is faster, and finish() builds them once.
      state->staging = staging_name(target, request.run_id);
      RBC_RETURN_NOT_OK(conn.exec("CREATE TABLE " + state->staging.quoted() + " (LIKE " + target.quoted() +
                                  " INCLUDING ALL EXCLUDING INDEXES)"));
      RBC_RETURN_NOT_OK(continue_identities(conn, target, state->staging));
      RBC_ASSIGN_OR_RETURN(
          auto oid, conn.query("SELECT to_regclass(" + quote_literal(state->staging.quoted()) + ")::oid"));
      state->staging_oid = PQgetvalue(oid.get(), 0, 0);
      state->dest.ref = state->staging;
    }
    ahead_.give_back(state->params, std::move(conn));
    std::lock_guard lock(mu_);
    tables_[stream_key(request)] = state;
    return Status::ok();
  }

  Result<std::unique_ptr<PartitionWriter>> open(const SinkRequest& request, int index) override {
    std::shared_ptr<TableState> state;
    {
      std::lock_guard lock(mu_);
      auto it = tables_.find(stream_key(request));
      if (it == tables_.end())
        return Status::internal("postgres: open() of " + request.stream + " before prepare()");
      state = it->second;
    }
    RBC_ASSIGN_OR_RETURN(PgConn conn, ahead_.take(state->params));
    auto writer = std::make_unique<PostgresWriter>(std::move(conn), state, request);
    RBC_RETURN_NOT_OK(writer->start(*request.schema));
    return std::unique_ptr<PartitionWriter>(std::move(writer));
  }

  Status finish(const SinkRequest& request) override {
    if (request.write_mode != WriteMode::replace) return Status::ok();
    RBC_ASSIGN_OR_RETURN(auto state, find(request));
    RBC_ASSIGN_OR_RETURN(PgConn conn, PgConn::connect(state->params));
    const TableRef& target = state->target;
    RBC_RETURN_NOT_OK(conn.exec("BEGIN"));
    // The staging table must be the one this run created and loaded.
    RBC_ASSIGN_OR_RETURN(
        auto oid, conn.query("SELECT to_regclass(" + quote_literal(state->staging.quoted()) + ")::oid"));
    if (PQgetisnull(oid.get(), 0, 0) || state->staging_oid != PQgetvalue(oid.get(), 0, 0)) {
      (void)conn.exec("ROLLBACK");
      return Status::invalid("postgres: the staging table " + state->staging.display() + " of " +
                             target.display() + " is not the one this run loaded; nothing was replaced");
    }
    // What the old table has that the new one must keep, read before it is dropped.
    RBC_ASSIGN_OR_RETURN(CarryOver carry, carry_over(conn, target, state->staging, state->primary_key));
    Status status = Status::ok();
    for (size_t i = 0; status.is_ok() && i < carry.before_drop.size(); ++i)
      status = conn.exec(carry.before_drop[i]);
    if (status.is_ok()) status = conn.exec("DROP TABLE " + target.quoted());
    if (status.is_ok()) {
      status = conn.exec("ALTER TABLE " + state->staging.quoted() + " RENAME TO " + quote_ident(target.name));
    }
    for (size_t i = 0; status.is_ok() && i < carry.after_rename.size(); ++i)
      status = conn.exec(carry.after_rename[i]);
    if (status.is_ok() && request.state) {
      // The replaced rows and the state that describes them become visible together.
      std::lock_guard lock(state->replace_mu);
      status = conn.exec(checkpoint_sql(request.state->schema, request.pipeline, request.state->stream,
                                        request.state->run_id, state->replace_checkpoint));
    }
    if (!status.is_ok()) {
      (void)conn.exec("ROLLBACK");
      return status;
    }
    PgResult done(PQexec(conn.get(), "COMMIT"));
    if (!done || PQresultStatus(done.get()) != PGRES_COMMAND_OK) {
      bool lost = PQstatus(conn.get()) == CONNECTION_BAD;
      return conn.error_status(done.get(), "replacing " + target.display(),
                               lost ? CommitState::after_commit_unknown : CommitState::before_commit);
    }
    return Status::ok();
  }

  void abandon(const SinkRequest& request) override {
    auto state = find(request);
    if (!state.is_ok() || request.write_mode != WriteMode::replace) return;
    auto conn = PgConn::connect(state.value()->params);
    if (conn.is_ok()) (void)conn->exec("DROP TABLE IF EXISTS " + state.value()->staging.quoted());
  }

 private:
  Result<std::shared_ptr<TableState>> find(const SinkRequest& request) {
    std::lock_guard lock(mu_);
    auto it = tables_.find(stream_key(request));
    if (it == tables_.end()) return Status::internal("postgres: " + request.stream + " was not prepared");
    return std::shared_ptr<TableState>(it->second);
  }

  // The leader applies schema_evolution to stream columns the existing table lacks:
  // add_columns adds them (nullable), fail stops before anything is written, ignore
  // leaves them out of the COPY.
  static Status evolve_schema(PgConn& conn, const TableRef& target, const Schema& schema,
                              SchemaEvolution mode, std::optional<PgTable>& existing) {
    std::vector<const Field*> missing;
    for (const auto& field : schema.fields()) {
      if (existing->column(field.name) == nullptr) missing.push_back(&field);
    }
    if (missing.empty() || mode == SchemaEvolution::ignore) return Status::ok();
    std::string names;
    for (const Field* field : missing) names += (names.empty() ? "" : ", ") + field->name;
    if (mode == SchemaEvolution::fail) {
      return Status::invalid("postgres: " + target.display() + " has no column " + names +
                             " of the stream (schema_evolution: fail)");
    }
    std::string sql = "ALTER TABLE " + target.quoted();
    for (size_t i = 0; i < missing.size(); ++i) {
      sql += std::string(i ? "," : "") + " ADD COLUMN IF NOT EXISTS " + quote_ident(missing[i]->name) + " " +
             pg_type_sql(missing[i]->type);
    }
    RBC_RETURN_NOT_OK(conn.exec(sql));
    RBC_ASSIGN_OR_RETURN(existing, describe_table(conn, target));
    if (!existing)
      return Status::internal("postgres: " + target.display() + " vanished while adding " + names);
    return Status::ok();
  }

  static std::string create_table_sql(const TableRef& target, const Schema& schema,
                                      const std::vector<std::string>& primary_key) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + target.quoted() + " (";
    for (size_t i = 0; i < schema.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += quote_ident(schema.field(i).name) + " " + pg_type_sql(schema.field(i).type);
    }
    if (!primary_key.empty()) sql += ", PRIMARY KEY (" + join_idents(primary_key) + ")";
    return sql + ")";
  }

  ConnectAhead ahead_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<TableState>> tables_;
};

}  // namespace

std::unique_ptr<Sink> make_postgres_sink() { return std::make_unique<PostgresSink>(); }

}  // namespace rbc
