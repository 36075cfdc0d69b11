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

// Takes the next slice and starts it, unless it is in one; a slice that fails to start is
// handed back (fell_back) and the next one taken.
Result<bool> TunedReader::ready() {
  while (!in_slice_) {
    if (finished_) return false;
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
      return false;
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
  return true;
}

void TunedReader::count(const Batch& batch) {
  slice_rows_ += batch.num_rows;
  if (hold_) {
    hold_->written->rows.fetch_add(batch.num_rows, std::memory_order_relaxed);
    hold_->written->bytes.fetch_add(batch.data_bytes(), std::memory_order_relaxed);
  }
}

// A claim that fails stands, whatever the candidate: it is the file's error (and a chunk
// claimed has its sequence number, so its batch cannot be read again).
Result<bool> TunedReader::claim() {
  if (!in_slice_) return false;
  Result<bool> claimed = inner_->claim();
  if (claimed.is_ok() && !*claimed) in_slice_ = false;  // the slice is read
  return claimed;
}

Result<std::optional<Batch>> TunedReader::next() {
  if (claims_) {  // the chunk claimed: its one batch
    Result<std::optional<Batch>> next = inner_->next();
    if (next.is_ok() && *next) count(**next);
    return next;
  }
  for (;;) {
    Result<bool> more = ready();
    if (!more.is_ok()) return more.status();
    if (!*more) break;
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
    count(*batch);
    return batch;
  }
  hold_.reset();
  return std::optional<Batch>();
}

}  // namespace rbc
