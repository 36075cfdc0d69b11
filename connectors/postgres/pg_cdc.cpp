// Change data capture from PostgreSQL: publication and slot set-up, and the change reader
// (pg_cdc.h).
#include "connectors/postgres/pg_cdc.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "graph/units.h"
#include "graph/value_format.h"

namespace rbc::pg {
namespace {

// How long a reader waits for a change before it checks whether to stop.
constexpr int kPollMs = 200;
// How many times, 100 ms apart, a run waits for an active slot to be released (10 s): a
// killed run's walsender lets go once the server sees its connection close.
constexpr int kSlotReleaseWaits = 100;
// Standby status updates at least this often keep the walsender from timing the
// connection out (wal_sender_timeout, 60 s by default) and let the slot release WAL.
constexpr auto kStatusInterval = std::chrono::seconds(10);

uint32_t fnv1a(std::string_view text) {
  uint32_t hash = 2166136261u;
  for (char c : text) hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
  return hash;
}

// "rbc_<pipeline>_<table>_<hash>": slot names allow [a-z0-9_] and 63 bytes; the hash of the
// full names keeps two long names that share a prefix apart.
std::string derived_name(const std::string& pipeline, const TableRef& table) {
  std::string readable;
  for (char c : pipeline + "_" + table.name) {
    char lower = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    bool allowed = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    readable += allowed ? lower : '_';
  }
  if (readable.size() > 45) readable.resize(45);
  char hash[16];
  std::snprintf(hash, sizeof hash, "_%08x", fnv1a(pipeline + "\x1f" + table.display()));
  return "rbc_" + readable + hash;
}

std::string on_truncate_of(const Config& config) { return config.string_or("on_truncate", "apply"); }

int64_t unix_micros_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the run monitor reads of a reader for the stream's lag (DurablePosition::lag), from
// its own thread: the reader updates it as it reads.
struct LagState {
  std::mutex mu;
  Lsn server_end = 0;  // the server's end of WAL, as it last said
  Lsn confirmed = 0;   // what the reader last confirmed to the server
  // Transactions read but not known to be applied: their end LSN and commit time (Unix µs).
  std::deque<std::pair<Lsn, int64_t>> pending;
};

class CdcReader final : public PartitionReader {
 public:
  CdcReader(std::unique_ptr<PartitionReader> snapshot, CdcStart start, const PgTable& table,
            std::vector<std::string> columns, std::shared_ptr<const Schema> schema,
            const StreamRequest& request)
      : snapshot_(std::move(snapshot)),
        start_(std::move(start)),
        table_(table),
        columns_(std::move(columns)),
        schema_(std::move(schema)),
        request_(request),
        max_rows_(std::max<size_t>(1, request.max_batch_rows)) {
    for (const auto& key : table_.primary_key) {
      for (size_t i = 0; i < columns_.size(); ++i) {
        if (columns_[i] == key) key_outputs_.push_back(i);
      }
    }
    lag_->server_end = std::max(start_.from, start_.caught_up_at);
    lag_->confirmed = start_.from;
    if (request_.durable) {
      // The probe lives in the DurablePosition it reads, so it holds that by address only.
      request_.durable->set_lag_probe([lag = lag_, durable = request_.durable.get(), from = start_.from,
                                       limit = max_slot_wal_of(request_.config)] {
        Lsn applied = from;
        if (auto position = durable->get()) {
          if (auto lsn = parse_lsn(position->cursor_value)) applied = std::max(applied, *lsn);
        }
        std::lock_guard lock(lag->mu);
        applied = std::max(applied, lag->confirmed);
        while (!lag->pending.empty() && lag->pending.front().first <= applied) lag->pending.pop_front();
        ReplicationLag out;
        out.bytes = lag->server_end > applied ? lag->server_end - applied : 0;
        if (!lag->pending.empty())
          out.seconds =
              std::max<double>(0, static_cast<double>(unix_micros_now() - lag->pending.front().second) / 1e6);
        out.max_slot_wal = limit;
        return out;
      });
    }
  }

