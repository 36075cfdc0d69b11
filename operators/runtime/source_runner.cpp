// The source runner (source_runner.h).
#include "operators/runtime/source_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "graph/value_format.h"
#include "operators/runtime/autotune/planner.h"
#include "operators/runtime/clock.h"

namespace rbc {
namespace {

// The position of an incremental batch: the cursor (and tie-breaker) of its last row, in
// the text form PostgreSQL parses back (graph/value_format.h).
std::shared_ptr<const CursorPosition> last_row_position(const Batch& batch, int cursor, int tie_breaker) {
  size_t row = batch.num_rows - 1;
  if (batch.columns[cursor].is_null(row)) return nullptr;
  auto position = std::make_shared<CursorPosition>();
  append_formatted_value(position->cursor_value, batch.columns[cursor], row);
  if (tie_breaker >= 0 && !batch.columns[tie_breaker].is_null(row)) {
    position->tie_breaker_value.emplace();
    append_formatted_value(*position->tie_breaker_value, batch.columns[tie_breaker], row);
  }
  return position;
}

void truncate_batch(Batch& batch, size_t rows) {
  if (rows >= batch.num_rows) return;
  for (auto& column : batch.columns) column.truncate(rows);
  batch.num_rows = rows;
}

}  // namespace

SourceRunner::SourceRunner(RunContext& run, NodeId id, std::atomic<uint64_t>& sequence)
    : NodeRunner(id), run_(run), step_(run.plan().step<SourceStep>(id)), sequence_(sequence) {
  const RunOptions& options = run.options();
  request_.pipeline = run.plan().run.pipeline;
  request_.stream = step_.stream;
  request_.config = step_.config;
  request_.columns = step_.columns;
  request_.declared_schema = step_.declared_schema;
  request_.schema_evolution = step_.schema_evolution;
  request_.sync_mode = step_.sync_mode;
  request_.cursor_field = step_.cursor_field;
  request_.tie_breaker_field = step_.tie_breaker_field;
  request_.partition_key = step_.partition_key;
  request_.partition_mode = step_.partition_mode.value;
  request_.partition_count = step_.partitions.value;
  request_.sliced_readers = step_.tuned.value ? step_.readers.value : 0;
  request_.claimed_chunks = step_.chunks_in_order.value;
  request_.max_batch_bytes = static_cast<size_t>(step_.max_batch_bytes);
  if (options.max_batch_rows > 0) request_.max_batch_rows = options.max_batch_rows;
  if (options.dry_run)
    request_.max_batch_rows = std::max<size_t>(1, std::min(request_.max_batch_rows, options.limit));
  // A cdc reader waits inside a read for the server's next change, however long that takes:
  // holding a worker slot then would stall the transforms of what it already read.
  uses_slot_ = step_.sync_mode != SyncMode::cdc;
  request_.on_data_error = step_.on_data_error;
  request_.dlq_path = step_.dlq_path;
  if (step_.sync_mode == SyncMode::cdc) {
    request_.until_caught_up = options.until_caught_up;
    request_.stop = options.stop_following;
    request_.durable = run.durable_position(step_.stream);
  }
}

Status SourceRunner::connect_ahead() {
  source_ = run_.options().make_source(step_.connector);
  if (!source_) return Status::invalid("unknown source connector '" + step_.connector + "'");
  source_->connect_ahead(step_.config, step_.readers.value);
  return Status::ok();
}

Status SourceRunner::prepare() {
  if (request_.sync_mode != SyncMode::full_refresh) {
    auto saved = run_.state().load(request_.pipeline, request_.stream);
    if (!saved.is_ok()) return saved.status().prefixed("state: ");
    if (*saved) {
      request_.cursor_value = (*saved)->cursor_value;
      request_.tie_breaker_value = (*saved)->tie_breaker_value;
    }
  }
  if (request_.sync_mode == SyncMode::cdc) {
    spdlog::info("cdc stream=\"{}\" {}{}", request_.stream,
                 request_.cursor_value ? "reads the changes after LSN " + *request_.cursor_value
                                       : std::string("copies the table, then reads its changes"),
                 request_.until_caught_up ? " until caught up" : "");
  }
  if (request_.sync_mode == SyncMode::incremental) {
    const auto& saved = request_.cursor_value;
    const auto& tie = request_.tie_breaker_value;
    spdlog::info(
        "incremental stream=\"{}\" reads {}{}", request_.stream,
        saved ? "after cursor " + request_.cursor_field + "=" + *saved : std::string("from the beginning"),
        saved && tie ? ", " + request_.tie_breaker_field + "=" + *tie : std::string());
  }
  Result<std::shared_ptr<const Schema>> schema = source_->prepare(request_);
  if (!schema.is_ok()) return schema.status().prefixed("prepare: ");
  output_schema = *schema;
  if (request_.sync_mode == SyncMode::incremental) {
    // The position is taken from the rows read, so the source must deliver the columns.
    cursor_index_ = output_schema->index_of(request_.cursor_field);
    if (!request_.tie_breaker_field.empty())
      tie_breaker_index_ = output_schema->index_of(request_.tie_breaker_field);
    if (cursor_index_ < 0 || (!request_.tie_breaker_field.empty() && tie_breaker_index_ < 0))
      return Status::invalid("incremental: the stream's rows lack its cursor or tie-breaker column");
  }
  if (step_.tuned.value) start_tuner();
  return Status::ok();
}

// The stream's key span is known once its source is prepared: the tuner plans its
// windows from it, and measures them with the writers of the stream's sinks.
void SourceRunner::start_tuner() {
  TuneKnobs baseline{step_.partitions.value, step_.partition_mode.value, step_.flush_baseline};
  for (NodeId next : run_.plan().graph.reachable_from(id())) {  // the plan's transform concurrency
    if (run_.plan().graph.node(next).kind != NodeKind::transform) continue;
    const TransformStep& transform = run_.plan().step<TransformStep>(next);
    if (transform.concurrency_tuned_by == id()) baseline.node_concurrency = transform.concurrency.value;
  }
  AutotunePlanner planner(step_.stream, *step_.autotune, baseline, step_.readers.value,
                          source_->key_span(request_), remembered_choice());
  auto writer_seconds = [this] {
    int64_t busy = 0;
    for (NodeId next : run_.plan().graph.reachable_from(id())) {
      if (run_.plan().graph.node(next).kind == NodeKind::sink)
        busy += run_.runner(next).counters.busy_ns.load();
    }
    return static_cast<double>(busy) / 1e9;
  };
  tuner_ = std::make_unique<StreamTuner>(
      std::move(planner), step_.readers.value, writer_seconds, step_.lane_writers,
      [this](std::function<void()> wait) { run_.hold_thread(std::move(wait)); });
}

std::optional<RememberedChoice> SourceRunner::remembered_choice() const {
  const PhysicalPlan& plan = run_.plan();
  Result<std::optional<TunedChoice>> saved =
      run_.state().load_choice(plan.run.pipeline, step_.stream, tuning_cores(plan));
  if (!saved.is_ok()) {
    spdlog::warn("autotune stream=\"{}\": cannot read its remembered choice ({}); probing", step_.stream,
                 saved.status().message());
    return std::nullopt;
  }
  if (!*saved) return std::nullopt;
  const TunedChoice& choice = **saved;
  RememberedChoice remembered;
  remembered.knobs.parallelism = choice.parallelism;
  for (PartitionMode mode : enum_values<PartitionMode>()) {
    if (choice.partition_mode == to_string(mode)) remembered.knobs.partition_mode = mode;
  }
  remembered.knobs.flush_bytes = choice.copy_flush_bytes;
  remembered.knobs.node_concurrency = choice.node_concurrency;
  remembered.bytes_per_second = choice.bytes_per_second;
  remembered.table_rows = choice.table_rows;
  remembered.run_id = choice.run_id;
  return remembered;
}

void SourceRunner::add_reader(std::unique_ptr<PartitionReader> reader, int lane) {
  auto state = std::make_unique<Reader>();
  if (tuner_) {
    auto tuned = std::make_unique<TunedReader>(
        std::move(reader), *tuner_, lane, [this] { return run_.stopped(); },
        uses_slot_ ? &run_.workers() : nullptr, step_.chunks_in_order.value);
    state->tuned = tuned.get();
    state->reader = std::move(tuned);
  } else {
    state->reader = std::move(reader);
  }
  readers_.push_back(std::move(state));
}

void SourceRunner::read(int lane, Msg token) {
  Reader& state = *readers_[lane];
  if (run_.stopped() || state.exhausted.load()) return;
  const RunOptions& options = run_.options();
  int64_t start = now_ns();
  if (state.last_read_end_ns != 0)
    counters.waiting_ns.fetch_add(start - state.last_read_end_ns, std::memory_order_relaxed);
  std::optional<Batch> batch;
  bool claimed = false;  // a chunk was claimed: its number is taken, so a batch must follow
  // One of the run's worker slots for this batch (worker_slots.h says why this cannot
  // deadlock); taken before a chunk is claimed, so a claimed number is always filled.
  WorkerSlots::Held slot(uses_slot_ ? &run_.workers() : nullptr);
  Active active(active_, peak_active_);
  try {
    while (step_.chunks_in_order.value && !claimed) {
      // A tuned reader first takes its slice of the tuner's window, outside the claim lock:
      // it may wait there for the window's other readers.
      if (state.tuned) {
        Result<bool> ready = state.tuned->ready();
        if (!ready.is_ok() || !*ready) {
          state.exhausted.store(true);
          if (!ready.is_ok()) return run_.fail(id(), lane, ready.status());
          return;
        }
      }
      // One claim at a time: chunks are numbered in input order, whichever reader parses them.
      std::lock_guard lock(claim_mutex_);
      Result<bool> claim = state.reader->claim();
      if (!claim.is_ok()) {
        state.exhausted.store(true);
        return run_.fail(id(), lane, claim.status());
      }
      if (!*claim && !state.tuned) {
        state.exhausted.store(true);
        return;
      }
      if (!*claim) continue;  // its slice is read: the next one
      stamp_progress(lane, *token);
      token->seq = sequence_.fetch_add(1);
      claimed = true;
    }
    Result<std::optional<Batch>> next = state.reader->next();
    if (!next.is_ok()) {
      state.exhausted.store(true);
      return run_.fail(id(), lane, next.status());
    }
    batch = std::move(next).value();
  } catch (const std::exception& e) {
    state.exhausted.store(true);
    return run_.fail(id(), lane, std::string("unexpected exception: ") + e.what());
  }
  state.last_read_end_ns = now_ns();
  int64_t waited = state.tuned ? state.tuned->take_waited_ns() : 0;
  counters.busy_ns.fetch_add(state.last_read_end_ns - start - waited, std::memory_order_relaxed);
  counters.waiting_ns.fetch_add(waited, std::memory_order_relaxed);
  if (!batch && claimed) batch = Batch::empty(output_schema);  // the sequencers wait for its number
  if (!batch) {
    state.exhausted.store(true);
    mark_ended(lane);
    return;
  }
  if (options.dry_run) {
    truncate_batch(*batch, options.limit - std::min<size_t>(options.limit, state.rows));
    if (state.rows + batch->num_rows >= options.limit) state.exhausted.store(true);
  }
  state.rows += batch->num_rows;
  if (state.tuned) token->ticket->window = state.tuned->hold();
  if (cursor_index_ >= 0 && batch->num_rows > 0) {
    token->position = last_row_position(*batch, cursor_index_, tie_breaker_index_);
    last_position_ = token->position;
  } else if (auto position = state.reader->last_batch_position()) {  // cdc
    token->position = std::make_shared<const CursorPosition>(std::move(*position));
    last_position_ = token->position;
  }
  token->batch = std::move(*batch);
  if (!claimed) {
    stamp_progress(lane, *token);
    token->seq = sequence_.fetch_add(1);
  }
  token->lane = step_.deals_lanes.value ? static_cast<int>(token->seq % step_.readers.value) : lane;
  run_.emit(*this, std::move(token));
}

void SourceRunner::stamp_progress(int lane, Envelope& token) const {
  BatchProgress& progress = token.progress;
  progress.source = static_cast<uint32_t>(id());
  // Chunks claimed in order carry the stream's order: the stream is one partition.
  const bool ordered = step_.chunks_in_order.value;
  progress.partition = ordered ? 0 : static_cast<uint32_t>(lane);
  progress.partitions = ordered ? 1 : static_cast<uint32_t>(std::max(1, step_.readers.value));
  progress.ended = ordered ? 0 : ended_.load();
  progress.read_ns = now_ns();
}

AutotuneEvent SourceRunner::autotune_event() const {
  if (tuner_) return tuner_->event();
  AutotuneEvent event;
  event.stream = run_.plan().graph.node(id()).stream;
  event.reason =
      step_.tuned.value ? "not probed: the run stopped before the stream was read" : step_.tuned.reason;
  if (step_.autotune) event.pinned = step_.autotune->pinned;
  event.parallelism = step_.readers.value;
  event.partition_mode = step_.partition_mode.value;
  if (step_.autotune && !step_.autotune->copy_flush_bytes.empty())
    event.copy_flush_bytes = step_.flush_baseline;
  return event;
}

uint64_t SourceRunner::rejected_rows() const {
  uint64_t rows = 0;
  for (const auto& reader : readers_) rows += reader->reader->rejected_rows();
  return rows;
}

}  // namespace rbc
