// run_plan: attempts and retries around Execution (docs/execution.md, retries).
//
// Runs attempts until one succeeds or a failure may not be retried: the error must be
// retryable and safe (nothing committed in the failed step), no commit of the attempt may
// be one that a new attempt would write again (SinkStep::redo_safe), and at most
// max_retries retries, waiting base * 2^(retry-1), at most 60 s. A new attempt starts the
// whole run again: every source and sink is prepared anew and incremental streams read
// after their saved cursor, i.e. from their last committed checkpoint.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <random>
#include <thread>

#include "connectors/registry.h"
#include "connectors/state/state_store.h"
#include "operators/runtime/autotune/planner.h"
#include "operators/runtime/execution.h"

namespace rbc {
namespace {

// "20240501T120000Z-1234-9f3a": sortable by time, unique across processes.
std::string new_run_id() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(std::random_device{}() & 0xffff));
  return std::string(stamp) + "-" + std::to_string(getpid()) + "-" + suffix;
}

RunReport failed_before_start(const PhysicalPlan& plan, const std::string& run_id, const Status& status) {
  RunReport report;
  report.pipeline = plan.run.pipeline;
  report.run_id = run_id;
  RunError error;
  error.message = status.message();
  error.retry = status.retry();
  report.error = std::move(error);
  return report;
}

// Waits `seconds`, or less when a signal asks to stop; false when it did.
bool wait_unless_cancelled(double seconds, const std::atomic<bool>* cancel) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (cancel != nullptr && cancel->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cancel == nullptr || !cancel->load();
}

// With --from-scratch, forgets the stream's saved position. Otherwise refuses a
// full-refresh stream whose append cannot be repeated (SinkStep::redo_safe) when an earlier
// run of it committed rows and failed: running it again would write those rows twice.
// The autotuner's new choices, for the next run to verify instead of probing (docs/autotune.md,
// Remembered choices). Only after a run that succeeded: a failed run's probe may have
// measured a machine in trouble.
void remember_choices(const PhysicalPlan& plan, const RunReport& report, StateStore& state) {
  for (const AutotuneEvent& e : report.autotune) {
    if (!e.to_remember) continue;
    TunedChoice choice;
    choice.cores = tuning_cores(plan);
    choice.parallelism = e.parallelism;
    choice.partition_mode = to_string(e.partition_mode);
    choice.copy_flush_bytes = e.copy_flush_bytes.value_or(0);
    choice.node_concurrency = e.node_concurrency.value_or(0);
    choice.bytes_per_second = e.chosen_bytes_per_second;
    choice.table_rows = e.estimated_rows;
    choice.run_id = report.run_id;
    Status saved = state.save_choice(plan.run.pipeline, e.stream, choice);
    if (!saved.is_ok())
      spdlog::warn("autotune stream=\"{}\": cannot remember its choice: {}", e.stream, saved.message());
  }
}

Status start_afresh_or_refuse(const PhysicalPlan& plan, StateStore& state, const RunRecord& record,
                              bool from_scratch) {
  if (from_scratch) return state.forget(record.pipeline, record.stream);
  bool full_refresh = false, repeats_rows = false;
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::source)) {
    const SourceStep& source = plan.step<SourceStep>(id);
    if (source.stream == record.stream) full_refresh = source.sync_mode == SyncMode::full_refresh;
  }
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::sink)) {
    const SinkStep& sink = plan.step<SinkStep>(id);
    if (sink.state_stream == record.stream && !sink.redo_safe.value) repeats_rows = true;
  }
  if (!full_refresh || !repeats_rows) return Status::ok();
  RBC_ASSIGN_OR_RETURN(auto unfinished, state.unfinished_run(record));
  if (!unfinished) return Status::ok();
  return Status::invalid("stream \"" + record.stream + "\": run " + unfinished->run_id + " (started " +
                         unfinished->started_at + ", " + unfinished->status + ") committed " +
                         std::to_string(unfinished->rows_committed) +
                         " rows before it stopped, and write_mode append would write them again; remove "
                         "them and run with --from-scratch, or write with replace or upsert");
}

}  // namespace

