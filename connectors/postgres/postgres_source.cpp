// PostgresSource: reads one table per stream with binary COPY. With N > 1 partitions a
// leader transaction exports a snapshot that every other partition reader imports (reader
// 0 reads in the leader's transaction), so all partitions see one consistent state; each
// partition reads a disjoint slice (mod or range of an integer key). Incremental streams
// read rows after the saved cursor. For the autotuner, readers are opened in that snapshot
// without a query and read the key slices they are given, one COPY each, until
// finish_slices().
#include <cstring>
#include <map>
#include <mutex>

#include "connectors/postgres/pg_catalog.h"
#include "connectors/postgres/pg_cdc.h"
#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_copy.h"
#include "connectors/postgres/postgres.h"
#include "connectors/specs/connector_specs.h"

namespace rbc {
namespace {

using namespace rbc::pg;

// What prepare() learned about a stream, shared by its partition readers.
struct StreamState {
  ConnParams params;
  PgTable table;
  std::vector<const PgColumn*> columns;  // the projection, in output order
  std::shared_ptr<const Schema> schema;
  std::string partition_key;  // as configured, or the table's integer primary key
  std::string snapshot;       // exported by the leader when partitioned or sliced
  PgConn leader;              // in the transaction that exported it, until reader 0 takes it over
  bool range_empty = true;    // min/max: known in range mode and when sliced with a key
  bool key_indexed = false;   // sliced: a btree index starts with the key
  int64_t heap_blocks = 0;    // sliced: KeySpan::blocks (0: block ranges cannot be read by scan)
  int64_t range_min = 0, range_max = 0;
  int cursor_index = -1, tie_breaker_index = -1;  // incremental: in `columns`
  std::optional<CdcStart> cdc;                    // cdc: until reader 0 takes it
  std::shared_ptr<const Schema> change_schema;    // cdc: `schema` plus the change columns
  std::mutex mu;
};

std::string stream_key(const StreamRequest& request) { return request.pipeline + "\x1f" + request.stream; }

bool is_integer_oid(uint32_t type_oid) {
  return type_oid == oid::kInt2 || type_oid == oid::kInt4 || type_oid == oid::kInt8;
}

// The WHERE predicate selecting partition `index` of `count`; rows with a NULL key go to
// partition 0 so that no row is lost.
std::string partition_predicate(const StreamRequest& request, const StreamState& state, int index) {
  int count = request.partition_count;
  std::string key = quote_ident(state.partition_key);
  std::string null_clause = index == 0 ? " OR " + key + " IS NULL" : "";
  if (request.partition_mode == PartitionMode::mod) {
    // abs(): mod() keeps the dividend's sign, so negative keys land in 0..N-1 too.
    return "(abs(mod(" + key + ", " + std::to_string(count) + ")) = " + std::to_string(index) + null_clause +
           ")";
  }
  if (state.range_empty) return index == 0 ? "true" : "false";
  __int128 span = static_cast<__int128>(state.range_max) - state.range_min + 1;
  auto bound = [&](int i) {
    return std::to_string(static_cast<int64_t>(state.range_min + span * i / count));
  };
  // The first range is open below and the last open above: contiguous and covering.
  std::string lower = index == 0 ? "" : key + " >= " + bound(index);
  std::string upper = index == count - 1 ? "" : key + " < " + bound(index + 1);
  std::string both = lower.empty() ? upper : upper.empty() ? lower : lower + " AND " + upper;
  if (both.empty()) both = "true";
  return "(" + both + null_clause + ")";
}

// The WHERE predicate of a key slice (see KeySlice); "" for the whole stream. A NOT NULL
// key needs no NULL test (the server would evaluate it on every row).
std::string slice_predicate(const std::string& key_name, bool key_nullable, const KeySlice& slice) {
  std::string key = quote_ident(key_name);
  std::vector<std::string> parts;
  // Quoted: an unquoted -9223372036854775808 would be a numeric, and no index is used.
  auto bound = [](int64_t value) { return "'" + std::to_string(value) + "'::int8"; };
  if (slice.lo) parts.push_back(key + " >= " + bound(*slice.lo));
  if (slice.hi) parts.push_back(key + " < " + bound(*slice.hi));
  if (slice.mod_count > 1) {
    parts.push_back("abs(mod(" + key + ", " + std::to_string(slice.mod_count) +
                    ")) = " + std::to_string(slice.mod_index));
  }
  std::string keyed;
  for (const auto& part : parts) keyed += (keyed.empty() ? "" : " AND ") + part;
  if (!keyed.empty())
    keyed = "(" + keyed + (slice.with_nulls && key_nullable ? " OR " + key + " IS NULL" : "") + ")";
  // A block range: the server reads just those blocks (a TID range scan).
  auto block = [](int64_t b) { return "'(" + std::to_string(b) + ",0)'::tid"; };
  std::string blocks;
  if (slice.block_lo) blocks = "ctid >= " + block(*slice.block_lo);
  if (slice.block_hi) blocks += (blocks.empty() ? "" : " AND ") + ("ctid < " + block(*slice.block_hi));
  if (blocks.empty() || keyed.empty()) return blocks + keyed;
  return "(" + blocks + " AND " + keyed + ")";
}

std::string select_sql(const StreamRequest& request, const StreamState& state,
                       const std::string& partition_where) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < state.columns.size(); ++i) {
    const PgColumn* c = state.columns[i];
    if (i > 0) sql += ", ";
    sql += quote_ident(c->name);
    // Types rbc carries as text are converted by the server's output function.
    if (c->wire == WireKind::as_text) sql += "::text AS " + quote_ident(c->name);
  }
  if (state.columns.empty()) sql += "NULL";  // a table with no columns still has rows
  sql += " FROM " + state.table.ref.quoted();
  std::vector<std::string> where;
  if (!partition_where.empty()) where.push_back(partition_where);
  bool incremental = request.sync_mode == SyncMode::incremental;
  const PgColumn* cursor = incremental ? state.table.column(request.cursor_field) : nullptr;
  const PgColumn* tie = incremental && !request.tie_breaker_field.empty()
                            ? state.table.column(request.tie_breaker_field)
                            : nullptr;
  // A row without a cursor value cannot be placed after a saved position: incremental
  // streams skip them (documented in docs/architecture.md).
  if (cursor) where.push_back(quote_ident(cursor->name) + " IS NOT NULL");
  if (tie) where.push_back(quote_ident(tie->name) + " IS NOT NULL");
  if (cursor && request.cursor_value) {
    std::string lhs = quote_ident(cursor->name);
    std::string rhs = quote_literal(*request.cursor_value) + "::" + cursor->type_sql;
    if (tie && request.tie_breaker_value) {
      lhs = "(" + lhs + ", " + quote_ident(tie->name) + ")";
      rhs = "(" + rhs + ", " + quote_literal(*request.tie_breaker_value) + "::" + tie->type_sql + ")";
    }
    where.push_back(lhs + " > " + rhs);
  }
  for (size_t i = 0; i < where.size(); ++i) sql += (i == 0 ? " WHERE " : " AND ") + where[i];
  if (cursor) {
    sql += " ORDER BY " + quote_ident(cursor->name);
    if (tie) sql += ", " + quote_ident(tie->name);
  }
  return sql;
}

