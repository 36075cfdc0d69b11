// The runtime's clock for measuring: monotonic nanoseconds.
#pragma once

#include <chrono>
#include <cstdint>

namespace rbc {

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace rbc
