// The sink runner (sink_runner.h).
#include "operators/runtime/sink_runner.h"

#include <spdlog/spdlog.h>

#include "operators/runtime/autotune/stream_tuner.h"
#include "operators/runtime/clock.h"

namespace rbc {

Status SinkRunner::connect_ahead() {
  if (run_.plan().run.dry_run) return Status::ok();
  sink_ = run_.options().make_sink(step_.connector);
  if (!sink_) return Status::invalid("unknown destination connector '" + step_.connector + "'");
  sink_->connect_ahead(step_.config, step_.writers.value);
  return Status::ok();
}

Status SinkRunner::prepare(std::shared_ptr<const Schema> input) {
  output_schema = input;
  if (run_.plan().run.dry_run) {
    dry_run_output_ = std::make_unique<DryRunOutput>();
    dry_run_output_->stream = run_.plan().graph.node(id()).stream;
    dry_run_output_->sink = id();
    dry_run_output_->schema = input;
    return Status::ok();
  }
  request_.pipeline = run_.plan().run.pipeline;
  request_.run_id = run_.run_id();
  request_.stream = step_.target;
  request_.config = step_.config;
  request_.schema = input;
  request_.write_mode = step_.write_mode;
  request_.schema_evolution = step_.schema_evolution;
  request_.primary_key = step_.primary_key;
  request_.apply_changes = step_.applies_changes.value;
  request_.on_data_error = step_.on_data_error;
  request_.partition_count = step_.writers.value;
  if (run_.plan().run.state_in_destination.value != run_.state().in_destination())
    return Status::internal(
        "the plan and the state store disagree on whether state lives in the destination");
  if (run_.plan().run.state_in_destination.value) {
    request_.state = SinkRequest::StateInSink{run_.state().schema(), run_.run_id(), step_.state_stream};
  }
  Status status = sink_->prepare(request_);
  prepared_ = true;  // abandon() is due even after a failed prepare: it may have created something
  return status.is_ok() ? status : status.prefixed("prepare: ");
}

void SinkRunner::add_writer(std::unique_ptr<PartitionWriter> writer) {
  // A pinned flush threshold holds from the start; a probing tuner sets its own.
  if (step_.flush_pinned) writer->set_flush_bytes(static_cast<size_t>(step_.flush_bytes.value));
  writers_.push_back(std::move(writer));
  flush_applied_.push_back(step_.flush_bytes.value);
  progress_.push_back(Progress{0, now_ns(), true, nullptr, false});
}

void SinkRunner::write(int writer, const Msg& envelope) {
  if (run_.stopped()) return;
  int64_t start = now_ns();
  counters.waiting_ns.fetch_add(start - envelope->ready_ns, std::memory_order_relaxed);
  counters.in(envelope->batch);
  Progress& progress = progress_[writer];
  // Batches arrive in read order (one writer has a sequencer in front), so the latest
  // position is that of the last row read whose batch is fully written.
  if (envelope->position) progress.position = envelope->position;
  // A change stream commits whole source transactions (batches that end one carry their
  // position), and what waits at least every max_batch_lag: an idle source sends empty
  // batches with its position for that.
  auto change_due = [&] {
    return envelope->position && now_ns() - progress.since_ns >= step_.max_batch_lag_ms * 1'000'000;
  };
  if (envelope->batch.num_rows == 0) {
    if (step_.change_stream && progress.rows > 0 && progress.commits_early && change_due())
      checkpoint(writer);
    return;
  }
  if (flush_tuner_ != nullptr && flush_tuner_->flush_bytes() != flush_applied_[writer]) {
    flush_applied_[writer] = flush_tuner_->flush_bytes();
    writers_[writer]->set_flush_bytes(static_cast<size_t>(flush_applied_[writer]));
  }
  try {
    Status status = writers_[writer]->write(envelope->batch);
    counters.busy_ns.fetch_add(now_ns() - start, std::memory_order_relaxed);
    if (!status.is_ok()) return run_.fail(id(), writer, status);
    progress.rows += envelope->batch.num_rows;
    bool due = progress.rows >= static_cast<uint64_t>(step_.checkpoint_interval_rows) ||
               now_ns() - progress.since_ns >= step_.checkpoint_interval_seconds * 1'000'000'000;
    if (step_.change_stream) due = envelope->position && (due || change_due());
    if (due && progress.commits_early) checkpoint(writer);
  } catch (const std::exception& e) {
    run_.fail(id(), writer, std::string("unexpected exception: ") + e.what());
  }
}

void SinkRunner::collect_dry_run(const Msg& envelope) {
  if (run_.stopped()) return;
  counters.in(envelope->batch);
  std::lock_guard lock(dry_run_mutex_);
  dry_run_output_->batches.push_back(envelope->batch);
}

// What the next commit of a writer carries: its rows since the last one and, when it
// tracks the stream's cursor, the position of the last row it contains.
Checkpoint SinkRunner::pending_checkpoint(int writer) const {
  const Progress& progress = progress_[writer];
  Checkpoint checkpoint;
  checkpoint.rows = progress.rows;
  if (step_.tracks_cursor.value && progress.position) checkpoint.position = *progress.position;
  return checkpoint;
}

// A checkpoint interval has passed: the writer commits what it has written so far.
void SinkRunner::checkpoint(int writer) {
  Progress& progress = progress_[writer];
  Checkpoint checkpoint = pending_checkpoint(writer);
  Result<bool> committed = writers_[writer]->checkpoint(checkpoint);
  if (!committed.is_ok()) return run_.fail(id(), writer, committed.status().prefixed("checkpoint: "));
  progress.since_ns = now_ns();
  if (!*committed) {
    progress.commits_early = false;
    return;
  }
  progress.rows = 0;
  if (!step_.redo_safe.value) run_.mark_committed_unsafe();
  if (checkpoint.position && step_.change_stream)
    run_.durable_position(step_.state_stream)->set(*checkpoint.position);
  spdlog::debug("checkpoint stream=\"{}\" partition={} rows={}{}", step_.state_stream, writer,
                checkpoint.rows,
                checkpoint.position ? " cursor=" + checkpoint.position->cursor_value : std::string());
  Status saved = save_state(checkpoint);
  if (!saved.is_ok()) run_.fail(id(), writer, saved);
}

Status SinkRunner::save_state(const Checkpoint& checkpoint) {
  if (request_.state) return Status::ok();  // already in the commit's own transaction
  Status saved = run_.state().save(run_.run_record(step_.state_stream), checkpoint);
  if (saved.is_ok()) return saved;
  // The rows are committed but their position is not saved: a new attempt would repeat them.
  run_.mark_committed_unsafe();
  return saved.prefixed("state: ");
}

Status SinkRunner::commit(int writer) {
  Checkpoint checkpoint = pending_checkpoint(writer);
  Status status = writers_[writer]->commit(checkpoint);
  if (!status.is_ok()) return status.prefixed("commit: ");
  progress_[writer].committed = true;
  if (!step_.redo_safe.value) run_.mark_committed_unsafe();
  final_checkpoints_.push_back(checkpoint);
  return Status::ok();
}

Status SinkRunner::finish() {
  if (!sink_) return Status::ok();
  Status status = sink_->finish(request_);
  if (!status.is_ok()) return status.prefixed("finish: ");
  if (!step_.redo_safe.value) run_.mark_committed_unsafe();
  // Saved after finish(): a replace or a file becomes visible only there.
  for (const auto& checkpoint : final_checkpoints_) RBC_RETURN_NOT_OK(save_state(checkpoint));
  return Status::ok();
}

void SinkRunner::abandon() {
  for (size_t p = 0; p < writers_.size(); ++p) {
    if (!progress_[p].committed) writers_[p]->abort();
  }
  writers_.clear();
  if (sink_ && prepared_) sink_->abandon(request_);
}

}  // namespace rbc