// Sends `COPY (select) TO STDOUT (FORMAT binary)`; the rows follow on the connection.
Status start_copy_out(PgConn& conn, const std::string& select, const TableRef& table) {
  std::string sql = "COPY (" + select + ") TO STDOUT (FORMAT binary)";
  PgResult result(PQexec(conn.get(), sql.c_str()));
  if (!result || PQresultStatus(result.get()) != PGRES_COPY_OUT) {
    return conn.error_status(result.get(), "reading " + table.display());
  }
  return Status::ok();
}

class PostgresReader final : public PartitionReader {
 public:
  PostgresReader(PgConn conn, std::shared_ptr<StreamState> state, const StreamRequest& request,
                 bool in_transaction, int index)
      : conn_(std::move(conn)),
        state_(std::move(state)),
        request_(request),
        in_transaction_(in_transaction),
        sliced_(request.sliced_readers > 0),
        max_rows_(std::max<size_t>(1, request.max_batch_rows)),
        max_bytes_(std::max<size_t>(1, request.max_batch_bytes)),
        decoder_(wires(*state_), types(*state_), names(*state_)),
        done_(sliced_) {
    // skip and dlq: a row with a value rbc cannot hold (numeric NaN in a decimal) is
    // dropped and counted, and under dlq written with the reason; fail stops the read.
    if (request.on_data_error != OnDataError::fail) {
      rejects_ = std::make_unique<DataErrorPolicy>(request.on_data_error, state_->table.ref.display(),
                                                   request.stream, request.dlq_path);
      rejects_->set_partition(index);
      decoder_.set_rejects(rejects_.get());
    }
  }