  Result<std::optional<Batch>> next() override {
    position_.reset();
    if (snapshot_ && !announced_copy_) {
      // A new copy replaces whatever an earlier one left: a truncate comes first.
      announced_copy_ = true;
      Batch batch = Batch::empty(schema_);
      for (size_t i = 0; i < columns_.size(); ++i) batch.columns[i].append_null();
      append_change_columns(batch, "truncate", start_.from, std::nullopt, {});
      return std::optional<Batch>(std::move(batch));
    }
    if (snapshot_) {
      RBC_ASSIGN_OR_RETURN(auto batch, snapshot_->next());
      if (batch) return std::optional<Batch>(snapshot_rows(std::move(*batch)));
      snapshot_.reset();
      copied_ = true;
      // The snapshot is whole: its point is the stream's first position, even with no rows.
      position_ = CursorPosition{format_lsn(start_.from), std::nullopt};
      return std::optional<Batch>(Batch::empty(schema_));
    }
    if (!streaming_) {
      RBC_RETURN_NOT_OK(start_.replication.start(start_.slot, start_.publication, start_.from));
      streaming_ = true;
      received_ = start_.from;
      last_commit_end_ = start_.from;
      RBC_RETURN_NOT_OK(send_status());
    }
    if (schema_change_) return stop_for_schema_change();
    return read_changes();
  }

  std::optional<CursorPosition> last_batch_position() const override { return position_; }

 private:
  // Snapshot rows are inserts as of the slot's consistent point.
  Batch snapshot_rows(Batch batch) {
    Batch out = Batch::empty(schema_);
    for (size_t i = 0; i < batch.columns.size(); ++i) out.columns[i] = std::move(batch.columns[i]);
    out.num_rows = 0;
    for (size_t row = 0; row < batch.num_rows; ++row)
      append_change_columns(out, "insert", start_.from, std::nullopt, {});
    return out;
  }

  // Ends a row whose table columns are appended: the change columns, then the row count.
  void append_change_columns(Batch& batch, std::string_view op, Lsn lsn,
                             std::optional<int64_t> commit_time_us, std::string_view unchanged) const {
    size_t base = columns_.size();
    batch.columns[base].append_string(op);
    batch.columns[base + 1].append<int64_t>(static_cast<int64_t>(lsn));
    if (commit_time_us) {
      batch.columns[base + 2].append<int64_t>(*commit_time_us);
    } else {
      batch.columns[base + 2].append_null();
    }
    if (unchanged.empty()) {
      batch.columns[base + 3].append_null();
    } else {
      batch.columns[base + 3].append_string(unchanged);
    }
    ++batch.num_rows;
  }

  bool should_stop() const {
    if (request_.stop != nullptr && request_.stop->load()) return true;
    return request_.until_caught_up && received_ >= start_.caught_up_at;
  }

  // Reads changes until the batch is full, or a transaction has ended and nothing more is
  // waiting, or it is time to stop (only between transactions).
  // The table gained a column (describe_relation): the changes before it are committed
  // first (an idle reader's empty batches carry their position), then the reader fails.
  Result<std::optional<Batch>> stop_for_schema_change() {
    if (request_.stop != nullptr && request_.stop->load()) return std::optional<Batch>();
    if (durable_at(last_commit_end_)) return *schema_change_;
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    position_ = CursorPosition{format_lsn(last_commit_end_), std::nullopt};
    return std::optional<Batch>(Batch::empty(schema_));
  }

  Result<std::optional<Batch>> read_changes() {
    Batch batch = Batch::empty(schema_);
    txn_first_row_ = 0;
    while (true) {
      if (!in_transaction_ && should_stop()) {
        if (batch.num_rows > 0 || ended_in_batch_) return finish_batch(std::move(batch));
        return std::optional<Batch>();
      }
      if (std::chrono::steady_clock::now() - last_status_ >= kStatusInterval)
        RBC_RETURN_NOT_OK(send_status());
      bool have_whole = ended_in_batch_ && !in_transaction_;
      RBC_ASSIGN_OR_RETURN(auto message, start_.replication.receive(have_whole ? 0 : kPollMs));
      if (!message) {
        if (have_whole) return finish_batch(std::move(batch));
        // Idle with changes handed on but not yet committed: an empty batch with their
        // position lets the destination commit them (resources.max_batch_lag).
        if (!in_transaction_ && batch.num_rows == 0 && !durable_at(last_commit_end_)) {
          position_ = CursorPosition{format_lsn(last_commit_end_), std::nullopt};
          return std::optional<Batch>(std::move(batch));
        }
        continue;
      }
      {
        std::lock_guard lock(lag_->mu);
        lag_->server_end = std::max(lag_->server_end, message->wal_end);
      }
      if (message->kind == WalMessage::Kind::keepalive) {
        if (!in_transaction_) received_ = std::max(received_, message->wal_end);
        if (message->reply_requested || !in_transaction_) RBC_RETURN_NOT_OK(send_status());
        continue;
      }
      RBC_RETURN_NOT_OK(parse_pgoutput(message->payload, message_));
      RBC_RETURN_NOT_OK(apply(batch));
      if (schema_change_) {
        // The batch ends before the transaction that has the new column.
        for (auto& column : batch.columns) column.truncate(txn_first_row_);
        batch.num_rows = txn_first_row_;
        in_transaction_ = false;
        return finish_batch(std::move(batch));
      }
      if (batch.num_rows >= max_rows_) return finish_batch(std::move(batch));
    }
  }

