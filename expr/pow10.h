// 10^n as a 128-bit integer, for scaling decimals.
#pragma once

namespace rbc::sql {

// 10^n for n in [0, 38]; n outside that range is clamped.
inline __int128 pow10_i128(int n) {
  static const auto table = [] {
    struct Table {
      __int128 values[39];
    } t{};
    t.values[0] = 1;
    for (int i = 1; i < 39; ++i) t.values[i] = t.values[i - 1] * 10;
    return t;
  }();
  return table.values[n < 0 ? 0 : (n > 38 ? 38 : n)];
}

}  // namespace rbc::sql
