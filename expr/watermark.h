// The watermark of one windowed aggregation lane: fed every batch's progress in read
// order, it tracks the largest event time each source partition has delivered and gives
// the smallest of those, minus allowed_lateness (graph/physical_plan.h: WatermarkStep). A partition
// that has ended, or that idle_timeout has not heard from, stops holding it back; one that
// has not delivered yet holds it at its start. It never goes back. Every lane of a hash
// aggregation sees every batch's progress (empty fragments included), so all lanes compute
// the same watermark, whatever keys they own.
#pragma once

#include <climits>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "expr/query.h"

namespace rbc::sql {

class WatermarkTracker {
 public:
  static constexpr int64_t kNone = INT64_MIN;  // before any window may close

  explicit WatermarkTracker(WatermarkStep options);

  // Takes a batch's progress and the largest event time among its rows (µs); returns the
  // watermark after it (µs), kNone while nothing may close.
  int64_t advance(const BatchProgress& progress, std::optional<int64_t> max_event_us);
  int64_t current() const { return watermark_; }

 private:
  struct Partition {
    int64_t max_event_us = kNone;
    int64_t last_read_ns = 0;
    bool seen = false;
  };
  struct Source {
    std::vector<Partition> partitions;
    uint64_t ended = 0;
    int64_t first_read_ns = 0;
  };

  WatermarkStep options_;
  std::map<uint32_t, Source> sources_;
  int64_t watermark_ = kNone;
  int64_t start_ns_ = 0;  // when the first batch seen was read: a source silent since then may be idle
};

}  // namespace rbc::sql
