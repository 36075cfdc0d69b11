// Retries (docs/execution.md, Retries): an attempt is run again only when its error is retryable and
// safe and nothing was committed that a new attempt would write again; max_retries is
// honoured; every retry is in the report. Also the file state backend's round trip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <numeric>

#include "connectors/registry.h"
#include "connectors/state/state_store.h"
#include "graph/pipeline_keys.h"
#include "operators/runtime/executor.h"
#include "runtime_test_doubles.h"

namespace rbc::testing {
namespace {

std::vector<int64_t> iota_ids(int64_t n) {
  std::vector<int64_t> ids(n);
  std::iota(ids.begin(), ids.end(), 1);
  return ids;
}

RetryDetail transient(bool safe) { return RetryDetail{true, safe, "connection", 1}; }

PlanBuilder simple_plan(int64_t max_retries) {
  PlanBuilder builder(2);
  builder.plan.graph.info.resources.max_retries.value = max_retries;
  builder.source(1);
  builder.sink(1);
  return builder;
}

TEST(Retry, RetryableSafeErrorRunsTheAttemptAgain) {
  PlanBuilder builder = simple_plan(3);
  SourceScript source;
  source.fail_at_batch = 5;
  source.fail_retry = transient(true);
  SinkScript sink;
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_TRUE(report.ok()) << report.error->to_string();
  ASSERT_EQ(report.retries.size(), 1u);
  EXPECT_EQ(report.retries[0].attempt, 1);
  EXPECT_NEAR(report.retries[0].wait_seconds, 0.001, 1e-9);
  EXPECT_NE(report.retries[0].error.find("scripted read failure"), std::string::npos);
  // The new attempt prepared the sink again and wrote every row once.
  EXPECT_EQ(sink.ids[0], iota_ids(1000));
  EXPECT_EQ(report_to_json(report)["retry_count"], 1);
}

TEST(Retry, UnsafeErrorIsNotRetried) {
  PlanBuilder builder = simple_plan(3);
  SourceScript source;
  source.fail_at_batch = 5;
  source.fail_retry = transient(false);
  SinkScript sink;
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(report.retries.empty());
  ASSERT_TRUE(report.error->retry.has_value());
  EXPECT_FALSE(report.error->retry->safe_to_retry);
}

TEST(Retry, ErrorWithoutDetailIsNotRetried) {
  PlanBuilder builder = simple_plan(3);
  SourceScript source;
  source.fail_at_batch = 5;
  SinkScript sink;
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(report.retries.empty());
}

TEST(Retry, MaxRetriesZeroMeansNoRetry) {
  PlanBuilder builder = simple_plan(0);
  SourceScript source;
  source.fail_at_batch = 5;
  source.fail_retry = transient(true);
  SinkScript sink;
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(report.retries.empty());
}

TEST(Retry, NotRetriedAfterAnAppendCommittedRows) {
  // A full-refresh append that committed a checkpoint would write those rows twice.
  PlanBuilder builder = simple_plan(3);
  builder.plan.graph.info.resources.checkpoint_interval_rows.value = 20;
  SourceScript source;
  source.fail_at_batch = 10;
  source.fail_retry = transient(true);
  SinkScript sink;
  sink.commits_at_checkpoints = true;
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_FALSE(report.ok());
  EXPECT_GT(sink.checkpoints.load(), 0);
  EXPECT_TRUE(report.retries.empty());
}

TEST(Retry, CheckpointsAreAskedOnlyUntilTheWriterSaysItCommitsAtTheEnd) {
  PlanBuilder builder = simple_plan(3);
  builder.plan.graph.info.resources.checkpoint_interval_rows.value = 20;
  SourceScript source;
  SinkScript sink;  // checkpoint() returns false
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_TRUE(report.ok()) << report.error->to_string();
  EXPECT_EQ(sink.checkpoints.load(), 1);
  EXPECT_EQ(sink.committed.load(), 1);
}

// The compiler checks state.backend against graph/pipeline_keys.h without linking the
// backends; the registry must make exactly those.
TEST(StateBackends, TheRegistryMakesTheBackendsTheCompilerAccepts) {
  EXPECT_EQ(registered_state_backends(), state_backend_names());
}

// The autotuner's remembered choices: per (pipeline, stream, cores), replaced by a new one.
TEST(FileStateStore, RemembersAutotuneChoicesPerCoreCount) {
  std::string path = ::testing::TempDir() + "rbc_choice_" + std::to_string(getpid()) + ".json";
  std::remove(path.c_str());
  TunedChoice choice{4, 3, "range", 8 << 20, 2, 123456789.5, 2e6, "run-1"};
  auto store = make_file_state_store(path);
  auto none = store->load_choice("p", "public.orders", 4);
  ASSERT_TRUE(none.is_ok()) << none.status().message();
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store->save_choice("p", "public.orders", choice).is_ok());
  auto loaded = make_file_state_store(path)->load_choice("p", "public.orders", 4);
  ASSERT_TRUE(loaded.is_ok() && loaded->has_value());
  EXPECT_EQ(**loaded, choice);
  EXPECT_FALSE(make_file_state_store(path)->load_choice("p", "public.orders", 2)->has_value());
  EXPECT_FALSE(make_file_state_store(path)->load_choice("q", "public.orders", 4)->has_value());
  choice.parallelism = 1;
  choice.run_id = "run-2";
  ASSERT_TRUE(store->save_choice("p", "public.orders", choice).is_ok());
  EXPECT_EQ(**make_file_state_store(path)->load_choice("p", "public.orders", 4), choice);
  std::remove(path.c_str());
  std::remove((path + ".lock").c_str());
}

TEST(FileStateStore, SavesCursorAndRunRecords) {
  std::string path = ::testing::TempDir() + "rbc_state_" + std::to_string(getpid()) + ".json";
  std::remove(path.c_str());
  auto store = make_file_state_store(path);
  auto none = store->load("p", "public.orders");
  ASSERT_TRUE(none.is_ok()) << none.status().message();
  EXPECT_FALSE(none->has_value());

  RunRecord run = RunRecord::of("run-1", "p", "public.orders");
  ASSERT_TRUE(store->begin_run(run).is_ok());
  Checkpoint checkpoint;
  checkpoint.rows = 10;
  checkpoint.position = CursorPosition{"2024-01-01 00:00:00+00:00", "42"};
  ASSERT_TRUE(store->save(run, checkpoint).is_ok());
  checkpoint.rows = 5;
  checkpoint.position = CursorPosition{"2024-01-02 00:00:00+00:00", "7"};
  ASSERT_TRUE(store->save(run, checkpoint).is_ok());
  run.status = "succeeded";
  ASSERT_TRUE(store->end_run(run).is_ok());

  // A new store (a later run) reads the last position back.
  auto again = make_file_state_store(path)->load("p", "public.orders");
  ASSERT_TRUE(again.is_ok());
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ(**again, (CursorPosition{"2024-01-02 00:00:00+00:00", "7"}));
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"rows\": 15"), std::string::npos) << text;
  EXPECT_NE(text.find("\"status\": \"succeeded\""), std::string::npos) << text;
  std::remove(path.c_str());
  std::remove((path + ".lock").c_str());
}

