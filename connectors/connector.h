// The runtime interfaces every connector implements. A Source produces batches for one
// stream (one reader per partition); a Sink consumes them (one writer per partition,
// after a single leader has prepared the destination). Nothing here knows oneTBB.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "graph/batch.h"
#include "graph/config.h"
#include "graph/pipeline_model.h"
#include "graph/status.h"

namespace rbc {

// Where an incremental stream stands: the cursor (and tie-breaker) of the last row
// delivered, as text that parses back as the column's type.
struct CursorPosition {
  std::string cursor_value;
  std::optional<std::string> tie_breaker_value;
  bool operator==(const CursorPosition&) const = default;
};

// cdc: how far a stream's applied changes are behind the source server.
struct ReplicationLag {
  uint64_t bytes = 0;         // the server's end of WAL minus the applied (or confirmed) position
  double seconds = 0;         // how long the oldest change read but not yet applied has waited; 0 when none
  uint64_t max_slot_wal = 0;  // the stream's max_slot_wal (the slot holds about `bytes` of WAL); 0: unset
};

// Change data capture: how far a stream's changes are durably applied. The run sets it
// after each commit that carries the stream's position; the source confirms it to the
// server, which may then release what lies before it. The source also leaves a probe
// here that the run monitor calls for the stream's lag (progress line, metrics).
class DurablePosition {
 public:
  void set(const CursorPosition& position) {
    std::lock_guard lock(mu_);
    value_ = position;
  }
  std::optional<CursorPosition> get() const {
    std::lock_guard lock(mu_);
    return value_;
  }
  void set_lag_probe(std::function<ReplicationLag()> probe) {
    std::lock_guard lock(mu_);
    lag_probe_ = std::move(probe);
  }
  // std::nullopt until a reader of the stream has left its probe.
  std::optional<ReplicationLag> lag() const {
    std::function<ReplicationLag()> probe;
    {
      std::lock_guard lock(mu_);
      probe = lag_probe_;
    }
    if (!probe) return std::nullopt;
    return probe();
  }

