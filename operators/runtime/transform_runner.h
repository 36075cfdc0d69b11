// Runs a transform step: its operator copies (one, one per hash lane when it owns keys'
// state, or one per arriving lane for a two-phase aggregation), each batch through the
// copy of its lane; then, once the input has ended, an aggregation's held rows.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "operators/operator.h"
#include "operators/runtime/run_context.h"

namespace rbc {

class StreamTuner;

class TransformRunner final : public NodeRunner {
 public:
  TransformRunner(RunContext& run, NodeId id)
      : NodeRunner(id), run_(run), step_(run.plan().step<TransformStep>(id)) {}

  const TransformStep& step() const { return step_; }
  // Builds the plan's copies of the operator over `input`.
  Status prepare(std::shared_ptr<const Schema> input);
  // Runs copy `copy` on the batch and emits the result.
  void process(int copy, const Msg& envelope);
  // Whether it holds rows until its input ends (an aggregation).
  bool holds_rows() const { return step_.aggregation.has_value(); }
  // Partial aggregates in every copy, merged at the end (copies may fold into each other).
  bool two_phase() const {
    return holds_rows() && step_.aggregation->strategy.value == AggregationStrategy::two_phase;
  }
  // An aggregation that emits as its input arrives: EMIT CHANGES, or windows closing.
  bool emits_while_running() const {
    return holds_rows() && (step_.aggregation->emit_changes || step_.aggregation->window.has_value());
  }
  // After every batch of the input went through process(): merges a two-phase plan's
  // partial states, finishes each copy (at once, on the arena's threads) and emits their
  // rows with sequence numbers 0, 1, ... in copy order.
  void finish();
  uint64_t rejected_rows() const override;
  void queued(int lane) override;
  std::vector<LaneStats> lane_stats() const;
  // A two_phase aggregation's: whether its lanes shuffled, and why ("" otherwise).
  std::string lanes_note() const { return copies_.empty() ? "" : copies_.front()->lanes_note(); }
  // The most batches it processed at once.
  int peak_active() const { return peak_active_.load(); }
  // The autotuner of the stream that feeds it sets its batches at once (the plan's
  // concurrency_tuned_by); the flow-graph node allows the largest candidate.
  void set_concurrency_tuner(const StreamTuner* tuner) { concurrency_tuner_ = tuner; }

 private:
  int copy_of(int lane) const { return lane % static_cast<int>(copies_.size()); }
  // Fails the run when the aggregations' groups together hold more than max_state_bytes.
  void account_state(int copy);

  struct Lane {
    std::atomic<uint64_t> rows_in{0};
    std::atomic<int64_t> busy_ns{0};
    std::atomic<int64_t> queued{0};
    std::atomic<int64_t> max_queue{0};
    std::atomic<int64_t> state_bytes{0};
    std::mutex accounting;                     // a reading of the copy's state and its publishing, together
    std::atomic<int64_t> peak_state_bytes{0};  // after any batch
    std::atomic<int64_t> peak_windows{0};      // open windows, after any batch
  };

  RunContext& run_;
  const TransformStep& step_;
  std::vector<std::unique_ptr<Operator>> copies_;
  std::unique_ptr<Lane[]> lanes_;
  std::atomic<int> active_{0}, peak_active_{0};
  const StreamTuner* concurrency_tuner_ = nullptr;
  std::mutex tuned_mutex_;
  std::condition_variable tuned_freed_;
  int tuned_running_ = 0;              // batches in process() under the tuner's limit
  std::atomic<uint64_t> next_seq_{0};  // past the largest batch number processed: where finish() numbers on
};

}  // namespace rbc
