// The transform runner (transform_runner.h).
#include "operators/runtime/transform_runner.h"

#include <oneapi/tbb/parallel_for.h>

#include <chrono>

#include "operators/runtime/autotune/stream_tuner.h"
#include "operators/runtime/clock.h"
#include "operators/runtime/run_report.h"
#include "operators/runtime/worker_slots.h"

namespace rbc {

Status TransformRunner::prepare(std::shared_ptr<const Schema> input) {
  OperatorContext context;
  context.pipeline = run_.plan().run.pipeline;
  context.stream = run_.plan().graph.node(id()).stream;
  context.on_data_error = step_.on_data_error;
  context.dlq_path = step_.dlq_path;
  if (step_.aggregation && step_.aggregation->window)
    context.watermark = step_.aggregation->window->watermark.value;
  for (int copy = 0; copy < std::max(1, step_.copies.value); ++copy) {
    if (two_phase()) {
      context.merge_parts = std::max(1, step_.copies.value);
      context.merge_part = copy;
    }
    auto op = make_operator(step_.op, step_.config, input, context);
    if (!op.is_ok()) return op.status();
    if ((*op)->stateful() != step_.stateful.value)
      return Status::internal("the operator's statefulness differs from the plan's");
    copies_.push_back(std::move(op).value());
  }
  if (two_phase()) {
    for (size_t copy = 1; copy < copies_.size(); ++copy) copies_[copy]->join_copies(*copies_[0]);
  }
  lanes_ = std::make_unique<Lane[]>(copies_.size());
  output_schema = copies_.front()->output_schema();
  return Status::ok();
}

void TransformRunner::queued(int lane) {
  if (!holds_rows()) return;
  Lane& l = lanes_[static_cast<size_t>(copy_of(lane))];
  raise_peak(l.max_queue, l.queued.fetch_add(1, std::memory_order_relaxed) + int64_t{1});
}

void TransformRunner::process(int copy, const Msg& envelope) {
  if (run_.stopped()) return;
  // A tuned node runs at most the tuner's current candidate's batches at once. It is read
  // as each batch starts (a candidate that rises lets waiting batches in within 2 ms).
  struct TunedTurn {
    TransformRunner& runner;
    explicit TunedTurn(TransformRunner& r) : runner(r) {
      if (runner.concurrency_tuner_ == nullptr) return;
      std::unique_lock lock(runner.tuned_mutex_);
      auto room = [&] {
        int limit = runner.concurrency_tuner_->node_concurrency();
        return limit <= 0 || runner.tuned_running_ < limit;
      };
      while (!room()) runner.tuned_freed_.wait_for(lock, std::chrono::milliseconds(2));
      ++runner.tuned_running_;
    }
    ~TunedTurn() {
      if (runner.concurrency_tuner_ == nullptr) return;
      {
        std::lock_guard lock(runner.tuned_mutex_);
        --runner.tuned_running_;
      }
      runner.tuned_freed_.notify_one();
    }
  } turn(*this);
  // One of the run's worker slots for this batch (worker_slots.h); the wait for it counts
  // as waiting, not busy. (Taken after the node's own turn: a slot is never held waiting.)
  WorkerSlots::Held slot(&run_.workers());
  Active active(active_, peak_active_);
  int64_t start = now_ns();
  counters.waiting_ns.fetch_add(start - envelope->ready_ns, std::memory_order_relaxed);
  counters.in(envelope->batch);
  Lane& lane = lanes_[static_cast<size_t>(copy)];
  try {
    Result<Batch> out = copies_[copy]->process(envelope->batch,
                                               BatchInfo{envelope->seq, envelope->lane, &envelope->progress});
    int64_t busy = now_ns() - start;
    counters.busy_ns.fetch_add(busy, std::memory_order_relaxed);
    if (holds_rows()) {
      lane.queued.fetch_sub(1, std::memory_order_relaxed);
      lane.rows_in.fetch_add(envelope->batch.num_rows, std::memory_order_relaxed);
      lane.busy_ns.fetch_add(busy, std::memory_order_relaxed);
      // Shuffling two_phase lanes fold rows into each other's parts: every copy may have grown.
      if (two_phase()) {
        for (size_t other = 0; other < copies_.size(); ++other) account_state(static_cast<int>(other));
      } else {
        account_state(copy);
      }
      raise_peak(next_seq_, envelope->seq + 1);
    }
    if (!out.is_ok()) return run_.fail(id(), envelope->lane, out.status().message());
    if (run_.stopped()) return;
    // EMIT FINAL without a window emits nothing until the input ends (its batch numbers then
    // start at 0); EMIT CHANGES and windows emit a batch, maybe empty, for every batch.
    if (holds_rows() && !emits_while_running()) return;
    envelope->batch = std::move(out).value();
  } catch (const std::exception& e) {
    return run_.fail(id(), envelope->lane, std::string("unexpected exception: ") + e.what());
  }
  run_.emit(*this, envelope);
}

void TransformRunner::account_state(int copy) {
  Lane& lane = lanes_[static_cast<size_t>(copy)];
  int64_t bytes = 0, total = 0;
  {
    // Every thread of a two_phase aggregation accounts every copy: an older reading must
    // not replace a newer one, nor its difference reach the run's total after the newer's.
    std::lock_guard lock(lane.accounting);
    bytes = static_cast<int64_t>(copies_[copy]->state_bytes());
    total = run_.add_state_bytes(bytes - lane.state_bytes.exchange(bytes));
  }
  raise_peak(lane.peak_state_bytes, bytes);
  raise_peak(lane.peak_windows, static_cast<int64_t>(copies_[copy]->open_windows()));
  const int64_t limit = step_.aggregation->max_state_bytes.value;
  if (total <= limit) return;
  uint64_t groups = 0;
  for (const auto& op : copies_) groups += op->groups();
  run_.fail(id(), copy,
            "the aggregation's groups need more memory than resources.max_state_bytes allows: " +
                std::to_string(groups) + " groups hold " + format_byte_count(static_cast<uint64_t>(total)) +
                " (the limit is " + format_byte_count(static_cast<uint64_t>(limit)) +
                "); raise max_state_bytes, or group by fewer keys" +
                (step_.aggregation->window ? ", or let windows close sooner (a watermark: windows hold their "
                                             "groups until it passes them)"
                                           : ""));
}

void TransformRunner::finish() {
  if (!holds_rows() || run_.stopped()) return;
  // two_phase: copy c gathers part c of the keys from the other copies, then emits it; the
  // copies at once, each touching only its part.
  std::vector<Result<std::vector<Batch>>> finished(copies_.size(),
                                                   Result<std::vector<Batch>>(std::vector<Batch>{}));
  tbb::parallel_for(size_t{0}, copies_.size(), [&](size_t copy) {
    try {
      for (size_t other = 0; two_phase() && other < copies_.size(); ++other) {
        if (other == copy) continue;
        Status merged = copies_[copy]->merge_from(*copies_[other]);
        if (!merged.is_ok()) {
          finished[copy] = merged;
          return;
        }
      }
      finished[copy] = copies_[copy]->finish();
    } catch (const std::exception& e) {
      finished[copy] = Status::internal(std::string("unexpected exception: ") + e.what());
    }
  });
  if (two_phase()) {
    for (size_t copy = 0; copy < copies_.size(); ++copy) account_state(static_cast<int>(copy));
    if (run_.stopped()) return;
  }
  uint64_t seq = emits_while_running() ? next_seq_.load() : 0;
  for (size_t copy = 0; copy < copies_.size(); ++copy) {
    if (!finished[copy].is_ok())
      return run_.fail(id(), static_cast<int>(copy), finished[copy].status().message());
    for (Batch& batch : *finished[copy]) {
      auto envelope = std::make_shared<Envelope>();
      envelope->batch = std::move(batch);
      envelope->seq = seq++;
      envelope->lane = static_cast<int>(copy);
      run_.emit(*this, std::move(envelope));
    }
  }
}

std::vector<LaneStats> TransformRunner::lane_stats() const {
  std::vector<LaneStats> stats;
  if (!holds_rows()) return stats;
  for (size_t copy = 0; copy < copies_.size(); ++copy) {
    const Lane& lane = lanes_[copy];
    LaneStats s;
    s.rows_in = lane.rows_in.load();
    s.groups = copies_[copy]->groups();
    s.state_bytes = copies_[copy]->state_bytes();
    s.busy_seconds = static_cast<double>(lane.busy_ns.load()) / 1e9;
    s.max_queue = static_cast<uint64_t>(lane.max_queue.load());
    s.open_windows = copies_[copy]->open_windows();
    s.peak_open_windows = static_cast<uint64_t>(lane.peak_windows.load());
    s.peak_state_bytes = static_cast<uint64_t>(lane.peak_state_bytes.load());
    s.late_rows = copies_[copy]->late_rows();
    stats.push_back(s);
  }
  return stats;
}

uint64_t TransformRunner::rejected_rows() const {
  uint64_t rows = 0;
  for (const auto& op : copies_) rows += op->rejected_rows();
  return rows;
}

}  // namespace rbc
