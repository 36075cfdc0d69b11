// What the autotuner's tests share: candidate sets and key spans, built the way the
// concurrency pass and Source::key_span would.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "connectors/connector.h"
#include "graph/physical_plan.h"

namespace rbc::testing {

inline constexpr int64_t kMiB = int64_t{1} << 20;

inline AutotuneCandidates candidates(std::vector<int64_t> parallelism, std::vector<PartitionMode> modes = {},
                                     std::vector<int64_t> flush = {}) {
  AutotuneCandidates c;
  c.parallelism = std::move(parallelism);
  c.partition_mode = std::move(modes);
  c.copy_flush_bytes = std::move(flush);
  return c;
}

inline KeySpan span(int64_t min, int64_t max, double rows) {
  KeySpan s;
  s.min = min, s.max = max, s.empty = false, s.estimated_rows = rows;
  return s;
}

}  // namespace rbc::testing
