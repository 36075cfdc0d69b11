// Runs a sink step: the leader step (prepare: all DDL before any writer opens), the
// plan's writers, checkpoints every interval, and at the end finish, commit, publish or
// abandon. In a dry run it keeps what reaches it instead of writing.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "operators/runtime/run_context.h"

namespace rbc {

class StreamTuner;

class SinkRunner final : public NodeRunner {
 public:
  SinkRunner(RunContext& run, NodeId id) : NodeRunner(id), run_(run), step_(run.plan().step<SinkStep>(id)) {}

  const SinkStep& step() const { return step_; }
  bool dry_run() const { return dry_run_output_ != nullptr; }
  Status connect_ahead();
  Status prepare(std::shared_ptr<const Schema> input);
  // The tuner that sets the writers' flush threshold while it probes (see SinkStep::flush_tuned_by).
  void set_flush_tuner(StreamTuner* tuner) { flush_tuner_ = tuner; }
  Result<std::unique_ptr<PartitionWriter>> open(int writer) { return sink_->open(request_, writer); }
  void add_writer(std::unique_ptr<PartitionWriter> writer);
  int writers_opened() const { return static_cast<int>(writers_.size()); }

  void write(int writer, const Msg& envelope);
  void collect_dry_run(const Msg& envelope);
  std::unique_ptr<DryRunOutput> take_dry_run_output() { return std::move(dry_run_output_); }

  // The end of a run, in this order: every writer's finish_writing (all sinks at once),
  // commit each writer, finish the sink; abandon() after any failure.
  Status finish_writing(int writer) { return writers_[writer]->finish_writing(); }
  Status commit(int writer);
  Status finish();
  void abandon();

 private:
  struct Progress {  // a writer's rows since its last commit, and what that commit carries
    uint64_t rows = 0;
    int64_t since_ns = 0;
    bool commits_early = true;  // false once checkpoint() said it only commits at the end
    std::shared_ptr<const CursorPosition> position;
    bool committed = false;
  };
  Checkpoint pending_checkpoint(int writer) const;
  void checkpoint(int writer);
  // After a commit that the sink did not record itself: save it in the state store.
  Status save_state(const Checkpoint& checkpoint);

  RunContext& run_;
  const SinkStep& step_;
  std::unique_ptr<Sink> sink_;
  SinkRequest request_;
  bool prepared_ = false;
  std::vector<std::unique_ptr<PartitionWriter>> writers_;
  std::vector<Progress> progress_;  // per writer
  std::vector<int64_t> flush_applied_;
  std::vector<Checkpoint> final_checkpoints_;  // saved once finish() made them visible
  StreamTuner* flush_tuner_ = nullptr;
  std::unique_ptr<DryRunOutput> dry_run_output_;
  std::mutex dry_run_mutex_;
};

}  // namespace rbc