  Result<std::optional<Batch>> next() override {
    if (done_ && !carry_) return std::optional<Batch>();
    Batch batch = carry_ ? std::move(*carry_) : capacity_.empty_batch(state_->schema);
    carry_.reset();
    uint64_t start_bytes = decoder_.bytes_decoded();
    while (!done_ && batch.num_rows < slice_max_rows_ &&
           decoder_.bytes_decoded() - start_bytes < batch_bytes_) {
      RBC_RETURN_NOT_OK(read_row(batch));
    }
    batch_bytes_ = std::min(batch_bytes_ * 2, max_bytes_);
    if (!done_ && state_->cursor_index >= 0 && state_->tie_breaker_index < 0) {
      RBC_RETURN_NOT_OK(end_at_cursor_change(batch));
    }
    if (batch.num_rows == 0 && done_) return std::optional<Batch>();
    capacity_.remember(batch);
    return std::optional<Batch>(std::move(batch));
  }

  size_t rejected_rows() const override { return decoder_.rejected_rows(); }

  Status start_slice(const KeySlice& slice, size_t max_batch_rows) override {
    if (!sliced_ || !done_ || carry_) return Status::internal("postgres: start_slice() while reading");
    if (state_->partition_key.empty() && !(slice == KeySlice{}))
      return Status::internal("postgres: a key slice of a stream without a partition key");
    // A slice of every block from one in the table's first eighth on (the steady phase after
    // the probe's windows) is cheaper as a filter over a sequential scan than as a TID range
    // scan: PostgreSQL 15 spent 196 against 225 ns per row (a plain scan 178), so the scan
    // wins while it reads less than 225/196 of the slice's blocks. Probe windows, and a range
    // reader's part of the steady phase, stay TID range scans. The reader's transaction ends
    // after its last slice, and the setting with it.
    if (slice.block_lo && !slice.block_hi && *slice.block_lo * 8 < state_->heap_blocks)
      RBC_RETURN_NOT_OK(conn_.exec("SET LOCAL enable_tidscan = off"));
    RBC_RETURN_NOT_OK(start_copy_out(
        conn_, select_sql(request_, *state_, slice_predicate(state_->partition_key, key_nullable(), slice)),
        state_->table.ref));
    decoder_.restart();
    slice_max_rows_ = max_batch_rows > 0 ? std::min(max_batch_rows, max_rows_) : max_rows_;
    done_ = false;
    return Status::ok();
  }

  bool key_nullable() const {
    const PgColumn* key = state_->table.column(state_->partition_key);
    return key == nullptr || key->nullable;
  }

  Status finish_slices() override {
    if (!sliced_ || !conn_.is_open()) return Status::ok();
    return end_transaction();
  }

