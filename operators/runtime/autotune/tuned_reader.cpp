// TunedReader: reads the slices its StreamTuner hands out; tuned_reader.h says why.
#include "operators/runtime/autotune/tuned_reader.h"

#include "operators/runtime/clock.h"

namespace rbc {

Result<std::optional<Batch>> TunedReader::next() {
  while (!finished_) {
    if (!in_slice_) {
      hold_.reset();
      int64_t asked = now_ns();
      std::optional<StreamTuner::Assignment> assignment = tuner_.take(index_, stopped_);
      waited_ns_ += now_ns() - asked;
      if (!assignment) {
        finished_ = true;
        RBC_RETURN_NOT_OK(inner_->finish_slices());
        break;
      }
      hold_ = std::move(assignment->hold);
      RBC_RETURN_NOT_OK(inner_->start_slice(assignment->slice, assignment->batch_rows));
      in_slice_ = true;
    }
    RBC_ASSIGN_OR_RETURN(std::optional<Batch> batch, inner_->next());
    if (!batch) {
      in_slice_ = false;
      continue;
    }
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