RunReport run_plan(const PhysicalPlan& plan, const RunOptions& given) {
  RunOptions options = given;
  if (!options.make_source) options.make_source = [](const std::string& use) { return make_source(use); };
  if (!options.make_sink) options.make_sink = [](const std::string& use) { return make_sink(use); };
  const RunStep& run = plan.run;
  const std::string run_id = new_run_id();
  if (plan.steps.size() != plan.graph.node_count() || !run.arena_threads.decided())
    return failed_before_start(plan, run_id, Status::internal("the plan has not been through every pass"));
  if (run.dry_run != options.dry_run)
    return failed_before_start(plan, run_id,
                               Status::internal("the plan was not made for this kind of run (dry run)"));
  auto store = make_state_store(run.state, run.state_destination);
  if (!store.is_ok()) return failed_before_start(plan, run_id, store.status());
  StateStore& state = **store;

  std::vector<RunRecord> records;
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::source)) {
    const SourceStep& source = plan.step<SourceStep>(id);
    records.push_back(RunRecord::of(run_id, run.pipeline, source.stream));
    if (source.sync_mode == SyncMode::incremental && run.state.backend.value == "none") {
      spdlog::warn("incremental stream=\"{}\" has no state backend (state.backend: none): it reads every row",
                   source.stream);
    }
  }
  if (!options.dry_run) {
    spdlog::info("state: run_id={} backend={}", run_id, state.describe());
    for (const auto& record : records) {
      Status begun = state.begin_run(record);
      if (begun.is_ok()) begun = start_afresh_or_refuse(plan, state, record, options.from_scratch);
      if (begun.is_ok()) continue;
      for (auto& ended : records) {
        ended.status = "failed";
        ended.error = begun.message();
        (void)state.end_run(ended);
      }
      return failed_before_start(plan, run_id, begun.prefixed("state: "));
    }
  }

  std::vector<RetryEvent> retries;
  RunReport report;
  for (int attempt = 1;; ++attempt) {
    Execution execution(plan, options, state, run_id);
    report = execution.run();
    if (report.ok() || report.cancelled_by_signal || options.dry_run) break;
    const RunError& error = *report.error;
    std::string why_not;
    if (!error.retry || !error.retry->retryable) {
      break;  // a permanent error: nothing to say
    } else if (!error.retry->safe_to_retry) {
      why_not = "the failed step may have committed";
    } else if (execution.committed_unsafe()) {
      why_not = "rows were already committed that a new attempt would write again";
    } else if (attempt > run.max_retries) {
      why_not = "max_retries (" + std::to_string(run.max_retries) + ") reached";
    }
    if (!why_not.empty()) {
      spdlog::error("not retried: {}", why_not);
      break;
    }
    double wait = std::min(60.0, error.retry->base_backoff_ms / 1000.0 * std::pow(2.0, attempt - 1));
    spdlog::warn("retry {}/{} in {:.1f} s after {} error: {}", attempt, run.max_retries, wait,
                 error.retry->category, error.to_string());
    retries.push_back({attempt, wait, error.to_string()});
    if (options.on_retry) options.on_retry(error, retries.back());
    if (!wait_unless_cancelled(wait, options.cancel_requested)) break;
  }
  report.run_id = run_id;
  report.retries = std::move(retries);
  if (report.ok() && !options.dry_run) remember_choices(plan, report, state);
  if (!options.dry_run) {
    for (auto& record : records) {
      record.status = report.ok() ? "succeeded" : "failed";
      record.retries = static_cast<int>(report.retries.size());
      if (report.error) record.error = report.error->to_string();
      Status ended = state.end_run(record);
      if (!ended.is_ok()) spdlog::warn("state: cannot record the end of run {}: {}", run_id, ended.message());
    }
  }
  return report;
}

}  // namespace rbc