 private:
  static std::vector<WireKind> wires(const StreamState& s) {
    std::vector<WireKind> out;
    for (const auto* c : s.columns) out.push_back(c->wire);
    return out;
  }
  static std::vector<DataType> types(const StreamState& s) {
    std::vector<DataType> out;
    for (const auto* c : s.columns) out.push_back(c->type);
    return out;
  }
  static std::vector<std::string> names(const StreamState& s) {
    std::vector<std::string> out;
    for (const auto* c : s.columns) out.push_back(c->name);
    return out;
  }

  // Decodes the next row into `batch`, or finishes the COPY at its end.
  Status read_row(Batch& batch) {
    char* buffer = nullptr;
    int length = PQgetCopyData(conn_.get(), &buffer, 0);
    if (length > 0) {
      Status status = decoder_.feed(buffer, static_cast<size_t>(length), batch);
      PQfreemem(buffer);
      return status;
    }
    if (length == -2) return conn_.error_status(nullptr, "reading " + state_->table.ref.display());
    // -1: the COPY is complete; its final result says whether it succeeded.
    return finish_copy();
  }

  // Without a tie-breaker a saved cursor means "every row up to this value was
  // delivered", so a batch (whose last row gives the checkpoint's cursor) must not end
  // between two rows with the same cursor value: read on until the value changes and
  // carry that row over to the next batch.
  Status end_at_cursor_change(Batch& batch) {
    const size_t c = static_cast<size_t>(state_->cursor_index);
    while (batch.num_rows > 0 && !done_) {
      size_t before = batch.num_rows;
      RBC_RETURN_NOT_OK(read_row(batch));
      if (batch.num_rows == before) continue;  // the end, or a skipped bad row
      if (same_value(batch.columns[c], before - 1, before)) continue;
      carry_ = capacity_.empty_batch(state_->schema);
      for (size_t i = 0; i < batch.columns.size(); ++i) {
        carry_->columns[i].append_from(batch.columns[i], before);
        batch.columns[i].truncate(before);
      }
      carry_->num_rows = 1;
      batch.num_rows = before;
      return Status::ok();
    }
    return Status::ok();
  }

  static bool same_value(const Column& column, size_t a, size_t b) {
    if (column.is_null(a) || column.is_null(b)) return column.is_null(a) && column.is_null(b);
    if (column.type().is_variable_width()) return column.string_at(a) == column.string_at(b);
    size_t width = column.type().fixed_width();
    return std::memcmp(column.data().data() + a * width, column.data().data() + b * width, width) == 0;
  }

  Status finish_copy() {
    done_ = true;
    PgResult result(PQgetResult(conn_.get()));
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return conn_.error_status(result.get(), "reading " + state_->table.ref.display());
    }
    while (PgResult extra{PQgetResult(conn_.get())}) {
    }
    // A sliced reader keeps its snapshot for the next slice.
    return sliced_ ? Status::ok() : end_transaction();
  }

  Status end_transaction() {
    if (in_transaction_) RBC_RETURN_NOT_OK(conn_.exec("COMMIT"));
    conn_.close();
    return Status::ok();
  }

  PgConn conn_;
  std::shared_ptr<StreamState> state_;
  StreamRequest request_;
  bool in_transaction_;
  bool sliced_;
  size_t max_rows_, max_bytes_;
  // The first batches are small, so that the sink gets rows to write soon after the COPY
  // starts; they double up to max_bytes_.
  size_t batch_bytes_ = std::min<size_t>(max_bytes_, 256 << 10);
  size_t slice_max_rows_ = max_rows_;
  CopyDecoder decoder_;
  std::unique_ptr<DataErrorPolicy> rejects_;  // skip and dlq; the decoder points at it
  BatchCapacity capacity_;
  std::optional<Batch> carry_;  // the first row of the next batch (see end_at_cursor_change)
  bool done_;
};

class PostgresSource final : public Source {
 public:
  explicit PostgresSource(IdleConnections* idle) : idle_(idle) {}
  // One per reader: reader 0 reads on the connection the leader prepared on (in the
  // transaction that exported the snapshot, or handed over idle).
  void connect_ahead(const Config& config, int readers) override { ahead_.start(config, readers, idle_); }