  // The batch's position is set only when its last row ends a transaction.
  std::optional<Batch> finish_batch(Batch batch) {
    if (in_transaction_) transaction_handed_on_ = true;
    if (!in_transaction_ && ended_in_batch_)
      position_ = CursorPosition{format_lsn(last_commit_end_), std::nullopt};
    ended_in_batch_ = false;
    return std::optional<Batch>(std::move(batch));
  }

  Status apply(Batch& batch) {
    const PgOutputMessage& m = message_;
    switch (m.type) {
      case 'B':
        in_transaction_ = true;
        txn_first_row_ = batch.num_rows;
        transaction_handed_on_ = false;
        transaction_lsn_ = m.commit_lsn;
        transaction_time_us_ = m.commit_time_us;
        return Status::ok();
      case 'C': {
        in_transaction_ = false;
        ended_in_batch_ = true;
        last_commit_end_ = m.end_lsn;
        received_ = std::max(received_, m.end_lsn);
        if (request_.durable) {
          std::lock_guard lock(lag_->mu);
          lag_->pending.emplace_back(m.end_lsn, m.commit_time_us);
        }
        return Status::ok();
      }
      case 'R': return describe_relation(m.described);
      case 'I': return add_row(batch, "insert", m.new_values);
      case 'U':
        if (m.old_kind != 0 && key_changed(m)) {
          // The new row's unsent values are the old row's: the delete names them too, and
          // the destination moves them over to the new key (postgres_sink.cpp).
          RBC_RETURN_NOT_OK(add_row(batch, "delete", m.old_values, unchanged_of(m.new_values)));
          return add_row(batch, "insert", m.new_values);
        }
        return add_row(batch, "update", m.new_values);
      case 'D': return add_row(batch, "delete", m.old_values);
      case 'T':
        for (uint32_t oid : m.truncated) {
          if (oid != relation_oid_) continue;
          if (on_truncate_of(request_.config) == "fail") {
            return Status::invalid("postgres: " + table_.ref.display() +
                                   " was truncated (transaction at LSN " + format_lsn(transaction_lsn_) +
                                   "), and on_truncate is fail");
          }
          std::vector<PgOutputValue> nulls(relation_columns_.size());
          RBC_RETURN_NOT_OK(add_row(batch, "truncate", nulls));
        }
        return Status::ok();
      default: return Status::ok();
    }
  }

  // Maps the relation's columns (as the server sends them, in its order) to output columns.
  // A stream that reads every column (no `columns:`) follows the table's shape: a column
  // the run does not know (added while it streams) stops it with a schema change, before
  // the transaction that first has it, for a new run to follow schema_evolution; a column it
  // knows that the relation lacks (added later, or dropped) is one the change did not send.
  Status describe_relation(const PgOutputRelation& relation) {
    if (relation.schema != table_.ref.schema || relation.name != table_.ref.name) return Status::ok();
    relation_oid_ = relation.oid;
    relation_columns_ = relation.columns;
    output_of_.assign(relation.columns.size(), -1);
    for (size_t c = 0; c < relation.columns.size(); ++c) {
      for (size_t i = 0; i < columns_.size(); ++i) {
        if (columns_[i] == relation.columns[c]) output_of_[c] = static_cast<int>(i);
      }
    }
    const bool every_column = request_.columns.empty();
    if (every_column) {
      for (size_t c = 0; c < relation.columns.size(); ++c) {
        if (output_of_[c] >= 0) continue;
        Status changed =
            Status::invalid("postgres: column \"" + relation.columns[c] + "\" was added to " +
                            table_.ref.display() + " (transaction at LSN " + format_lsn(transaction_lsn_) +
                            "): the changes before it are applied; the next run reads it, and the "
                            "destination's schema_evolution decides what becomes of it")
                .with_retry(RetryDetail{false, true, std::string(kSchemaChangeCategory), 0});
        // Part of the transaction went on in an earlier batch: the run fails at once, and
        // the destination rolls back what it has not committed.
        if (transaction_handed_on_) return changed;
        schema_change_ = std::move(changed);
        return Status::ok();
      }
    }
    not_sent_.clear();
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (std::find(output_of_.begin(), output_of_.end(), static_cast<int>(i)) != output_of_.end()) continue;
      if (!every_column) {
        return Status::invalid("postgres: column \"" + columns_[i] + "\" of " + table_.ref.display() +
                               " is no longer in the replication stream (dropped or renamed at LSN " +
                               format_lsn(transaction_lsn_) + ")");
      }
      not_sent_ += (not_sent_.empty() ? "" : ",") + columns_[i];
    }
    return Status::ok();
  }