 private:
  mutable std::mutex mu_;
  std::optional<CursorPosition> value_;
  std::function<ReplicationLag()> lag_probe_;
};

// The autotuner (docs/autotune.md) reads a stream in windows, each window with its own
// knobs: ranges of the table's heap blocks where the source can read those (KeySpan::blocks),
// else ranges of its integer key. A slice is what one reader reads of one window: rows with
// lo <= key < hi (an unset bound is open) and abs(mod(key, mod_count)) = mod_index, plus
// the rows whose key is NULL when with_nulls; and, when set, only the rows stored in heap
// blocks block_lo <= block < block_hi. A slice with no bounds is the whole stream.
// A split file's key is its records' ordinal (FileChunker): a window's readers together
// claim its chunks in order, up to hi; they do not split it by lo or mod.
struct KeySlice {
  std::optional<int64_t> lo, hi;
  int mod_count = 1, mod_index = 0;
  bool with_nulls = false;
  std::optional<int64_t> block_lo, block_hi;
  bool operator==(const KeySlice&) const = default;
};

// What a source knows of a stream's key before reading it (from its snapshot).
struct KeySpan {
  int64_t min = 0, max = 0;  // of the non-NULL keys; empty when there are none
  bool empty = true;
  double estimated_rows = 0;  // the catalog's estimate; 0 when unknown
  bool indexed = true;        // a key range is read without scanning everything
  // > 0: the stream is one heap of this many blocks (in the snapshot) that the source reads
  // a block range of as it scans the whole (PostgreSQL's TID range scan): the autotuner's
  // windows are block ranges, so a window reads as the steady phase's scans do.
  int64_t blocks = 0;
  bool records = false;  // the key is a split file's record ordinal (for the report)
};

// What the runtime asks of a source for one stream.
struct StreamRequest {
  std::string pipeline;                   // pipeline name (state key)
  std::string stream;                     // stream name as written ("public.orders", "events")
  Config config;                          // the source block's config
  std::vector<std::string> columns;       // projection; empty = all columns
  std::optional<Schema> declared_schema;  // columns with types declared in the pipeline
  SyncMode sync_mode = SyncMode::full_refresh;
  std::string cursor_field, tie_breaker_field, partition_key;
  // Incremental: the cursor (and tie-breaker) value of the last row already delivered,
  // as text; unset = read from the beginning. Only rows after it are read, in cursor order.
  std::optional<std::string> cursor_value, tie_breaker_value;
  PartitionMode partition_mode = PartitionMode::mod;
  int partition_count = 1;
  // > 0: the autotuner reads the stream with this many readers, each reading only the
  // KeySlices it is given (PartitionReader::start_slice); partition_count stays the baseline.
  int sliced_readers = 0;
  // The readers take the stream's chunks one at a time, in input order (a file cut into
  // record-aligned chunks): PartitionReader::claim() then next() for each chunk.
  bool claimed_chunks = false;
  size_t max_batch_bytes = 2 << 20;
  size_t max_batch_rows = 65536;
  OnDataError on_data_error = OnDataError::fail;
  std::string dlq_path;  // where rejected records go under on_data_error: dlq
  // The destination's: what a JSONL source does with a key its inferred columns lack.
  SchemaEvolution schema_evolution = SchemaEvolution::add_columns;
  // cdc: stop at the server's WAL position of the start instead of following changes until
  // `stop` is set (SIGINT/SIGTERM); the readers end the stream at a transaction's end.
  bool until_caught_up = false;
  const std::atomic<bool>* stop = nullptr;
  std::shared_ptr<DurablePosition> durable;
};

// Reads one partition of a stream. next() returns a batch, or std::nullopt at the end.
// Opened for sliced reading, it reads nothing until start_slice(); next() then returns the
// slice's batches and std::nullopt at its end, and finish_slices() ends the reader.
class PartitionReader {
 public:
  virtual ~PartitionReader() = default;
  virtual Result<std::optional<Batch>> next() = 0;
  // StreamRequest::claimed_chunks: takes the stream's next chunk (false when none is left);
  // next() then returns exactly one batch, the chunk's, possibly without rows. The runner
  // calls claim() for one reader at a time and numbers the chunk's batch then, so batches
  // carry input order whichever reader parses them.
  virtual Result<bool> claim() { return Status::internal("this source is not read in claimed chunks"); }
  // `max_batch_rows` > 0: smaller batches than the request's for this slice (a probe
  // window must span several batches to measure a pipeline, not one read then one write).
  virtual Status start_slice(const KeySlice& /*slice*/, size_t /*max_batch_rows*/) {
    return Status::internal("this source cannot read key slices");
  }
  virtual Status finish_slices() { return Status::ok(); }
  // Records dropped so far under on_data_error skip or dlq (for run reports).
  virtual size_t rejected_rows() const { return 0; }
  // cdc: when the batch next() returned last ends a source transaction, the position after
  // it (the stream's cursor once a destination has committed the batch); else std::nullopt.
  virtual std::optional<CursorPosition> last_batch_position() const { return std::nullopt; }
};

class Source {
 public:
  virtual ~Source() = default;
  // Called first, with how many readers the stream will open: a source that connects
  // to a server may start opening their connections now, in the background.
  virtual void connect_ahead(const Config& /*config*/, int /*readers*/) {}
  // Called once per stream before any reader opens (the "leader" step: snapshot, schema).
  virtual Result<std::shared_ptr<const Schema>> prepare(const StreamRequest& request) = 0;
  // One reader for partition `index` of request.partition_count (of
  // request.sliced_readers when set). The readers of a stream open concurrently, all
  // before any of them reads (postgres: reader 0 reads in the leader's transaction, whose
  // snapshot the others import as they open, and ends it when it is done).
  virtual Result<std::unique_ptr<PartitionReader>> open(const StreamRequest& request, int index) = 0;
  // After prepare() of a request with sliced_readers: the span of the stream's integer
  // key, or std::nullopt when it has none (then only the whole-stream slice can be read).
  virtual std::optional<KeySpan> key_span(const StreamRequest& /*request*/) { return std::nullopt; }
};

// What the runtime asks of a sink for one stream.
struct SinkRequest {
  std::string pipeline;
  std::string run_id;
  std::string stream;                    // destination table / file name
  Config config;                         // the destination block's config
  std::shared_ptr<const Schema> schema;  // the schema of the batches that arrive
  WriteMode write_mode = WriteMode::append;
  // What to do with stream columns an existing destination table lacks.
  SchemaEvolution schema_evolution = SchemaEvolution::add_columns;
  std::vector<std::string> primary_key;
  // The batches are change rows (sync_mode cdc, pg_cdc.h): apply each by primary key
  // (insert and update upsert, delete deletes, truncate empties the table) instead of
  // writing it as a row; the change columns are not written.
  bool apply_changes = false;
  OnDataError on_data_error = OnDataError::fail;
  int partition_count = 1;
  // Set when the state backend lives in the destination's own database (state: {backend:
  // postgres} without a url): the sink then writes each checkpoint into the transaction
  // that commits its rows, so the saved cursor can never be ahead of the data.
  struct StateInSink {
    std::string schema = "rbc_state";
    std::string run_id;
    std::string stream;  // the source stream: the state key, with `pipeline`
  };
  std::optional<StateInSink> state;
};

// What a commit makes durable besides the rows: for an incremental stream read by one
// reader into one writer, the position of the last row the commit contains; and the
// rows the commit adds to this run's record.
struct Checkpoint {
  std::optional<CursorPosition> position;
  uint64_t rows = 0;  // rows written since the previous commit of this writer
};

// Writes the batches of one partition. commit() makes them durable; abort() discards
// what was not committed.
class PartitionWriter {
 public:
  virtual ~PartitionWriter() = default;
  virtual Status write(const Batch& batch) = 0;
  // The autotuner's choice of how much encoded data to buffer before sending it (COPY
  // destinations); writers without such a buffer ignore it.
  virtual void set_flush_bytes(size_t /*bytes*/) {}
  // Called every checkpoint interval: commits the rows written so far (with `checkpoint`
  // when SinkRequest::state is set) and carries on in a new transaction. Returns false
  // when this writer does not commit before the end (a staging table, a temporary file),
  // which is the default.
  virtual Result<bool> checkpoint(const Checkpoint& checkpoint) { return false; }
  // At the end, before commit(): sends what the writer still buffers and waits for the
  // destination to take it, committing nothing. A run calls it for all its writers at
  // once (each on its own thread), then commits them one by one.
  virtual Status finish_writing() { return Status::ok(); }
  // Commits what is left, with `checkpoint` when SinkRequest::state is set.
  virtual Status commit(const Checkpoint& checkpoint) = 0;
  Status commit() { return commit(Checkpoint{}); }
  virtual void abort() = 0;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Called first, with how many writers the stream will open (see Source::connect_ahead).
  virtual void connect_ahead(const Config& /*config*/, int /*writers*/) {}
  // The leader step: all DDL and preparation, before any writer opens.
  virtual Status prepare(const SinkRequest& request) = 0;
  // The writers of a stream open concurrently (and concurrently with its readers).
  virtual Result<std::unique_ptr<PartitionWriter>> open(const SinkRequest& request, int index) = 0;
  // After every writer committed: publish (rename a file, swap a replace table; with
  // SinkRequest::state, the replace swap also stores the last commit's checkpoint).
  virtual Status finish(const SinkRequest& request) = 0;
  // After a failure: remove anything half-written.
  virtual void abandon(const SinkRequest& request) = 0;
};

}  // namespace rbc