  Result<std::shared_ptr<const Schema>> prepare(const StreamRequest& request) override {
    auto state = std::make_shared<StreamState>();
    RBC_ASSIGN_OR_RETURN(state->params, conn_params_from_config(request.config));
    TableRef ref = parse_table_name(request.config.string_or("table", request.stream), state->params.schema);
    RBC_ASSIGN_OR_RETURN(PgConn conn, ahead_.take(state->params));
    RBC_ASSIGN_OR_RETURN(auto table, describe_table(conn, ref));
    if (!table) {
      return Status::not_found("postgres: table " + ref.display() + " does not exist in " +
                               state->params.describe);
    }
    state->table = std::move(*table);

    if (request.columns.empty()) {
      for (const auto& c : state->table.columns) state->columns.push_back(&c);
    } else {
      for (const auto& name : request.columns) {
        const PgColumn* c = state->table.column(name);
        if (c == nullptr) return missing_column(state->table, name, "selected");
        state->columns.push_back(c);
      }
    }
    auto schema = std::make_shared<Schema>();
    for (const auto* c : state->columns) schema->add(Field{c->name, c->type, c->nullable});
    state->schema = schema;

    if (request.sync_mode == SyncMode::incremental) {
      if (request.cursor_field.empty())
        return Status::invalid("postgres: incremental stream needs a cursor_field");
      if (request.partition_count > 1)
        return Status::invalid("postgres: an incremental stream is read by one reader, in cursor order");
      RBC_ASSIGN_OR_RETURN(state->cursor_index, selected_index(*state, request.cursor_field, "cursor"));
      if (!request.tie_breaker_field.empty()) {
        RBC_ASSIGN_OR_RETURN(state->tie_breaker_index,
                             selected_index(*state, request.tie_breaker_field, "tie-breaker"));
      }
    }

    if (request.sync_mode == SyncMode::cdc) {
      RBC_RETURN_NOT_OK(prepare_cdc_stream(*state, request, std::move(conn)));
      std::lock_guard lock(mu_);
      streams_[stream_key(request)] = state;
      return state->change_schema;
    }

    bool sliced = request.sliced_readers > 0;
    if (sliced && request.sync_mode == SyncMode::incremental)
      return Status::internal("postgres: an incremental stream is read in cursor order, not in key slices");
    if (request.partition_count > 1 || sliced) {
      // Without a configured key the single-column integer primary key partitions the
      // stream (the compiler says so when it can reach the catalog); never guess further.
      // Sliced reading of one partition can do without a key: it reads the whole stream.
      state->partition_key = request.partition_key;
      if (state->partition_key.empty()) {
        const auto& pk = state->table.primary_key;
        const PgColumn* pk_column = pk.size() == 1 ? state->table.column(pk[0]) : nullptr;
        if (pk_column != nullptr && is_integer_oid(pk_column->type_oid)) {
          state->partition_key = pk[0];
        } else if (request.partition_count > 1) {
          return Status::invalid("postgres: " + ref.display() +
                                 " has no partition_key and no single-column integer primary key to read "
                                 "it in partitions; set partition_key, or parallelism: 1");
        }
      }
      if (!state->partition_key.empty()) {
        const PgColumn* key = state->table.column(state->partition_key);
        if (key == nullptr) return missing_column(state->table, state->partition_key, "partition key");
        if (!is_integer_oid(key->type_oid)) {
          return Status::invalid("postgres: partition key " + state->partition_key + " of " + ref.display() +
                                 " is " + key->type_sql + ", not an integer");
        }
      }
      // The leader's transaction pins one snapshot for all partitions (docs/execution.md). One round
      // trip starts it and takes, in that snapshot, the key's bounds (to split ranges) and
      // whether a btree index starts with the key (a key slice is cheap only through one).
      const std::string& key = state->partition_key;
      bool bounds = !key.empty() && (request.partition_mode == PartitionMode::range || sliced);
      bool index = !key.empty() && sliced;
      std::string sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot()";
      if (bounds) sql += ", bounds.lo, bounds.hi";
      if (index) {
        sql +=
            ", EXISTS (SELECT 1 FROM pg_catalog.pg_index i "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
            "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_catalog.pg_am am ON am.oid = c.relam "
            "WHERE i.indrelid = " +
            quote_literal(ref.quoted()) + "::regclass AND a.attname = " + quote_literal(key) +
            " AND am.amname = 'btree' AND i.indisvalid AND i.indpred IS NULL)";
      }
      // The heap's blocks, where a block range is read by a TID range scan (PostgreSQL 14+)
      // of a plain table: a partitioned table's partitions each have their own blocks.
      bool blocks = sliced && PQserverVersion(conn.get()) >= 140000;
      if (blocks) {
        sql +=
            ", (SELECT CASE WHEN c.relkind IN ('r', 'm') THEN pg_catalog.pg_relation_size(c.oid) / "
            "current_setting('block_size')::int8 ELSE 0 END FROM pg_catalog.pg_class c WHERE c.oid = " +
            quote_literal(ref.quoted()) + "::regclass)";
      }
      if (bounds) {  // one scan (or the index's two ends) for both
        sql += " FROM (SELECT min(" + quote_ident(key) + ")::int8 AS lo, max(" + quote_ident(key) +
               ")::int8 AS hi FROM " + ref.quoted() + ") bounds";
      }
      RBC_ASSIGN_OR_RETURN(auto leader, conn.query(sql));
      const PGresult* row = leader.get();
      state->snapshot = PQgetvalue(row, 0, 0);
      if (bounds) {
        state->range_empty = PQgetisnull(row, 0, 1);
        if (!state->range_empty) {
          state->range_min = std::stoll(PQgetvalue(row, 0, 1));
          state->range_max = std::stoll(PQgetvalue(row, 0, 2));
        }
      }
      int column = bounds ? 3 : 1;
      if (index) state->key_indexed = std::string(PQgetvalue(row, 0, column++)) == "t";
      if (blocks) state->heap_blocks = std::stoll(PQgetvalue(row, 0, column));
      state->leader = std::move(conn);
    } else {
      ahead_.give_back(state->params, std::move(conn));
    }
    std::lock_guard lock(mu_);
    streams_[stream_key(request)] = state;
    return std::shared_ptr<const Schema>(schema);
  }

