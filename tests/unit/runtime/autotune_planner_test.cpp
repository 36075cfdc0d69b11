// The autotuner's decisions, driven with simulated window measurements: which windows it
// runs, that they cover the key space exactly once, which candidate wins and why.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "autotune_test_helpers.h"
#include "operators/runtime/autotune/planner.h"

namespace rbc {
namespace {

using testing::candidates;
using testing::kMiB;
using testing::span;

// Runs the planner to its steady window. Every key is one row of `row_bytes` (in block
// windows, each block holds `rows_per_block` rows); a window takes rows * row_bytes /
// speed(knobs) seconds. Returns the windows it ran, steady last.
std::vector<TuneWindow> drive(AutotunePlanner& planner, const std::function<double(const TuneKnobs&)>& speed,
                              int64_t row_bytes = 100, double flush_share = 0, int64_t rows_per_block = 0) {
  std::vector<TuneWindow> windows;
  for (int guard = 0; guard < 1000; ++guard) {
    TuneWindow window = planner.next_window();
    windows.push_back(window);
    if (window.steady) return windows;
    uint64_t rows = 0;
    for (const auto& slice : window.slices) {
      if (!slice) continue;
      int64_t keys =
          slice->block_lo ? (*slice->block_hi - *slice->block_lo) * rows_per_block : *slice->hi - *slice->lo;
      rows += static_cast<uint64_t>(slice->mod_count > 1 ? keys / slice->mod_count : keys);
    }
    WindowMeasure measure;
    measure.rows = rows;
    measure.bytes = rows * static_cast<uint64_t>(row_bytes);
    measure.seconds = static_cast<double>(measure.bytes) / speed(window.knobs);
    measure.flush_seconds = measure.seconds * flush_share;
    measure.cpu_seconds = measure.seconds;
    planner.record(window.number, measure);
  }
  ADD_FAILURE() << "the planner never reached its steady window";
  return windows;
}

TEST(AutotunePlanner, PicksTheFastestParallelismAndCoversEveryKeyOnce) {
  AutotunePlanner planner("t", candidates({1, 2, 3}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3,
                          span(1, 2000000, 2000000));
  auto windows = drive(planner, [](const TuneKnobs& k) { return k.parallelism == 1 ? 90e6 : 60e6; });
  const TuneWindow& steady = windows.back();
  EXPECT_EQ(steady.knobs.parallelism, 1);
  // Probe windows: contiguous key ranges in order, from the smallest key.
  int64_t next = 1;
  for (size_t i = 0; i + 1 < windows.size(); ++i) {
    const TuneWindow& w = windows[i];
    int64_t lo = *w.slices[0]->lo, hi = *w.slices[0]->hi;
    EXPECT_EQ(lo, next) << "window " << i;
    for (int r = 0; r < w.knobs.parallelism; ++r) {
      ASSERT_TRUE(w.slices[r]) << "window " << i << " reader " << r;
      EXPECT_EQ(*w.slices[r]->lo, lo);
      EXPECT_EQ(*w.slices[r]->hi, hi);
      EXPECT_EQ(w.slices[r]->mod_count, w.knobs.parallelism);
      EXPECT_EQ(w.slices[r]->mod_index, w.knobs.parallelism == 1 ? 0 : r);
      EXPECT_FALSE(w.slices[r]->with_nulls);
    }
    for (int r = w.knobs.parallelism; r < 3; ++r) EXPECT_FALSE(w.slices[r]) << "window " << i;
    next = hi;
  }
  // The steady window reads the rest, NULL keys included, with the winner alone.
  ASSERT_TRUE(steady.slices[0]);
  EXPECT_EQ(steady.slices[0]->lo, next);
  EXPECT_FALSE(steady.slices[0]->hi);
  EXPECT_TRUE(steady.slices[0]->with_nulls);
  EXPECT_FALSE(steady.slices[1]);
  EXPECT_FALSE(steady.slices[2]);

  AutotuneEvent event = planner.event();
  EXPECT_TRUE(event.decided);
  EXPECT_EQ(event.parallelism, 1);
  ASSERT_EQ(event.candidates.size(), 3u);
  for (const auto& c : event.candidates) EXPECT_GE(c.windows, AutotunePlanner::kMinRounds);
  EXPECT_NEAR(event.candidates[0].bytes_per_second, 90e6, 1e3);
  EXPECT_NEAR(event.candidates[1].bytes_per_second, 60e6, 1e3);
  EXPECT_NE(event.reason.find("parallelism 1 at 1.50x"), std::string::npos) << event.reason;
  // Budget: at most min(200000, 15% of the rows).
  EXPECT_LE(event.probe_rows, 200000u);
  EXPECT_EQ(event.probe_windows, static_cast<int>(windows.size()) - 1);
}

TEST(AutotunePlanner, InterleavesCandidatesAndStopsEarlyWhenTheLeaderIsClear) {
  AutotunePlanner planner("t", candidates({1, 2, 3}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3,
                          span(1, 2000000, 2000000));
  auto windows = drive(planner, [](const TuneKnobs& k) { return 30e6 * k.parallelism * k.parallelism; });
  std::vector<int> order;
  for (size_t i = 0; i + 1 < windows.size(); ++i) order.push_back(windows[i].knobs.parallelism);
  // Two rounds, one window per candidate each, the second starting one candidate later:
  // then 3 is 2.25x ahead with steady windows.
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 2, 3, 1}));
  EXPECT_EQ(windows.back().knobs.parallelism, 3);
}

TEST(AutotunePlanner, OneSlowWindowDoesNotDecide) {
  AutotunePlanner planner("t", candidates({1, 2}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2,
                          span(1, 2000000, 2000000));
  int ones = 0;
  // Parallelism 1 is faster, but its first window ran while something else took the machine.
  auto windows = drive(planner, [&](const TuneKnobs& k) {
    if (k.parallelism == 2) return 60e6;
    return ++ones == 1 ? 10e6 : 90e6;
  });
  EXPECT_EQ(windows.back().knobs.parallelism, 1);
  // Its slowest window is below the other's median: not stable, so a fourth round ran.
  EXPECT_EQ(windows.size(), 9u);
}

TEST(AutotunePlanner, RunsAFourthRoundWhenCandidatesAreClose) {
  AutotunePlanner planner("t", candidates({1, 2}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2,
                          span(1, 2000000, 2000000));
  // 2% apart: within 8% of each other.
  auto windows = drive(planner, [](const TuneKnobs& k) { return k.parallelism == 2 ? 51e6 : 50e6; });
  EXPECT_EQ(windows.size(), 9u);  // 4 rounds of 2, then steady
  // Not enough for more readers: steady windows, so the noise is the tie threshold.
  EXPECT_EQ(windows.back().knobs.parallelism, 1);
  EXPECT_NE(planner.event().reason.find("(more readers must be 1.02x faster: the windows' noise)"),
            std::string::npos)
      << planner.event().reason;
}

TEST(AutotunePlanner, ProbesEachParallelismWithEachPartitionModeAndSplitsRanges) {
  AutotunePlanner planner("t", candidates({1, 2, 3}, {PartitionMode::mod, PartitionMode::range}),
                          TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3, span(1, 2000000, 2000000));
  auto windows = drive(planner, [](const TuneKnobs& k) {
    double base = k.parallelism == 2 ? 80e6 : 50e6;
    return k.partition_mode == PartitionMode::range ? base * 1.3 : base;
  });
  const TuneWindow& steady = windows.back();
  EXPECT_EQ(steady.knobs.parallelism, 2);
  EXPECT_EQ(steady.knobs.partition_mode, PartitionMode::range);
  // Range windows: p contiguous pieces, no mod.
  bool saw_range = false;
  for (const auto& w : windows) {
    if (w.steady || w.knobs.partition_mode != PartitionMode::range || w.knobs.parallelism == 1) continue;
    saw_range = true;
    const int n = w.knobs.parallelism;
    for (int r = 0; r < n; ++r) EXPECT_EQ(w.slices[r]->mod_count, 1);
    for (int r = 0; r + 1 < n; ++r) EXPECT_EQ(*w.slices[r]->hi, *w.slices[r + 1]->lo);
    for (int r = n; r < 3; ++r) EXPECT_FALSE(w.slices[r]);
  }
  EXPECT_TRUE(saw_range);
  // Steady: the rest of the keys in two sub-ranges, the NULL keys with the first.
  int64_t after_probe = 1;
  for (const auto& w : windows) {
    if (!w.steady) after_probe = std::max(after_probe, *w.slices[w.knobs.parallelism - 1]->hi);
  }
  ASSERT_TRUE(steady.slices[0]);
  ASSERT_TRUE(steady.slices[1]);
  EXPECT_EQ(*steady.slices[0], (KeySlice{after_probe, *steady.slices[0]->hi, 1, 0, true, {}, {}}));
  EXPECT_EQ(*steady.slices[1], (KeySlice{*steady.slices[0]->hi, std::nullopt, 1, 0, false, {}, {}}));
  EXPECT_FALSE(steady.slices[2]);
  // One reader is one candidate; two and three readers are one with each mode.
  AutotuneEvent event = planner.event();
  EXPECT_EQ(event.candidates.size(), 5u);
  EXPECT_NE(event.reason.find("parallelism 2 partition_mode range at 1.30x"), std::string::npos)
      << event.reason;
}

TEST(AutotunePlanner, OneReaderHasNoModeToProbe) {
  AutotunePlanner planner("t", candidates({1, 2}, {PartitionMode::mod, PartitionMode::range}),
                          TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2, span(1, 2000000, 2000000));
  auto windows = drive(planner, [](const TuneKnobs& k) { return k.parallelism == 1 ? 90e6 : 50e6; });
  EXPECT_EQ(windows.back().knobs.parallelism, 1);
  for (const auto& w : windows) {
    if (w.knobs.parallelism == 1) {
      EXPECT_EQ(w.knobs.partition_mode, PartitionMode::mod);
    }
  }
  EXPECT_EQ(planner.event().candidates.size(), 3u);  // 1, 2 mod, 2 range
  EXPECT_NE(planner.event().reason.find("parallelism 1 at 1.80x"), std::string::npos)
      << planner.event().reason;
}

// With mod every reader of a table scans all of it: two mod readers can be slower than one
// while two range readers are faster. Parallelism decided under the baseline's mod first
// would keep one reader and never try range.
TEST(AutotunePlanner, MoreReadersWinWithTheModeThatSuitsThem) {
  AutotunePlanner planner("t", candidates({1, 2}, {PartitionMode::mod, PartitionMode::range}),
                          TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2, span(1, 2000000, 2000000));
  auto windows = drive(planner, [](const TuneKnobs& k) {
    if (k.parallelism == 1) return 60e6;
    return k.partition_mode == PartitionMode::mod ? 50e6 : 80e6;
  });
  EXPECT_EQ(windows.back().knobs.parallelism, 2);
  EXPECT_EQ(windows.back().knobs.partition_mode, PartitionMode::range);
}

TEST(AutotunePlanner, AKnobLeftWhenTheBudgetRanOutSaysSo) {
  AutotunePlanner planner("t", candidates({1, 2, 3}, {}, {4 * kMiB, 8 * kMiB, 16 * kMiB}),
                          TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3, span(1, 2000000, 2000000));
  // Within 2% of each other: the readers take all four rounds, the whole budget.
  auto windows = drive(
      planner, [](const TuneKnobs& k) { return 50e6 + 1e6 * k.parallelism; }, 1000);
  EXPECT_EQ(windows.back().knobs.flush_bytes, 4 * kMiB);
  EXPECT_NE(planner.event().reason.find("; copy_flush_bytes not probed: the probe budget ran out"),
            std::string::npos)
      << planner.event().reason;
}

TEST(AutotunePlanner, KeepsTheFlushThresholdWhenWindowsAreTooSmallToCompareIt) {
  AutotunePlanner planner("t", candidates({1, 2}, {}, {4 * kMiB, 8 * kMiB, 16 * kMiB}),
                          TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2, span(1, 2000000, 2000000));
  auto windows = drive(planner, [](const TuneKnobs& k) { return k.flush_bytes == 16 * kMiB ? 99e6 : 50e6; });
  EXPECT_EQ(windows.back().knobs.flush_bytes, 4 * kMiB);
  EXPECT_NE(planner.event().reason.find("copy_flush_bytes 4mb kept, not probed"), std::string::npos)
      << planner.event().reason;
}

TEST(AutotunePlanner, ProbesTheFlushThresholdWhenWindowsAreLargeEnough) {
  // Wide rows (20 KB): a window gives each writer far more than 2 x 16 MiB.
  AutotunePlanner planner("t", candidates({}, {}, {4 * kMiB, 8 * kMiB, 16 * kMiB}),
                          TuneKnobs{1, PartitionMode::mod, 4 * kMiB}, 1, span(1, 2000000, 2000000));
  auto windows = drive(
      planner, [](const TuneKnobs& k) { return k.flush_bytes == 8 * kMiB ? 9.9e9 : 5e9; }, 20000);
  EXPECT_EQ(windows.back().knobs.flush_bytes, 8 * kMiB) << planner.event().reason;
  EXPECT_TRUE(planner.event().decided);
  // Windows of the flush knob flush at their candidate's threshold, steady at the winner's.
  for (const auto& w : windows) EXPECT_EQ(w.flush_bytes, w.knobs.flush_bytes);
}

TEST(AutotunePlanner, ProbeWindowsOfOtherKnobsFlushAtTheSmallestThreshold) {
  AutotunePlanner planner("t", candidates({1, 2}, {}, {4 * kMiB, 8 * kMiB, 16 * kMiB}),
                          TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2, span(1, 2000000, 2000000));
  auto windows = drive(planner, [](const TuneKnobs& k) { return k.parallelism == 1 ? 90e6 : 50e6; });
  ASSERT_GE(windows.size(), 3u);
  for (const auto& w : windows) {
    EXPECT_EQ(w.flush_bytes, w.steady ? 4 * kMiB : AutotunePlanner::kProbeFlushBytes) << w.number;
  }
}

TEST(AutotunePlanner, MoreReadersWinByMoreThanTheWindowsNoise) {
  // The generator -> CSV case that a fixed 1.45x margin lost: 1.44x faster with steady
  // windows wins.
  AutotunePlanner planner("t", candidates({1, 2}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2,
                          span(1, 2000000, 2000000));
  auto windows = drive(planner, [](const TuneKnobs& k) { return k.parallelism == 2 ? 72e6 : 50e6; });
  EXPECT_EQ(windows.back().knobs.parallelism, 2);
  // 1.1x faster, but the fewer readers' windows disagree by +-17% of their median: a tie,
  // which goes to fewer readers.
  AutotunePlanner noisy("t", candidates({1, 2}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2,
                        span(1, 2000000, 2000000));
  std::vector<double> ones = {50e6, 70e6, 60e6, 60e6};  // median 60e6 after each window
  size_t next_one = 0;
  windows = drive(noisy, [&](const TuneKnobs& k) { return k.parallelism == 2 ? 66e6 : ones.at(next_one++); });
  EXPECT_EQ(windows.back().knobs.parallelism, 1);
  EXPECT_NE(noisy.event().reason.find("(more readers must be 1.17x faster: the windows' noise)"),
            std::string::npos)
      << noisy.event().reason;
}

TEST(AutotunePlanner, ATableNeverAnalyzedCountsItsKeysAsRows) {
  // No estimate (PostgreSQL's reltuples -1): 2M keys in 20000 blocks is not a tiny stream,
  // and a window is sized by 100 keys per block.
  KeySpan heap = span(1, 2000000, 0);
  heap.blocks = 20000;
  AutotunePlanner planner("t", candidates({1, 2}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2, heap);
  TuneWindow w = planner.next_window();
  ASSERT_FALSE(w.steady) << planner.event().reason;
  // 200000 rows of budget over 2 candidates x 4 rounds: 25000 rows, 250 blocks.
  EXPECT_EQ(*w.slices[0]->block_hi - *w.slices[0]->block_lo, 250);
}

TEST(AutotunePlanner, BlockWindowsCoverEveryBlockOnceSplitByKeyOrByBlock) {
  // 20000 blocks of 100 rows: windows are block ranges. A mod reader scans all of a
  // window's blocks for its keys; a range reader scans its own part of the blocks.
  KeySpan heap = span(1, 2000000, 2000000);
  heap.blocks = 20000;
  heap.indexed = false;  // block windows need no index
  AutotunePlanner planner("t", candidates({1, 2, 3}, {PartitionMode::mod, PartitionMode::range}),
                          TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3, heap);
  auto windows = drive(
      planner,
      [](const TuneKnobs& k) {
        double base = k.parallelism == 2 ? 80e6 : 50e6;
        return k.partition_mode == PartitionMode::range ? base * 1.3 : base;
      },
      100, 0, 100);
  int64_t next = 0;
  bool saw_range = false;
  for (size_t i = 0; i + 1 < windows.size(); ++i) {
    const TuneWindow& w = windows[i];
    int n = w.knobs.parallelism;
    int64_t end = *w.slices[n - 1]->block_hi;
    int64_t from = next;
    for (int r = 0; r < n; ++r) {
      ASSERT_TRUE(w.slices[r]) << "window " << i << " reader " << r;
      const KeySlice& s = *w.slices[r];
      if (n > 1 && w.knobs.partition_mode == PartitionMode::range) {
        saw_range = true;
        // Contiguous block ranges, together the window; no key filter, so NULL keys too.
        int64_t hi = r == n - 1 ? end : next + (end - next) * (r + 1) / n;
        EXPECT_EQ(s, (KeySlice{std::nullopt, std::nullopt, 1, 0, false, from, hi}))
            << "window " << i << " reader " << r;
        from = *s.block_hi;
      } else {
        EXPECT_EQ(s, (KeySlice{std::nullopt, std::nullopt, n, n == 1 ? 0 : r, r == 0, next, end}))
            << "window " << i << " reader " << r;  // each window's NULL keys are in its blocks
      }
    }
    if (n > 1 && w.knobs.partition_mode == PartitionMode::range) {
      EXPECT_EQ(from, end) << "window " << i;
    }
    next = end;
    EXPECT_LT(next, 20000);
  }
  EXPECT_TRUE(saw_range);
  const TuneWindow& steady = windows.back();
  EXPECT_EQ(steady.knobs, (TuneKnobs{2, PartitionMode::range, 4 * kMiB}));
  // The rest of the heap in two block ranges, the last open above.
  int64_t half = next + (20000 - next) / 2;
  EXPECT_EQ(*steady.slices[0], (KeySlice{std::nullopt, std::nullopt, 1, 0, false, next, half}));
  EXPECT_EQ(*steady.slices[1], (KeySlice{std::nullopt, std::nullopt, 1, 0, false, half, std::nullopt}));
  EXPECT_FALSE(steady.slices[2]);
  EXPECT_TRUE(planner.event().decided);
}

TEST(AutotunePlanner, TieOnThroughputGoesToTheLowerFlushShare) {
  AutotunePlanner planner("t", candidates({}, {}, {4 * kMiB, 8 * kMiB}),
                          TuneKnobs{1, PartitionMode::mod, 4 * kMiB}, 1, span(1, 2000000, 2000000));
  // Equal speed; the simulated flush share is the same for all, so a custom loop varies it.
  for (int guard = 0; guard < 100; ++guard) {
    TuneWindow w = planner.next_window();
    if (w.steady) break;
    WindowMeasure m;
    m.rows = static_cast<uint64_t>(*w.slices[0]->hi - *w.slices[0]->lo);
    m.bytes = m.rows * 20000;
    m.seconds = 1;
    m.flush_seconds = w.knobs.flush_bytes == 8 * kMiB ? 0.2 : 0.6;
    m.cpu_seconds = 1;
    planner.record(w.number, m);
  }
  EXPECT_EQ(planner.next_window().knobs.flush_bytes, 8 * kMiB);
}

TEST(AutotunePlanner, TinyStreamKeepsTheBaseline) {
  AutotunePlanner planner("t", candidates({1, 2, 3}), TuneKnobs{2, PartitionMode::range, 4 * kMiB}, 3,
                          span(1, 50000, 50000));
  TuneWindow w = planner.next_window();
  EXPECT_TRUE(w.steady);
  EXPECT_EQ(w.knobs, (TuneKnobs{2, PartitionMode::range, 4 * kMiB}));
  // Baseline range split over the whole span, open at both ends.
  ASSERT_TRUE(w.slices[0]);
  ASSERT_TRUE(w.slices[1]);
  EXPECT_EQ(*w.slices[0], (KeySlice{std::nullopt, 25001, 1, 0, true, {}, {}}));
  EXPECT_EQ(*w.slices[1], (KeySlice{25001, std::nullopt, 1, 0, false, {}, {}}));
  EXPECT_FALSE(w.slices[2]);
  AutotuneEvent event = planner.event();
  EXPECT_FALSE(event.decided);
  EXPECT_NE(event.reason.find("tiny stream: about 50000 rows"), std::string::npos) << event.reason;
}

TEST(AutotunePlanner, WithoutAKeyOneReaderReadsTheWholeStream) {
  AutotunePlanner planner("t", candidates({}, {}, {4 * kMiB, 8 * kMiB}),
                          TuneKnobs{1, PartitionMode::mod, 4 * kMiB}, 1, std::nullopt);
  TuneWindow w = planner.next_window();
  EXPECT_TRUE(w.steady);
  ASSERT_TRUE(w.slices[0]);
  EXPECT_EQ(*w.slices[0], KeySlice{});
  EXPECT_EQ(planner.event().reason, "the stream has no integer key to probe windows of");
}

TEST(AutotunePlanner, SparseKeysShrinkWindowsToTheirPlannedRows) {
  // The estimate says 4x fewer rows than there are: the first window is too large, the
  // next ones are cut back.
  AutotunePlanner planner("t", candidates({1, 2}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2,
                          span(1, 8000000, 2000000));
  TuneWindow first = planner.next_window();
  int64_t first_keys = *first.slices[0]->hi - *first.slices[0]->lo;
  WindowMeasure m;
  m.rows = static_cast<uint64_t>(first_keys);  // every key is a row
  m.bytes = m.rows * 100;
  m.seconds = 0.1;
  planner.record(first.number, m);
  TuneWindow second = planner.next_window();
  int64_t second_keys = *second.slices[0]->hi - *second.slices[0]->lo;
  ASSERT_FALSE(second.steady);
  EXPECT_LT(second_keys * 3, first_keys);
}

TEST(AutotunePlanner, WindowsInFlightCountForTheirCandidate) {
  // The next window starts when the previous one is read, before it is measured.
  AutotunePlanner planner("t", candidates({1, 2}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2,
                          span(1, 2000000, 2000000));
  TuneWindow w0 = planner.next_window(), w1 = planner.next_window();
  EXPECT_EQ(w0.knobs.parallelism, 1);
  EXPECT_EQ(w1.knobs.parallelism, 2);  // 1 already has a window running
  EXPECT_EQ(*w0.slices[0]->hi, *w1.slices[0]->lo);
  WindowMeasure slow{1000, 100000, 1.0, 0, 1.0}, fast{1000, 100000, 0.5, 0, 0.5};
  planner.record(w1.number, fast);  // measured out of order
  planner.record(w0.number, slow);
  AutotuneEvent event = planner.event();
  ASSERT_EQ(event.candidates.size(), 2u);
  EXPECT_EQ(event.candidates[0].parallelism, 1);
  EXPECT_NEAR(event.candidates[0].bytes_per_second, 1e5, 1);
  EXPECT_NEAR(event.candidates[1].bytes_per_second, 2e5, 1);
}

TEST(AutotunePlanner, SparseKeysGrowWindows) {
  // The estimate counts every key, but only one in four exists: windows grow 4x.
  AutotunePlanner planner("t", candidates({1, 2}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2,
                          span(1, 8000000, 8000000));
  TuneWindow first = planner.next_window();
  int64_t first_keys = *first.slices[0]->hi - *first.slices[0]->lo;
  WindowMeasure m;
  m.rows = static_cast<uint64_t>(first_keys / 4);
  m.bytes = m.rows * 100;
  m.seconds = 0.1;
  planner.record(first.number, m);
  TuneWindow second = planner.next_window();
  ASSERT_FALSE(second.steady);
  EXPECT_EQ(*second.slices[0]->hi - *second.slices[0]->lo, first_keys * 4);
}

TEST(AutotunePlanner, UnindexedKeyKeepsTheBaselineWithOneSlicePerReader) {
  KeySpan unindexed = span(1, 2000000, 2000000);
  unindexed.indexed = false;
  AutotunePlanner planner("t", candidates({1, 2, 3}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3,
                          unindexed);
  TuneWindow w = planner.next_window();
  EXPECT_TRUE(w.steady);
  ASSERT_TRUE(w.slices[0]);
  ASSERT_TRUE(w.slices[1]);
  EXPECT_EQ(*w.slices[0], (KeySlice{std::nullopt, std::nullopt, 2, 0, true, {}, {}}));
  EXPECT_EQ(*w.slices[1], (KeySlice{std::nullopt, std::nullopt, 2, 1, false, {}, {}}));
  EXPECT_FALSE(w.slices[2]);
  EXPECT_EQ(planner.event().reason, "the key has no index: every probe window would scan the whole table");
}

RememberedChoice remembered(int parallelism, double bytes_per_second, double table_rows) {
  RememberedChoice choice;
  choice.knobs = TuneKnobs{parallelism, PartitionMode::mod, 4 * kMiB};
  choice.bytes_per_second = bytes_per_second;
  choice.table_rows = table_rows;
  choice.run_id = "r1";
  return choice;
}

TEST(AutotunePlanner, ARememberedChoiceThatHoldsUpIsVerifiedWithOneWindow) {
  AutotunePlanner planner("t", candidates({1, 2, 3}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3,
                          span(1, 2000000, 2000000), remembered(3, 100e6, 1800000));
  // 0.85x of what it measured when it was chosen: within 20%.
  auto windows = drive(planner, [](const TuneKnobs& k) { return k.parallelism == 3 ? 85e6 : 200e6; });
  ASSERT_EQ(windows.size(), 2u);  // one verification window, then steady
  EXPECT_EQ(windows[0].knobs.parallelism, 3);
  EXPECT_EQ(windows[0].flush_bytes, AutotunePlanner::kProbeFlushBytes);
  EXPECT_TRUE(windows[1].steady);
  EXPECT_EQ(windows[1].knobs.parallelism, 3);
  EXPECT_EQ(windows[1].slices[0]->lo, windows[0].slices[0]->hi);  // the rest, from where it stopped
  AutotuneEvent event = planner.event();
  EXPECT_TRUE(event.decided);
  EXPECT_EQ(event.remembered, "verified");
  EXPECT_FALSE(event.to_remember);  // kept as it was remembered
  EXPECT_EQ(event.reason,
            "the remembered choice of run r1 verified: a verification window ran at 0.85x its "
            "remembered bytes/s");
  EXPECT_TRUE(event.candidates.empty());
}

TEST(AutotunePlanner, ARememberedChoiceThatSlowedDownIsProbedAgain) {
  AutotunePlanner planner("t", candidates({1, 2, 3}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3,
                          span(1, 2000000, 2000000), remembered(3, 100e6, 2000000));
  // 0.75x and 0.7x: more than 20% slower in both verification windows. The probe then finds
  // parallelism 1.
  int threes = 0;
  auto windows = drive(planner, [&](const TuneKnobs& k) {
    if (k.parallelism == 3) return ++threes == 1 ? 75e6 : 70e6;
    return k.parallelism == 1 ? 150e6 : 75e6;
  });
  EXPECT_EQ(windows[0].knobs.parallelism, 3);
  EXPECT_EQ(windows[1].knobs.parallelism, 3);
  EXPECT_GT(windows.size(), 7u);
  EXPECT_EQ(windows.back().knobs.parallelism, 1);
  AutotuneEvent event = planner.event();
  EXPECT_EQ(event.remembered, "re-probed");
  EXPECT_TRUE(event.to_remember);
  EXPECT_NEAR(event.chosen_bytes_per_second, 150e6, 1e3);
  EXPECT_EQ(
      event.reason.rfind("the remembered choice of run r1 probed again: its 2 verification windows ran at "
                         "most 0.75x its remembered bytes/s; parallelism 1 at ",
                         0),
      0u)
      << event.reason;
}

TEST(AutotunePlanner, ARememberedChoiceIsProbedAgainWhenTheTableChangedSize) {
  AutotunePlanner planner("t", candidates({1, 2, 3}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3,
                          span(1, 2000000, 2000000), remembered(3, 100e6, 900000));
  auto windows = drive(planner, [](const TuneKnobs& k) { return k.parallelism == 2 ? 150e6 : 75e6; });
  EXPECT_EQ(windows.front().knobs.parallelism, 1);  // no verification window: the probe's first
  EXPECT_EQ(windows.back().knobs.parallelism, 2);
  EXPECT_EQ(planner.event().remembered, "re-probed");
  EXPECT_EQ(
      planner.event().reason.rfind(
          "the stream's estimated rows changed 2.22x since the remembered choice of run r1: probed again", 0),
      0u)
      << planner.event().reason;
  // Nor is a choice that is no longer a candidate verified (parallelism 4 on 3 readers).
  AutotunePlanner fewer("t", candidates({1, 2, 3}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3,
                        span(1, 2000000, 2000000), remembered(4, 100e6, 2000000));
  EXPECT_EQ(fewer.next_window().knobs.parallelism, 1);
  EXPECT_EQ(
      fewer.event().reason.rfind("the remembered choice of run r1 is not among this plan's candidates", 0),
      0u);
}

TEST(AutotunePlanner, AdviseModeProbesWhateverIsRemembered) {
  AutotuneCandidates advise = candidates({1, 2});
  advise.advise = true;
  AutotunePlanner planner("t", advise, TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 2,
                          span(1, 2000000, 2000000), remembered(1, 100e6, 2000000));
  auto windows = drive(planner, [](const TuneKnobs&) { return 100e6; });
  EXPECT_GT(windows.size(), 4u);
  EXPECT_EQ(planner.event().remembered, "");
  EXPECT_FALSE(planner.event().to_remember);
}

}  // namespace
}  // namespace rbc