  bool key_changed(const PgOutputMessage& m) const {
    if (m.old_kind == 'K') return true;  // DEFAULT identity sends the old key only when it changed
    for (size_t c = 0; c < output_of_.size(); ++c) {
      int out = output_of_[c];
      if (out < 0 ||
          std::find(key_outputs_.begin(), key_outputs_.end(), static_cast<size_t>(out)) == key_outputs_.end())
        continue;
      if (c >= m.old_values.size() || c >= m.new_values.size()) return true;
      const auto &before = m.old_values[c], &after = m.new_values[c];
      if (after.kind == 'u') continue;
      if (before.kind != after.kind || before.text != after.text) return true;
    }
    return false;
  }

  // The output columns whose value `values` did not send, comma-separated.
  std::string unchanged_of(const std::vector<PgOutputValue>& values) const {
    std::string unchanged;
    for (size_t c = 0; c < output_of_.size() && c < values.size(); ++c) {
      if (output_of_[c] < 0 || values[c].kind != 'u') continue;
      unchanged += (unchanged.empty() ? "" : ",") + columns_[static_cast<size_t>(output_of_[c])];
    }
    return unchanged;
  }

  Status add_row(Batch& batch, const char* op, const std::vector<PgOutputValue>& values,
                 std::optional<std::string> unchanged_override = std::nullopt) {
    if (message_.type != 'T' && message_.relation != relation_oid_) return Status::ok();  // another table
    std::string unchanged = unchanged_override ? *unchanged_override : unchanged_of(values);
    if (!not_sent_.empty() && std::string_view(op) == "update")
      unchanged += (unchanged.empty() ? "" : ",") + not_sent_;
    std::vector<bool> filled(columns_.size(), false);
    for (size_t c = 0; c < output_of_.size() && c < values.size(); ++c) {
      int out = output_of_[c];
      if (out < 0) continue;
      Column& column = batch.columns[static_cast<size_t>(out)];
      const PgOutputValue& value = values[c];
      filled[static_cast<size_t>(out)] = true;
      if (value.kind == 't') {
        if (!append_parsed_value(column, value.text, scratch_)) {
          truncate_row(batch);
          return Status::type_error(
              "postgres: change at LSN " + format_lsn(transaction_lsn_) + " of " + table_.ref.display() +
              ": column \"" + columns_[static_cast<size_t>(out)] + "\" value '" +
              std::string(value.text.substr(0, 80)) + "' is not a " + column.type().to_string());
        }
        continue;
      }
      column.append_null();
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (!filled[i]) batch.columns[i].append_null();
    }
    append_change_columns(batch, op, transaction_lsn_, transaction_time_us_, unchanged);
    return Status::ok();
  }

  // Drops a half-appended row (a value that did not parse).
  static void truncate_row(Batch& batch) {
    for (auto& column : batch.columns) column.truncate(batch.num_rows);
  }

  // Whether the destination has committed everything up to `lsn`.
  bool durable_at(Lsn lsn) const {
    // A resumed stream's start is durable; a copy's end (also start_.from) only once the
    // destination has committed it: until then an idle reader sends its position.
    if (!request_.durable || (lsn <= start_.from && !copied_)) return true;
    auto durable = request_.durable ? request_.durable->get() : std::nullopt;
    auto at = durable ? parse_lsn(durable->cursor_value) : std::nullopt;
    return at && *at >= lsn;
  }

