// The watermark tracker (watermark.h).
#include "expr/watermark.h"

#include <algorithm>

namespace rbc::sql {

WatermarkTracker::WatermarkTracker(WatermarkStep options) : options_(std::move(options)) {
  for (uint32_t source : options_.sources) sources_[source].partitions.resize(1);
}

int64_t WatermarkTracker::advance(const BatchProgress& progress, std::optional<int64_t> max_event_us) {
  if (!options_.configured) return watermark_;
  Source& source = sources_[progress.source];
  if (start_ns_ == 0) start_ns_ = progress.read_ns;
  if (source.first_read_ns == 0) source.first_read_ns = progress.read_ns;
  if (source.partitions.size() < std::max<size_t>(1, progress.partitions))
    source.partitions.resize(std::max<size_t>(1, progress.partitions));
  source.ended |= progress.ended;
  if (progress.partition < source.partitions.size()) {
    Partition& partition = source.partitions[progress.partition];
    if (max_event_us) partition.max_event_us = std::max(partition.max_event_us, *max_event_us);
    partition.last_read_ns = progress.read_ns;
    partition.seen = true;
  }
  const int64_t idle_ns = options_.idle_timeout_ms * 1'000'000;
  std::optional<int64_t> lowest;
  for (const auto& [id, s] : sources_) {
    for (size_t p = 0; p < s.partitions.size(); ++p) {
      if (p < 64 && (s.ended >> p & 1)) continue;
      const Partition& partition = s.partitions[p];
      const int64_t heard_ns = partition.seen    ? partition.last_read_ns
                               : s.first_read_ns ? s.first_read_ns
                                                 : start_ns_;
      if (idle_ns > 0 && progress.read_ns - heard_ns > idle_ns) continue;
      lowest = std::min(lowest.value_or(INT64_MAX), partition.max_event_us);
    }
  }
  if (lowest && *lowest != kNone) {
    const int64_t lateness_us = options_.allowed_lateness_ms * 1000;
    const int64_t candidate = *lowest < kNone + lateness_us ? kNone : *lowest - lateness_us;
    watermark_ = std::max(watermark_, candidate);
  }
  return watermark_;
}

}  // namespace rbc::sql
