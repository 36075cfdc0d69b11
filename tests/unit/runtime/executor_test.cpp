// The runtime's lowering, ordering, backpressure, first-error and cancellation rules,
// run against in-memory source and sink doubles.
#include "operators/runtime/executor.h"

#include <gtest/gtest.h>

#include <numeric>
#include <thread>

#include "runtime_test_doubles.h"

namespace rbc::testing {
namespace {

std::vector<int64_t> iota_ids(int64_t n) {
  std::vector<int64_t> ids(n);
  std::iota(ids.begin(), ids.end(), 1);
  return ids;
}

TEST(Executor, SequencerRestoresOrderBeforeSingleWriter) {
  PlanBuilder builder(4);
  builder.source(1);
  builder.transform("sql", {{"query", "SELECT id FROM input WHERE id > 0"}}, 4);
  builder.transform("sql", {{"query", "SELECT id, id * 2 AS twice FROM input"}}, 4);
  builder.sink(1);
  SourceScript source;
  source.rows = 5000;
  source.batch_rows = 7;
  SinkScript sink;
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_TRUE(report.ok()) << report.error->to_string();
  ASSERT_EQ(sink.ids.size(), 1u);
  EXPECT_EQ(sink.ids[0], iota_ids(5000));
  EXPECT_TRUE(sink.finished);
  EXPECT_FALSE(sink.abandoned);
  EXPECT_EQ(sink.committed.load(), 1);
  EXPECT_EQ(report.rows_read(), 5000u);
  EXPECT_EQ(report.rows_written(), 5000u);
  ASSERT_EQ(report.nodes.size(), 4u);
  EXPECT_EQ(report.nodes[1].concurrency, 4);
  EXPECT_EQ(report.nodes[2].rows_out, 5000u);
  ASSERT_EQ(sink.schema->size(), 2u);
  EXPECT_EQ(sink.schema->field(1).name, "twice");
}

TEST(Executor, InFlightBatchesStayWithinTheBound) {
  PlanBuilder builder(4);
  builder.plan.graph.info.resources.max_inflight_batches.value = 3;
  builder.source(1);
  builder.transform("sql", {{"query", "SELECT id FROM input"}}, 4);
  builder.sink(1);
  SourceScript source;
  source.rows = 2000;
  source.batch_rows = 10;
  SinkScript sink;
  sink.delay = std::chrono::microseconds(300);  // a slow sink must slow the source
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_TRUE(report.ok()) << report.error->to_string();
  EXPECT_EQ(sink.ids[0], iota_ids(2000));
  EXPECT_LE(source.peak_in_flight.load(), 3);
  EXPECT_GE(source.peak_in_flight.load(), 1);
  // The source waited on the sink (backpressure) rather than racing ahead.
  EXPECT_GT(report.nodes[0].waiting_seconds, 0.0);
}

TEST(Executor, BoundHoldsPerPartitionWithParallelWriters) {
  PlanBuilder builder(4);
  builder.plan.graph.info.resources.max_inflight_batches.value = 2;
  builder.source(3);
  builder.sink(3);
  SourceScript source;
  source.rows = 3000;
  source.batch_rows = 10;
  SinkScript sink;
  sink.delay = std::chrono::microseconds(100);
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_TRUE(report.ok()) << report.error->to_string();
  EXPECT_LE(source.peak_in_flight.load(), 3 * 2);
  ASSERT_EQ(sink.ids.size(), 3u);
  std::vector<int64_t> all;
  for (int p = 0; p < 3; ++p) {
    // Partition p of the source lands in writer p.
    for (int64_t id : sink.ids[p]) EXPECT_EQ((id - 1) % 3, p);
    all.insert(all.end(), sink.ids[p].begin(), sink.ids[p].end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, iota_ids(3000));
  EXPECT_EQ(sink.committed.load(), 3);
  EXPECT_EQ(report.nodes[0].copies, 3);
}

TEST(Executor, HashRouterKeepsEveryRow) {
  PlanBuilder builder(4);
  builder.source(2);
  builder.hash_router({"id"}, 4, 4);
  builder.transform("validate", {{"rules", {{{"assert_unique", {"id"}}}}}}, 1);
  builder.sink(1);
  SourceScript source;
  source.rows = 4000;
  source.batch_rows = 50;
  SinkScript sink;
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_TRUE(report.ok()) << report.error->to_string();
  std::vector<int64_t> all = sink.ids[0];
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, iota_ids(4000));
  EXPECT_EQ(report.nodes[1].rows_in, 4000u);
  EXPECT_EQ(report.nodes[1].batches_out, report.nodes[1].batches_in * 4);
}

TEST(Executor, SourceErrorCancelsAndNamesTheNode) {
  PlanBuilder builder(4);
  builder.source(1);
  builder.transform("sql", {{"query", "SELECT id FROM input"}}, 4);
  builder.sink(1);
  SourceScript source;
  source.rows = 100000;
  source.fail_at_batch = 5;
  SinkScript sink;
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_FALSE(report.ok());
  ASSERT_TRUE(report.error->node.has_value());
  EXPECT_EQ(*report.error->node, 0u);
  EXPECT_EQ(report.error->to_string(),
            "node %0 (source scripted \"events\") stream \"events\" partition 0: scripted read failure");
  EXPECT_TRUE(sink.abandoned);
  EXPECT_FALSE(sink.finished);
  EXPECT_EQ(sink.committed.load(), 0);
  EXPECT_EQ(sink.aborted.load(), 1);
  // Cancelled: the source did not read on to the end.
  EXPECT_LT(source.batches_read.load(), 1000);
}

TEST(Executor, SinkWriteErrorNamesTheSinkAndAbandons) {
  PlanBuilder builder(2);
  builder.source(1);
  builder.sink(1);
  SourceScript source;
  SinkScript sink;
  sink.fail_at_batch = 3;
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error->to_string(),
            "node %1 (sink scripted \"events_out\") stream \"events\" partition 0: scripted write failure");
  EXPECT_TRUE(sink.abandoned);
  EXPECT_FALSE(sink.finished);
}

TEST(Executor, PrepareFailureAbortsBeforeAnyReaderOpens) {
  PlanBuilder builder(2);
  builder.source(2);
  builder.sink(2);
  SourceScript source;
  SinkScript sink;
  sink.fail_prepare = true;
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(*report.error->node, 1u);
  EXPECT_NE(report.error->message.find("prepare: scripted prepare failure"), std::string::npos);
  EXPECT_EQ(source.opened.load(), 0);
  EXPECT_EQ(sink.opened.load(), 0);
  EXPECT_TRUE(sink.abandoned);
}

// Readers and writers open at once; the error named is still the first lane's, and every
// writer that did open is aborted.
TEST(Executor, OpenFailureNamesTheFirstFailingLaneAndAbortsTheOpenedWriters) {
  PlanBuilder builder(4);
  builder.source(4);
  builder.sink(4);
  SourceScript source;
  SinkScript sink;
  sink.fail_open = {1, 3};  // writer 3 fails first in time
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(*report.error->node, 1u);
  EXPECT_EQ(report.error->partition, 1);
  EXPECT_NE(report.error->message.find("open: scripted open failure of writer 1"), std::string::npos)
      << report.error->message;
  EXPECT_EQ(source.opened.load(), 4);
  EXPECT_EQ(sink.opened.load(), 2);
  EXPECT_EQ(sink.aborted.load(), 2);
  EXPECT_EQ(sink.committed.load(), 0);
  EXPECT_TRUE(sink.abandoned);
}

// Before committing, every writer sends what it still buffers and waits for the
// destination: all at once, not one after another.
TEST(Executor, WritersFinishWritingAtOnce) {
  PlanBuilder builder(4);
  builder.source(4);
  builder.sink(4);
  SourceScript source;
  SinkScript sink;
  sink.await_finishing = 4;  // each waits until all four are finishing
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_TRUE(report.ok()) << report.error->to_string();
  EXPECT_EQ(sink.finishing.load(), 4);
  EXPECT_FALSE(sink.finish_timed_out.load());
  EXPECT_EQ(sink.committed.load(), 4);
  EXPECT_TRUE(sink.finished);
}

// Commits run one after another and stop at the first failure: an attempt that committed
// nothing may still be retried.
TEST(Executor, ACommitFailureStopsTheCommitsAndAbortsTheRest) {
  PlanBuilder builder(4);
  builder.source(4);
  builder.sink(4);
  SourceScript source;
  SinkScript sink;
  sink.fail_commit = {2, 1};
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(*report.error->node, 1u);
  EXPECT_EQ(report.error->partition, 1);
  EXPECT_NE(report.error->message.find("commit: scripted commit failure of writer 1"), std::string::npos)
      << report.error->message;
  EXPECT_EQ(sink.committed.load(), 1);
  EXPECT_EQ(sink.aborted.load(), 3);
  EXPECT_FALSE(sink.finished);
  EXPECT_TRUE(sink.abandoned);
}

TEST(Executor, ValidateFailureNamesTheTransform) {
  PlanBuilder builder(4);
  builder.source(1);
  builder.transform("validate", {{"rules", {{{"assert_range", {{"field", "id"}, {"max", 500}}}}}}}, 4);
  builder.sink(1);
  SourceScript source;
  SinkScript sink;
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(*report.error->node, 1u);
  EXPECT_NE(report.error->message.find("assert_range(id <= 500)"), std::string::npos)
      << report.error->message;
  EXPECT_TRUE(sink.abandoned);
}

TEST(Executor, CancelRequestStopsTheRun) {
  PlanBuilder builder(2);
  builder.source(1);
  builder.sink(1);
  SourceScript source;
  source.rows = 1'000'000'000;
  source.delay = std::chrono::microseconds(1000);
  SinkScript sink;
  std::atomic<bool> cancel{false};
  RunOptions options = scripted_options(source, sink);
  options.cancel_requested = &cancel;
  std::thread trigger([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel.store(true);
  });
  RunReport report = run_plan(builder.build(), options);
  trigger.join();
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(report.cancelled_by_signal);
  EXPECT_EQ(report.error->to_string(), "cancelled by signal");
  EXPECT_TRUE(sink.abandoned);
}

TEST(Executor, DryRunReadsTheFirstRowsAndWritesNothing) {
  PlanBuilder builder(2);
  builder.source(1);
  builder.transform("sql", {{"query", "SELECT id * 10 AS x FROM input"}}, 2);
  builder.sink(1);
  SourceScript source;
  source.batch_rows = 4;
  SinkScript sink;
  RunOptions options = scripted_options(source, sink);
  options.dry_run = true;
  options.limit = 6;
  RunReport report = run_plan(builder.build(/*dry_run=*/true), options);
  ASSERT_TRUE(report.ok()) << report.error->to_string();
  EXPECT_FALSE(sink.prepared);
  ASSERT_EQ(report.dry_run_outputs.size(), 1u);
  std::string table = format_table(*report.dry_run_outputs[0].schema, report.dry_run_outputs[0].batches);
  EXPECT_EQ(table, " x\n--\n10\n20\n30\n40\n50\n60\n");
}

TEST(Executor, ArenaCountsComputeAndIoThreads) {
  PlanBuilder builder(3);
  builder.source(2);
  builder.transform("sql", {{"query", "SELECT id FROM input"}}, 3);
  builder.sink(2);
  const PhysicalPlan& plan = builder.build();
  EXPECT_EQ(plan.run.arena_threads.value, 3 + 2 + 2);
  EXPECT_EQ(
      plan.run.arena_threads.reason,
      "4 for the partitions of the sources and sinks (a thread each: readers and writers block in I/O) + 3 "
      "compute (effective_parallelism) for transforms and routers");
}

TEST(RunReport, JsonCarriesTheTelemetryFields) {
  PlanBuilder builder(2);
  builder.source(1);
  builder.sink(1);
  SourceScript source;
  source.rows = 10;
  SinkScript sink;
  RunReport report = run_plan(builder.build(), scripted_options(source, sink));
  nlohmann::json json = report_to_json(report);
  for (const char* key :
       {"parallelism_mode", "parallelism_effective", "parallelism_cap", "parallelism_available_cores",
        "parallelism_eligible_streams", "parallelism_transform_count"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["status"], "ok");
  EXPECT_EQ(json["rows_written"], 10);
  ASSERT_EQ(json["nodes"].size(), 2u);
  EXPECT_TRUE(json["nodes"][0].contains("busy_seconds"));
  EXPECT_TRUE(json["nodes"][0].contains("waiting_seconds"));
  ASSERT_EQ(json["autotune"].size(), 1u);
  EXPECT_EQ(json["autotune"][0]["event"], "autotune-skipped");
}

}  // namespace
}  // namespace rbc::testing
