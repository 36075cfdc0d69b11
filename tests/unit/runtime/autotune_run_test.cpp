// The autotuner end to end, through the executor: the generator source reads key slices.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "autotune_test_helpers.h"
#include "operators/runtime/autotune/planner.h"
#include "operators/runtime/executor.h"
#include "runtime_test_doubles.h"

namespace rbc {
namespace {

using testing::candidates;

struct GeneratorRun {
  testing::SourceScript unused;
  testing::SinkScript sink;
  PhysicalPlan plan;
  RunOptions options;

  GeneratorRun(uint64_t rows, int sink_writers, bool dry_run = false) {
    testing::PlanBuilder builder(3);
    builder.source(2, "generator", {{"rows", rows}, {"columns", {{{"id", "int64"}}, {{"v", "text"}}}}});
    builder.sink(sink_writers);
    plan = builder.build(dry_run, [](PhysicalPlan& plan) {
      SourceStep& source = plan.step<SourceStep>(0);
      source.eligible = true;
      source.autotune = candidates({1, 2, 3}, {PartitionMode::mod, PartitionMode::range});
      source.autotune_note.clear();
    });
    options = testing::scripted_options(unused, sink);
    options.dry_run = dry_run;
    options.make_source = nullptr;  // the real generator
    options.max_batch_rows = 4096;
    sink.source = nullptr;
  }
  std::vector<int64_t> ids() const {
    std::vector<int64_t> all;
    for (const auto& part : sink.ids) all.insert(all.end(), part.begin(), part.end());
    std::sort(all.begin(), all.end());
    return all;
  }
};

TEST(Autotune, ProbedStreamDeliversEveryRowOnce) {
  GeneratorRun run(1000000, 1);
  RunReport report = run_plan(run.plan, run.options);
  ASSERT_TRUE(report.ok()) << report.error->to_string();
  std::vector<int64_t> expected(1000000);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(run.ids(), expected);
  ASSERT_EQ(report.autotune.size(), 1u);
  const AutotuneEvent& event = report.autotune[0];
  EXPECT_TRUE(event.decided) << event.reason;
  EXPECT_GE(event.candidates.size(), 3u);
  for (const auto& c : event.candidates) {
    if (c.partition_mode == PartitionMode::mod) {
      EXPECT_GE(c.windows, AutotunePlanner::kMinRounds);
    }
  }
  EXPECT_LE(event.probe_rows, 150000u);  // 15% of the rows
  EXPECT_GE(event.probe_windows, 6);
  nlohmann::json json = report_to_json(report);
  EXPECT_EQ(json["autotune"][0]["event"], "autotune-decision");
  EXPECT_EQ(json["autotune"][0]["winner"]["parallelism"], event.parallelism);
}

TEST(Autotune, ProbedStreamIntoParallelWritersKeepsEachLaneInItsWriter) {
  GeneratorRun run(500000, 3);
  RunReport report = run_plan(run.plan, run.options);
  ASSERT_TRUE(report.ok()) << report.error->to_string();
  std::vector<int64_t> expected(500000);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(run.ids(), expected);
  EXPECT_EQ(run.sink.committed.load(), 3);
}

TEST(Autotune, AFailureWhileProbingStopsTheRunWithThatError) {
  GeneratorRun run(1000000, 1);
  run.sink.fail_at_batch = 3;
  RunReport report = run_plan(run.plan, run.options);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error->to_string().find("scripted write failure"), std::string::npos);
  EXPECT_TRUE(run.sink.abandoned);
}

TEST(Autotune, DryRunKeepsTheBaseline) {
  GeneratorRun run(1000000, 1, /*dry_run=*/true);
  RunReport report = run_plan(run.plan, run.options);
  ASSERT_TRUE(report.ok()) << report.error->to_string();
  ASSERT_EQ(report.autotune.size(), 1u);
  EXPECT_FALSE(report.autotune[0].decided);
  EXPECT_EQ(report.autotune[0].reason, "dry run: baseline values");
}

}  // namespace
}  // namespace rbc