  std::optional<KeySpan> key_span(const StreamRequest& request) override {
    std::lock_guard lock(mu_);
    auto it = streams_.find(stream_key(request));
    if (it == streams_.end() || it->second->partition_key.empty()) return std::nullopt;
    const StreamState& state = *it->second;
    KeySpan span;
    span.empty = state.range_empty;
    span.min = state.range_min;
    span.max = state.range_max;
    span.estimated_rows = static_cast<double>(std::max<int64_t>(0, state.table.row_estimate));
    span.indexed = state.key_indexed;
    span.blocks = state.heap_blocks;
    return span;
  }

  Result<std::unique_ptr<PartitionReader>> open(const StreamRequest& request, int index) override {
    std::shared_ptr<StreamState> state;
    {
      std::lock_guard lock(mu_);
      auto it = streams_.find(stream_key(request));
      if (it == streams_.end())
        return Status::internal("postgres: open() of " + request.stream + " before prepare()");
      state = it->second;
    }
    int readers = request.sliced_readers > 0 ? request.sliced_readers : request.partition_count;
    if (index < 0 || index >= std::max(1, readers)) {
      return Status::internal("postgres: partition index out of range");
    }
    bool in_transaction = !state->snapshot.empty();
    PgConn conn;
    if (index == 0) {
      // Reader 0 reads in the leader's transaction, which exported the snapshot: the
      // others import it while they open, before anyone reads (or commits).
      std::lock_guard lock(state->mu);
      conn = std::move(state->leader);
    }
    if (!conn.is_open()) {
      RBC_ASSIGN_OR_RETURN(conn, ahead_.take(state->params));
      if (in_transaction) {
        RBC_RETURN_NOT_OK(conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
        RBC_RETURN_NOT_OK(conn.exec("SET TRANSACTION SNAPSHOT " + quote_literal(state->snapshot)));
      }
    }
    if (state->change_schema) return open_cdc(state, request, std::move(conn), in_transaction);
    if (request.sliced_readers == 0) {
      std::string partition = request.partition_count > 1 ? partition_predicate(request, *state, index) : "";
      RBC_RETURN_NOT_OK(start_copy_out(conn, select_sql(request, *state, partition), state->table.ref));
    }
    return std::unique_ptr<PartitionReader>(
        std::make_unique<PostgresReader>(std::move(conn), state, request, in_transaction, index));
  }

 private:
  static Status missing_column(const PgTable& table, const std::string& name, const char* role) {
    return Status::not_found("postgres: " + std::string(role) + " column \"" + name +
                             "\" does not exist in " + table.ref.display());
  }

  // Where column `name` is among the selected columns: the runtime takes the saved
  // position from the rows it reads, so the cursor must be read.
  static Result<int> selected_index(const StreamState& state, const std::string& name, const char* role) {
    if (!state.table.column(name)) return missing_column(state.table, name, role);
    for (size_t i = 0; i < state.columns.size(); ++i) {
      if (state.columns[i]->name == name) return static_cast<int>(i);
    }
    return Status::invalid("postgres: " + std::string(role) + " column \"" + name +
                           "\" must be among the selected columns of " + state.table.ref.display());
  }

  // cdc: the leader sets up the publication and the slot; when the slot is new, reader 0
  // reads the table first in the slot's snapshot, imported by the leader's transaction.
  Status prepare_cdc_stream(StreamState& state, const StreamRequest& request, PgConn conn) {
    if (request.partition_count > 1 || request.sliced_readers > 0)
      return Status::internal("postgres: a cdc stream is read by one reader");
    RBC_ASSIGN_OR_RETURN(CdcStart start, prepare_cdc(conn, state.params, request, state.table));
    auto change_schema = std::make_shared<Schema>(*state.schema);
    add_change_columns(*change_schema);
    state.change_schema = change_schema;
    if (start.snapshot) {
      RBC_RETURN_NOT_OK(conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
      RBC_RETURN_NOT_OK(conn.exec("SET TRANSACTION SNAPSHOT " + quote_literal(*start.snapshot)));
      state.snapshot = *start.snapshot;
      state.leader = std::move(conn);
    } else {
      ahead_.give_back(state.params, std::move(conn));
    }
    state.cdc = std::move(start);
    return Status::ok();
  }

  static Result<std::unique_ptr<PartitionReader>> open_cdc(const std::shared_ptr<StreamState>& shared,
                                                           const StreamRequest& request, PgConn conn,
                                                           bool in_transaction) {
    StreamState& state = *shared;
    std::unique_ptr<PartitionReader> snapshot;
    if (in_transaction) {
      RBC_RETURN_NOT_OK(start_copy_out(conn, select_sql(request, state, ""), state.table.ref));
      snapshot = std::make_unique<PostgresReader>(std::move(conn), shared, request, true, 0);
    }
    std::lock_guard lock(state.mu);
    if (!state.cdc) return Status::internal("postgres: a cdc stream opened twice");
    std::vector<std::string> names;
    for (const auto* c : state.columns) names.push_back(c->name);
    auto reader = make_cdc_reader(std::move(snapshot), std::move(*state.cdc), state.table, std::move(names),
                                  state.change_schema, request);
    state.cdc.reset();
    return reader;
  }

  IdleConnections* idle_;  // the run's kept connections, or null
  ConnectAhead ahead_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<StreamState>> streams_;
};

}  // namespace

std::unique_ptr<Source> make_postgres_source(pg::IdleConnections* idle) {
  return std::make_unique<PostgresSource>(idle);
}

}  // namespace rbc
