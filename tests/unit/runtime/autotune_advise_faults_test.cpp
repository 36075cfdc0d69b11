// The autotuner's advise mode (probe, report the winner, run the baseline) and its fault
// fallback (an invalidated candidate ends the probe; the steady phase runs the baseline),
// driven with simulated window measurements.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "autotune_test_helpers.h"
#include "operators/runtime/autotune/planner.h"

namespace rbc {
namespace {

using testing::candidates;
using testing::kMiB;
using testing::span;

// Measures window `window` as rows / speed(knobs) seconds (100 bytes a row).
void measure(AutotunePlanner& planner, const TuneWindow& window, double speed) {
  uint64_t rows = 0;
  for (const auto& slice : window.slices) {
    if (!slice) continue;
    int64_t keys = *slice->hi - *slice->lo;
    rows += static_cast<uint64_t>(slice->mod_count > 1 ? keys / slice->mod_count : keys);
  }
  WindowMeasure m;
  m.rows = rows;
  m.bytes = rows * 100;
  m.seconds = static_cast<double>(m.bytes) / speed;
  m.cpu_seconds = m.seconds;
  planner.record(window.number, m);
}

TuneWindow drive(AutotunePlanner& planner, const std::function<double(const TuneKnobs&)>& speed) {
  for (int guard = 0; guard < 1000; ++guard) {
    TuneWindow window = planner.next_window();
    if (window.steady) return window;
    measure(planner, window, speed(window.knobs));
  }
  ADD_FAILURE() << "the planner never reached its steady window";
  return {};
}

TEST(AutotuneAdvise, RunsTheBaselineAndReportsTheWinnerWithItsGain) {
  AutotuneCandidates advise = candidates({1, 2, 3});
  advise.advise = true;
  AutotunePlanner planner("t", advise, TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3,
                          span(1, 2000000, 2000000));
  // One reader is twice as fast as two or three.
  TuneWindow steady = drive(planner, [](const TuneKnobs& k) { return k.parallelism == 1 ? 120e6 : 60e6; });
  EXPECT_EQ(steady.knobs.parallelism, 2);  // the baseline runs
  ASSERT_TRUE(steady.slices[0] && steady.slices[1]);
  EXPECT_FALSE(steady.slices[2]);
  AutotuneEvent event = planner.event();
  EXPECT_TRUE(event.decided);
  EXPECT_TRUE(event.advise);
  EXPECT_EQ(event.parallelism, 2);
  EXPECT_EQ(event.advised_parallelism, 1);
  EXPECT_NEAR(event.advised_gain, 2.0, 0.01);
}

TEST(AutotuneAdvise, TuneModeRunsTheWinner) {
  AutotunePlanner planner("t", candidates({1, 2, 3}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3,
                          span(1, 2000000, 2000000));
  TuneWindow steady = drive(planner, [](const TuneKnobs& k) { return k.parallelism == 1 ? 120e6 : 60e6; });
  EXPECT_EQ(steady.knobs.parallelism, 1);
  EXPECT_FALSE(planner.event().advise);
}

TEST(AutotuneFaults, AnInvalidatedCandidateEndsTheProbeOnTheBaseline) {
  AutotunePlanner planner("t", candidates({1, 2, 3}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3,
                          span(1, 2000000, 2000000));
  // Candidates take turns: 1, 2, then 3, which fails; 3 would otherwise be the fastest.
  TuneWindow first = planner.next_window();
  measure(planner, first, 60e6);
  TuneWindow second = planner.next_window();
  measure(planner, second, 60e6);
  TuneWindow third = planner.next_window();
  ASSERT_EQ(third.knobs.parallelism, 3);
  EXPECT_TRUE(planner.invalidate(third.number, "boom"));
  EXPECT_TRUE(planner.invalidate(third.number, "boom again"));  // another reader of the window
  measure(planner, third, 600e6);                               // its rows do not count
  TuneWindow steady = planner.next_window();
  ASSERT_TRUE(steady.steady);
  EXPECT_EQ(steady.knobs.parallelism, 2);
  EXPECT_EQ(*steady.slices[0]->lo, *third.slices[0]->hi);  // the rest of the stream, after the failed window
  AutotuneEvent event = planner.event();
  EXPECT_EQ(event.parallelism, 2);
  EXPECT_NE(event.reason.find("candidate parallelism 3 partition_mode mod invalidated in probe window " +
                              std::to_string(third.number) + ": boom; fell back to the baseline"),
            std::string::npos)
      << event.reason;
  EXPECT_EQ(event.reason.find("boom again"), std::string::npos);
  for (const auto& c : event.candidates) EXPECT_NE(c.parallelism, 3);
  // Too late once steady: the error stands.
  EXPECT_FALSE(planner.invalidate(third.number, "late"));
}

TEST(AutotuneNodeConcurrency, ProbesTheTransformsConcurrencyAtTheWinningParallelism) {
  AutotuneCandidates c = candidates({1, 2, 3});
  c.node_concurrency = {1, 2, 3};
  TuneKnobs baseline{2, PartitionMode::mod, 4 * kMiB, 2};
  AutotunePlanner planner("t", c, baseline, 3, span(1, 2000000, 2000000));
  // Two readers are fastest; so are three transform batches at once.
  TuneWindow steady = drive(planner, [](const TuneKnobs& k) {
    return (k.parallelism == 2 ? 90e6 : 50e6) * (k.node_concurrency == 3 ? 2.0 : 1.0);
  });
  EXPECT_EQ(steady.knobs.parallelism, 2);
  EXPECT_EQ(steady.knobs.node_concurrency, 3);
  AutotuneEvent event = planner.event();
  ASSERT_TRUE(event.node_concurrency);
  EXPECT_EQ(*event.node_concurrency, 3);
  EXPECT_NE(event.reason.find("node_concurrency 3 at "), std::string::npos) << event.reason;
  bool probed_one = false;
  for (const auto& r : event.candidates)
    probed_one = probed_one || (r.node_concurrency == 1 && r.windows >= 2);
  EXPECT_TRUE(probed_one);
}

TEST(AutotuneNodeConcurrency, NoTunedTransformNoKnob) {
  AutotuneCandidates c = candidates({1, 2, 3});
  c.node_concurrency = {1, 2, 3};
  // Baseline node_concurrency 0: the stream has no transform of its own.
  AutotunePlanner planner("t", c, TuneKnobs{2, PartitionMode::mod, 4 * kMiB, 0}, 3,
                          span(1, 2000000, 2000000));
  TuneWindow steady =
      drive(planner, [](const TuneKnobs& k) { return k.node_concurrency == 3 ? 200e6 : 60e6; });
  EXPECT_EQ(steady.knobs.node_concurrency, 0);
  EXPECT_FALSE(planner.event().node_concurrency);
}

}  // namespace
}  // namespace rbc