  // Confirms the durably applied position. Between transactions, with every change read so
  // far applied, the server's end of WAL is applied too (nothing of this table lies before
  // it): the slot then does not hold WAL back for other tables' traffic.
  Status send_status() {
    Lsn flushed = start_.from;
    if (request_.durable) {
      if (auto durable = request_.durable->get()) {
        if (auto lsn = parse_lsn(durable->cursor_value)) flushed = std::max(flushed, *lsn);
      }
    }
    if (!in_transaction_ && flushed >= last_commit_end_) flushed = std::max(flushed, received_);
    {
      std::lock_guard lock(lag_->mu);
      lag_->confirmed = std::max(lag_->confirmed, flushed);
      while (!lag_->pending.empty() && lag_->pending.front().first <= flushed) lag_->pending.pop_front();
    }
    last_status_ = std::chrono::steady_clock::now();
    return start_.replication.send_status(received_, flushed);
  }

  std::unique_ptr<PartitionReader> snapshot_;
  CdcStart start_;
  PgTable table_;
  std::vector<std::string> columns_;
  std::vector<size_t> key_outputs_;  // the primary key's output columns
  std::shared_ptr<const Schema> schema_;
  StreamRequest request_;
  size_t max_rows_;
  bool announced_copy_ = false;          // the truncate before the snapshot's rows was sent
  bool copied_ = false;                  // this reader copied the table (its end is start_.from)
  std::optional<Status> schema_change_;  // a new column: the reader stops (describe_relation)
  size_t txn_first_row_ = 0;             // the open transaction's first row in the batch being read
  bool transaction_handed_on_ = false;   // rows of the open transaction went out in an earlier batch
  bool streaming_ = false;
  PgOutputMessage message_;
  uint32_t relation_oid_ = 0;
  std::vector<std::string> relation_columns_;
  std::vector<int> output_of_;  // relation column → output column, -1 when not read
  std::string not_sent_;        // output columns the relation lacks, comma-separated
  bool in_transaction_ = false;
  bool ended_in_batch_ = false;  // a transaction ended since the last batch was returned
  Lsn transaction_lsn_ = 0;
  int64_t transaction_time_us_ = 0;
  Lsn last_commit_end_ = 0;
  Lsn received_ = 0;
  std::chrono::steady_clock::time_point last_status_{};
  std::optional<CursorPosition> position_;
  std::string scratch_;
  std::shared_ptr<LagState> lag_ = std::make_shared<LagState>();
};

}  // namespace

uint64_t max_slot_wal_of(const Config& config) {
  constexpr uint64_t kDefault = uint64_t{10} << 30;
  auto it = config.values.find("max_slot_wal");
  if (it == config.values.end()) return kDefault;
  std::optional<int64_t> bytes;
  if (it->is_number()) bytes = static_cast<int64_t>(it->get<double>());
  if (it->is_string()) bytes = parse_byte_size(it->get<std::string>());
  return bytes && *bytes > 0 ? static_cast<uint64_t>(*bytes) : 0;
}

CdcNames cdc_names(const std::string& pipeline, const TableRef& table, const Config& config) {
  std::string derived = derived_name(pipeline, table);
  CdcNames names;
  names.publication = config.string_or("publication", derived);
  names.slot = config.string_or("slot", derived);
  names.derived_publication = names.publication == derived;
  return names;
}

