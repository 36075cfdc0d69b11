// The reader side of the autotuner: a PartitionReader that reads, one after another, the
// key slices a StreamTuner (stream_tuner.h) gives its reader index, so that the source
// runner drives a tuned stream like any other partition.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "connectors/connector.h"
#include "operators/runtime/autotune/stream_tuner.h"
#include "operators/runtime/worker_slots.h"

namespace rbc {

// A PartitionReader that reads the slices a StreamTuner gives its reader index, one after
// another, through a reader opened for sliced reading.
//
// A split file's readers claim chunks (StreamRequest::claimed_chunks): the source runner
// calls ready() outside its claim lock, for a slice to claim in (it may wait there for the
// tuner's next window), then claim() under the lock, then next() for the chunk's batch. A
// claim() that finds the slice read returns false; ready() then takes the next slice.
class TunedReader final : public PartitionReader {
 public:
  // `slots`: the run's worker slots, one of which the reader holds while it reads; it
  // gives it back while it waits for its next window (worker_slots.h). May be null.
  TunedReader(std::unique_ptr<PartitionReader> inner, StreamTuner& tuner, int index,
              std::function<bool()> stopped, WorkerSlots* slots = nullptr, bool claims = false)
      : inner_(std::move(inner)),
        tuner_(tuner),
        index_(index),
        stopped_(std::move(stopped)),
        slots_(slots),
        claims_(claims) {}
  Result<std::optional<Batch>> next() override;
  // Claimed chunks: true once the reader has a slice to claim in; false when it has nothing
  // more to read.
  Result<bool> ready();
  Result<bool> claim() override;
  size_t rejected_rows() const override { return inner_->rejected_rows(); }
  // The window the last batch belongs to (null in the steady phase): the batch holds it
  // until it is written.
  std::shared_ptr<WindowHold> hold() const { return hold_ ? hold_->written : nullptr; }
  // Nanoseconds next() spent waiting for the tuner since the last call: the executor
  // counts them as the node's waiting time, not as busy reading.
  int64_t take_waited_ns() { return std::exchange(waited_ns_, 0); }

 private:
  std::unique_ptr<PartitionReader> inner_;
  StreamTuner& tuner_;
  int index_;
  std::function<bool()> stopped_;
  WorkerSlots* slots_;
  bool claims_;
  bool in_slice_ = false, finished_ = false;
  std::shared_ptr<ReadHold> hold_;  // of the slice being read
  KeySlice slice_;                  // the slice being read
  uint64_t slice_rows_ = 0;         // rows it delivered so far
  bool fell_back(const Status& failure);
  void count(const Batch& batch);  // into the window's measurement
  int64_t waited_ns_ = 0;
};

}  // namespace rbc