// Two stores on one file stand for two processes: a stream's run lock is exclusive and
// released with its store; a run that never ended is marked abandoned by the next one; the
// latest unfinished run that committed rows is found until a run succeeds.
TEST(FileStateStore, RunsOfAStreamNeverOverlap) {
  std::string path = ::testing::TempDir() + "rbc_state_lock_" + std::to_string(getpid()) + ".json";
  std::remove(path.c_str());
  auto first = make_file_state_store(path);
  RunRecord run1 = RunRecord::of("run-1", "p", "s");
  ASSERT_TRUE(first->begin_run(run1).is_ok());
  Checkpoint checkpoint;
  checkpoint.rows = 7;
  ASSERT_TRUE(first->save(run1, checkpoint).is_ok());

  auto second = make_file_state_store(path);
  Status refused = second->begin_run(RunRecord::of("run-2", "p", "s"));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.message(),
            "another run of pipeline \"p\" stream \"s\" is in progress (it holds its lock in " + path +
                ".lock); two runs of one stream cannot overlap");
  EXPECT_TRUE(second->begin_run(RunRecord::of("run-2", "p", "other stream")).is_ok());

  first.reset();  // the process died without recording an outcome
  auto third = make_file_state_store(path);
  RunRecord run3 = RunRecord::of("run-3", "p", "s");
  ASSERT_TRUE(third->begin_run(run3).is_ok());
  auto unfinished = third->unfinished_run(run3);
  ASSERT_TRUE(unfinished.is_ok());
  ASSERT_TRUE(unfinished->has_value());
  EXPECT_EQ((*unfinished)->run_id, "run-1");
  EXPECT_EQ((*unfinished)->status, "abandoned");
  EXPECT_EQ((*unfinished)->rows_committed, 7u);
  run3.status = "succeeded";
  ASSERT_TRUE(third->end_run(run3).is_ok());
  RunRecord run4 = RunRecord::of("run-4", "p", "s");
  auto after_success = third->unfinished_run(run4);
  ASSERT_TRUE(after_success.is_ok());
  EXPECT_FALSE(after_success->has_value());
  std::remove(path.c_str());
  std::remove((path + ".lock").c_str());
}

}  // namespace
}  // namespace rbc::testing
