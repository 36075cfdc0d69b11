// TunedReader: reads the slices its StreamTuner hands out; tuned_reader.h says why.
#include "operators/runtime/autotune/tuned_reader.h"

#include <cstdlib>
#include <string>

#include "operators/runtime/clock.h"

namespace rbc {

namespace {

// Test hook (docs/autotune.md, Faults): RBC_TEST_AUTOTUNE_FAIL=P makes every slice of a
// window with P readers (probe or steady) fail as it starts; RBC_TEST_AUTOTUNE_FAIL=P:retryable
// fails it with an error a new attempt could fix. Only the tests set it.
Status test_hook_failure(int parallelism) {
  static const char* hook = std::getenv("RBC_TEST_AUTOTUNE_FAIL");
  if (hook == nullptr) return Status::ok();
  std::string spec = hook;
  const bool retryable = spec.ends_with(":retryable");
  if (std::atoi(spec.c_str()) != parallelism) return Status::ok();
  Status failure = Status::io_error("RBC_TEST_AUTOTUNE_FAIL: a slice read by " + std::to_string(parallelism) +
                                    " readers fails" + (retryable ? " (retryable)" : ""));
  if (!retryable) return failure;
  return std::move(failure).with_retry(RetryDetail{true, true, "connection", 10});
}

}  // namespace

// A probe slice that fails before it delivered a row is handed back to the tuner, which
// invalidates its candidate and falls back to the baseline; any other failure stands.
bool TunedReader::fell_back(const Status& failure) {
  if (!hold_ || slice_rows_ > 0) return false;
  if (!tuner_.invalidate(index_, hold_->number, slice_, failure.message())) return false;
  in_slice_ = false;
  hold_.reset();  // outside the tuner's lock: the window may end here
  return true;
}

Result<std::optional<Batch>> TunedReader::next() {
  while (!finished_) {
    if (!in_slice_) {
      hold_.reset();
      int64_t asked = now_ns();
      std::optional<StreamTuner::Assignment> assignment;
      {
        // The next window waits for the other readers to read theirs: not on a worker slot.
        WorkerSlots::Suspend outside(slots_);
        assignment = tuner_.take(index_, stopped_);
      }
      waited_ns_ += now_ns() - asked;
      if (!assignment) {
        finished_ = true;
        RBC_RETURN_NOT_OK(inner_->finish_slices());
        break;
      }
      hold_ = std::move(assignment->hold);
      slice_ = assignment->slice;
      slice_rows_ = 0;
      Status started = test_hook_failure(assignment->parallelism);
      if (started.is_ok()) started = inner_->start_slice(assignment->slice, assignment->batch_rows);
      if (!started.is_ok()) {
        if (fell_back(started)) continue;
        return started;
      }
      in_slice_ = true;
    }
    Result<std::optional<Batch>> next = inner_->next();
    if (!next.is_ok()) {
      if (fell_back(next.status())) continue;
      return next.status();
    }
    std::optional<Batch> batch = std::move(next).value();
    if (!batch) {
      in_slice_ = false;
      continue;
    }
    slice_rows_ += batch->num_rows;
    if (hold_) {
      hold_->written->rows.fetch_add(batch->num_rows, std::memory_order_relaxed);
      hold_->written->bytes.fetch_add(batch->data_bytes(), std::memory_order_relaxed);
    }
    return batch;
  }
  hold_.reset();
  return std::optional<Batch>();
}

}  // namespace rbc
