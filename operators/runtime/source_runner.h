// Runs a source step: the leader step (prepare: snapshot, schema, saved cursor), one
// reader per lane of the plan, the autotuner when the plan says the stream is probed,
// and the read body each reader's flow-graph node calls.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "operators/runtime/autotune/stream_tuner.h"
#include "operators/runtime/autotune/tuned_reader.h"
#include "operators/runtime/run_context.h"

namespace rbc {

class SourceRunner final : public NodeRunner {
 public:
  SourceRunner(RunContext& run, NodeId id, std::atomic<uint64_t>& sequence);

  const SourceStep& step() const { return step_; }
  int readers() const { return step_.readers.value; }
  // Makes the connector and lets it start connecting its readers.
  Status connect_ahead();
  Status prepare();
  // Starts the autotuner once the source is prepared (its key span is known).
  void start_tuner();
  // The stream's choice an earlier run remembered, if the state backend has one.
  std::optional<RememberedChoice> remembered_choice() const;
  Result<std::unique_ptr<PartitionReader>> open(int lane) { return source_->open(request_, lane); }
  void add_reader(std::unique_ptr<PartitionReader> reader, int lane);
  // Reads one batch into `token` (a limiter's admission) for reader `lane` and emits it;
  // false once the reader is exhausted or the run stopped.
  void read(int lane, Msg token);
  bool exhausted(int lane) const { return readers_[lane]->exhausted.load(); }
  void close_tuner() {
    if (tuner_) tuner_->close();
  }

  // The position of the last row read, for streams whose cursor no sink commits.
  std::shared_ptr<const CursorPosition> last_position() const { return last_position_; }
  StreamTuner* tuner() const { return tuner_.get(); }
  // The autotuner's decision, or why it did not run.
  AutotuneEvent autotune_event() const;
  int readers_opened() const { return static_cast<int>(readers_.size()); }
  uint64_t rejected_rows() const override;
  // The most readers that were reading at once.
  int peak_active() const { return peak_active_.load(); }

 private:
  struct Reader {
    std::unique_ptr<PartitionReader> reader;
    TunedReader* tuned = nullptr;  // `reader`, when the autotuner hands it its slices
    std::atomic<bool> exhausted{false};
    int64_t last_read_end_ns = 0;
    uint64_t rows = 0;
  };

  RunContext& run_;
  const SourceStep& step_;
  std::atomic<uint64_t>& sequence_;  // shared by the sources of one connected part
  std::mutex claim_mutex_;           // chunks in order: one reader claims at a time
  std::unique_ptr<Source> source_;
  StreamRequest request_;
  int cursor_index_ = -1, tie_breaker_index_ = -1;  // incremental: columns of the position
  std::unique_ptr<StreamTuner> tuner_;  // declared before the readers that use it, so it outlives them
  std::vector<std::unique_ptr<Reader>> readers_;
  std::shared_ptr<const CursorPosition> last_position_;
  // Bit l: reader l has read its last batch. A batch's progress carries the bits set before
  // its sequence number was taken, so no batch of an ended reader can follow it in order.
  std::atomic<uint64_t> ended_{0};
  bool uses_slot_ = true;  // reads take one of the run's worker slots
  std::atomic<int> active_{0}, peak_active_{0};
  // Stamps where and when `token`'s batch was read (for watermarks); before its seq is taken.
  void stamp_progress(int lane, Envelope& token) const;
  void mark_ended(int lane) {
    if (lane < 64) ended_.fetch_or(uint64_t{1} << lane);
  }
};

}  // namespace rbc
