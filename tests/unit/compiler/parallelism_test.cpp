// static_heuristic_v1 and the transform penalty over a table of hand-computed cases.
#include "compiler/parallelism.h"

#include <gtest/gtest.h>

#include "graph/plan_printer.h"

namespace rbc {
namespace {

struct Case {
  int cores, eligible, transforms;
  std::optional<int64_t> manual;
  int cap, per_stream_target, base_target, effective;
};

// Each row worked out by hand from the formulas in docs/passes.md.
const Case kCases[] = {
    {1, 0, 0, {}, 1, 1, 1, 1},
    {1, 1, 0, {}, 1, 1, 1, 1},
    {2, 1, 0, {}, 2, 2, 2, 2},
    {2, 1, 1, {}, 2, 2, 2, 2},
    {2, 1, 2, {}, 2, 2, 2, 2},
    {2, 1, 4, {}, 2, 2, 2, 1},
    {3, 1, 0, {}, 3, 3, 3, 3},
    {3, 2, 1, {}, 3, 1, 2, 2},
    {4, 1, 1, {}, 4, 4, 4, 3},
    {4, 3, 0, {}, 4, 1, 3, 3},
    {8, 1, 0, {}, 8, 4, 4, 4},
    {8, 2, 2, {}, 8, 4, 8, 6},
    {8, 3, 4, {}, 8, 2, 6, 4},
    {8, 5, 0, {}, 8, 1, 5, 5},
    {8, 16, 1, {}, 8, 1, 8, 7},
    {16, 0, 8, {}, 16, 1, 1, 1},
    {16, 1, 8, {}, 16, 4, 4, 2},
    {16, 2, 0, {}, 16, 4, 8, 8},
    {16, 3, 12, {}, 16, 4, 12, 7},
    {16, 5, 1, {}, 16, 3, 15, 13},
    {16, 16, 2, {}, 16, 1, 16, 12},
    {32, 5, 4, {}, 16, 3, 15, 9},
    {32, 16, 0, {}, 16, 1, 16, 16},
    {64, 16, 8, {}, 16, 1, 16, 10},
    {64, 3, 2, {}, 16, 4, 12, 9},
    {64, 1, 12, {}, 16, 4, 4, 2},
    {64, 0, 0, {}, 16, 1, 1, 1},
    // manual: effective is the user's number, whatever the machine
    {16, 1, 2, 1, 16, 4, 4, 1},
    {2, 1, 0, 7, 2, 2, 2, 7},
    {64, 0, 12, 7, 16, 1, 1, 7},
};

TEST(Parallelism, TableOfCases) {
  for (const Case& c : kCases) {
    SCOPED_TRACE("cores=" + std::to_string(c.cores) + " eligible=" + std::to_string(c.eligible) +
                 " transforms=" + std::to_string(c.transforms) +
                 " manual=" + (c.manual ? std::to_string(*c.manual) : std::string("auto")));
    ParallelismDecision d = decide_parallelism(c.cores, c.eligible, c.transforms, c.manual);
    EXPECT_EQ(d.available_cores, c.cores);
    EXPECT_EQ(d.cap, c.cap);
    EXPECT_EQ(d.eligible_streams, c.eligible);
    EXPECT_EQ(d.per_stream_target, c.per_stream_target);
    EXPECT_EQ(d.base_target, c.base_target);
    EXPECT_EQ(d.transform_count, c.transforms);
    EXPECT_EQ(d.effective, c.effective);
    EXPECT_STREQ(d.mode(), c.manual ? "manual" : "auto");
  }
}

TEST(Parallelism, TransformFactorValues) {
  EXPECT_EQ(format_factor(transform_factor(0)), "1.00");
  EXPECT_EQ(format_factor(transform_factor(1)), "0.87");
  EXPECT_EQ(format_factor(transform_factor(2)), "0.77");
  EXPECT_EQ(format_factor(transform_factor(4)), "0.63");
  EXPECT_EQ(format_factor(transform_factor(8)), "0.60");
  EXPECT_EQ(format_factor(transform_factor(12)), "0.60");
  EXPECT_DOUBLE_EQ(transform_factor(8), 0.6);  // the floor holds exactly
  EXPECT_NEAR(transform_factor(1), 1.0 / 1.15, 1e-12);
}

TEST(Parallelism, AutoStaysWithinOneAndCapEverywhere) {
  for (int cores : {1, 2, 3, 4, 8, 16, 32, 64}) {
    for (int eligible : {0, 1, 2, 3, 5, 16}) {
      int previous = INT32_MAX;
      for (int transforms : {0, 1, 2, 4, 8, 12}) {
        ParallelismDecision d = decide_parallelism(cores, eligible, transforms);
        EXPECT_GE(d.effective, 1);
        EXPECT_LE(d.effective, d.cap);
        EXPECT_LE(d.effective, previous) << "more transforms never raise parallelism";
        previous = d.effective;
        if (eligible == 0) {
          EXPECT_EQ(d.base_target, 1);
        }
      }
    }
  }
}

TEST(Parallelism, ManualZeroOrNegativeIsClampedToOne) {
  EXPECT_EQ(decide_parallelism(8, 1, 0, 0).effective, 1);
  EXPECT_EQ(decide_parallelism(8, 1, 0, -3).effective, 1);
}

}  // namespace
}  // namespace rbc