Result<CdcStart> prepare_cdc(PgConn& conn, const ConnParams& params, const StreamRequest& request,
                             const PgTable& table) {
  CdcStart start;
  // The insert position, not pg_current_wal_lsn() (the write position): with
  // synchronous_commit off a committed transaction's record may not be written yet, and
  // --until-caught-up must wait for it.
  RBC_ASSIGN_OR_RETURN(auto server,
                       conn.query("SELECT current_setting('wal_level'), pg_current_wal_insert_lsn()"));
  std::string wal_level = PQgetvalue(server.get(), 0, 0);
  if (wal_level != "logical") {
    return Status::invalid("postgres: sync_mode cdc reads " + table.ref.display() +
                           " through logical replication, which needs wal_level = logical on " +
                           params.describe + " (it is " + wal_level +
                           "): ALTER SYSTEM SET wal_level = logical, then restart");
  }
  start.caught_up_at = parse_lsn(PQgetvalue(server.get(), 0, 1)).value_or(0);
  CdcNames names = cdc_names(request.pipeline, table.ref, request.config);
  start.publication = names.publication;
  start.slot = names.slot;

  RBC_ASSIGN_OR_RETURN(
      auto publication,
      conn.query("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = " +
                 quote_literal(start.publication) +
                 "), EXISTS (SELECT 1 FROM pg_catalog.pg_publication_tables WHERE pubname = " +
                 quote_literal(start.publication) + " AND schemaname = " + quote_literal(table.ref.schema) +
                 " AND tablename = " + quote_literal(table.ref.name) + ")"));
  bool publication_exists = std::string(PQgetvalue(publication.get(), 0, 0)) == "t";
  bool publishes_table = std::string(PQgetvalue(publication.get(), 0, 1)) == "t";
  if (!publication_exists) {
    RBC_RETURN_NOT_OK(conn.exec("CREATE PUBLICATION " + quote_ident(start.publication) + " FOR TABLE " +
                                table.ref.quoted()));
  } else if (!publishes_table) {
    return Status::invalid("postgres: publication " + start.publication + " does not publish " +
                           table.ref.display() + ": ALTER PUBLICATION " + quote_ident(start.publication) +
                           " ADD TABLE " + table.ref.quoted() + ", or name another publication");
  }

  const std::string slot_sql =
      "SELECT active, coalesce(active_pid, 0), plugin FROM "
      "pg_catalog.pg_replication_slots WHERE slot_name = " +
      quote_literal(start.slot) + " AND database = current_database()";
  RBC_ASSIGN_OR_RETURN(auto slot, conn.query(slot_sql));
  // A run that was killed leaves its walsender holding the slot until the server notices
  // the connection is gone (on a busy server, a moment after the process died): a rerun
  // waits a little for it before it concludes that another run is going on.
  for (int wait = 0; wait < kSlotReleaseWaits && PQntuples(slot.get()) > 0 &&
                     std::string(PQgetvalue(slot.get(), 0, 0)) == "t";
       ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    RBC_ASSIGN_OR_RETURN(slot, conn.query(slot_sql));
  }
  bool slot_exists = PQntuples(slot.get()) > 0;
  if (slot_exists && std::string(PQgetvalue(slot.get(), 0, 0)) == "t") {
    return Status::invalid("postgres: replication slot " + start.slot +
                           " is in use by another process (pid " + PQgetvalue(slot.get(), 0, 1) +
                           "): is another run of this pipeline going on?");
  }
  if (slot_exists && std::string(PQgetvalue(slot.get(), 0, 2)) != "pgoutput") {
    return Status::invalid("postgres: replication slot " + start.slot + " uses the plugin " +
                           PQgetvalue(slot.get(), 0, 2) + ", not pgoutput");
  }
  RBC_ASSIGN_OR_RETURN(start.replication, ReplicationConnection::connect(params));
  if (request.cursor_value) {
    auto saved = parse_lsn(*request.cursor_value);
    if (!saved)
      return Status::invalid("postgres: the saved position '" + *request.cursor_value + "' is not an LSN");
    if (!slot_exists) {
      return Status::invalid(
          "postgres: replication slot " + start.slot + " does not exist, but " + table.ref.display() +
          " was applied up to LSN " + *request.cursor_value +
          ": the changes since cannot be read. rbc cdc drop forgets the position, and the next run "
          "copies the table again");
    }
    start.from = *saved;
    return start;
  }
  // No saved position: whatever the slot kept belongs to a copy that never completed.
  if (slot_exists)
    RBC_RETURN_NOT_OK(conn.exec("SELECT pg_drop_replication_slot(" + quote_literal(start.slot) + ")"));
  RBC_ASSIGN_OR_RETURN(auto created, start.replication.create_slot(start.slot));
  start.from = created.consistent_point;
  start.snapshot = created.snapshot;
  return start;
}

std::unique_ptr<PartitionReader> make_cdc_reader(std::unique_ptr<PartitionReader> snapshot, CdcStart start,
                                                 const PgTable& table, std::vector<std::string> columns,
                                                 std::shared_ptr<const Schema> schema,
                                                 const StreamRequest& request) {
  return std::make_unique<CdcReader>(std::move(snapshot), std::move(start), table, std::move(columns),
                                     std::move(schema), request);
}

}  // namespace rbc::pg
