// The run monitor (run_monitor.h).
#include "operators/runtime/run_monitor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "operators/runtime/clock.h"
#include "operators/runtime/sink_runner.h"
#include "operators/runtime/source_runner.h"
#include "operators/runtime/transform_runner.h"

namespace rbc {
namespace {

// "lane 1 received 71% of the rows (more than twice the mean): a hot key?", or "".
std::string hot_lane_warning(const std::vector<LaneStats>& lanes) {
  if (lanes.size() < 2) return "";
  uint64_t total = 0;
  for (const auto& lane : lanes) total += lane.rows_in;
  const double mean = static_cast<double>(total) / static_cast<double>(lanes.size());
  for (size_t l = 0; l < lanes.size(); ++l) {
    if (total == 0 || static_cast<double>(lanes[l].rows_in) <= 2 * mean) continue;
    return "lane " + std::to_string(l) + " received " + std::to_string(lanes[l].rows_in * 100 / total) +
           "% of the rows, more than twice the mean: a hot key keeps the other lanes idle";
  }
  return "";
}

}  // namespace

RunMonitor::RunMonitor(RunContext& run) : run_(run), started_ns_(now_ns()), thread_([this] { loop(); }) {}

void RunMonitor::stop() {
  {
    std::lock_guard lock(mutex_);
    if (done_) return;
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
  const RunOptions& options = run_.options();
  if (options.on_progress || options.on_snapshot) {
    RunProgress last = progress();
    for (auto& stream : last.streams) stream.done = true;
    last.attempt_ended = true;
    if (options.on_progress) options.on_progress(last);
    if (options.on_snapshot) options.on_snapshot(last);
  }
}

// A cdc stream whose slot holds more WAL than its max_slot_wal: a warning each time it
// goes over (the slot holds about the lag in bytes while the run reads it).
void RunMonitor::warn_of_retained_wal(const RunProgress& progress) {
  for (const auto& s : progress.streams) {
    if (!s.lag || s.lag->max_slot_wal == 0) continue;
    bool over = s.lag->bytes > s.lag->max_slot_wal;
    bool& warned = over_max_slot_wal_[s.stream];
    if (over && !warned) {
      spdlog::warn(
          "cdc stream=\"{}\": the replication slot holds {} of WAL, more than max_slot_wal ({}): the "
          "run reads changes slower than the server writes them",
          s.stream, format_byte_count(s.lag->bytes), format_byte_count(s.lag->max_slot_wal));
    }
    warned = over;
  }
}

void RunMonitor::loop() {
  const RunOptions& options = run_.options();
  auto next_progress = std::chrono::steady_clock::now() + options.progress_interval;
  auto next_snapshot = std::chrono::steady_clock::now();
  const bool cdc = std::any_of(run_.plan().steps.begin(), run_.plan().steps.end(), [](const auto& step) {
    return std::holds_alternative<SourceStep>(step) && std::get<SourceStep>(step).sync_mode == SyncMode::cdc;
  });
  std::unique_lock lock(mutex_);
  while (!done_) {
    wake_.wait_for(lock, std::chrono::milliseconds(50));
    if (done_) break;
    if (options.cancel_requested != nullptr && options.cancel_requested->load()) run_.cancel_by_signal();
    const auto now = std::chrono::steady_clock::now();
    const bool progress_due = options.on_progress && now >= next_progress;
    const bool snapshot_due = (options.on_snapshot || cdc) && now >= next_snapshot;
    if (progress_due || snapshot_due) {
      if (progress_due) next_progress += options.progress_interval;
      if (snapshot_due) next_snapshot = now + options.snapshot_interval;
      lock.unlock();
      RunProgress p = progress();
      if (cdc) warn_of_retained_wal(p);
      if (progress_due) options.on_progress(p);
      if (snapshot_due && options.on_snapshot) options.on_snapshot(p);
      lock.lock();
    }
  }
}

RunProgress RunMonitor::progress() const {
  RunProgress progress;
  progress.elapsed_seconds = static_cast<double>(now_ns() - started_ns_) / 1e9;
  std::map<std::string, size_t> index;
  const PhysicalPlan& plan = run_.plan();
  const LogicalGraph& graph = plan.graph;
  // Readers and tuners are set up before the graph runs; reading them earlier would race.
  // Only metrics ask for rejected rows and autotune events while the run goes on.
  const bool graph_started = run_.graph_started() && run_.options().on_snapshot != nullptr;
  for (const auto& runner : run_.runners()) {
    const LogicalNode& node = graph.node(runner->id());
    auto [it, added] = index.emplace(node.stream, progress.streams.size());
    if (added) progress.streams.push_back({node.stream});
    StreamProgress& s = progress.streams[it->second];
    const Counters& c = runner->counters;
    NodeProgress n;
    n.id = runner->id();
    n.kind = node.kind;
    n.description = run_.describe(n.id);
    n.stream = node.stream;
    n.batches_in = c.batches_in.load();
    n.batches_out = c.batches_out.load();
    n.rows_in = c.rows_in.load();
    n.rows_out = c.rows_out.load();
    n.bytes_in = c.bytes_in.load();
    n.bytes_out = c.bytes_out.load();
    n.busy_seconds = static_cast<double>(c.busy_ns.load()) / 1e9;
    if (node.kind == NodeKind::source) {
      s.rows_read += n.rows_out;
      s.bytes_read += n.bytes_out;
      const SourceStep& step = plan.step<SourceStep>(n.id);
      if (step.sync_mode == SyncMode::cdc && !plan.run.dry_run)
        s.lag = run_.durable_position(step.stream)->lag();
      if (graph_started)
        progress.autotune.push_back(static_cast<const SourceRunner&>(*runner).autotune_event());
    } else if (node.kind == NodeKind::sink) {
      s.rows_written += n.rows_in;
      s.bytes_written += n.bytes_in;
    }
    if (graph_started) n.rejected_rows = runner->rejected_rows();
    progress.nodes.push_back(std::move(n));
  }
  progress.error = run_.error();
  return progress;
}

RunReport RunMonitor::report(double seconds) const {
  const PhysicalPlan& plan = run_.plan();
  RunReport report;
  report.pipeline = plan.run.pipeline;
  report.dry_run = plan.run.dry_run;
  report.cancelled_by_signal = run_.cancelled_by_signal();
  report.error = run_.error();
  report.seconds = seconds;
  report.arena_concurrency = plan.run.arena_threads.value;
  report.worker_limit = plan.run.worker_limit.value;
  report.peak_workers = run_.workers().peak();
  report.parallelism = plan.parallelism;
  std::map<std::string, size_t> stream_index;
  for (NodeId id : plan.graph.node_ids()) {
    const LogicalNode& logical = plan.graph.node(id);
    auto [it, added] = stream_index.emplace(logical.stream, report.streams.size());
    if (added) {
      report.streams.push_back({logical.stream});
      report.streams.back().seconds = seconds;
    }
    StreamStats& stream = report.streams[it->second];
    NodeStats stats;
    stats.id = id;
    stats.kind = logical.kind;
    stats.description = run_.describe(id);
    stats.stream = logical.stream;
    if (id < run_.runners().size() && run_.runners()[id]) {
      const NodeRunner& runner = *run_.runners()[id];
      stats.copies = std::max<int>(1, static_cast<int>(runner.receivers.size()));
      std::visit(
          [&](const auto& step) {
            using S = std::decay_t<decltype(step)>;
            if constexpr (std::is_same_v<S, SourceStep>) {
              const auto& source = static_cast<const SourceRunner&>(runner);
              stats.concurrency = step.partitions.value;
              stats.copies = source.readers_opened();
              stats.peak_concurrency = source.peak_active();
              report.max_inflight_batches = step.max_inflight_batches;
              AutotuneEvent event = source.autotune_event();
              if (source.tuner() != nullptr && event.decided) stats.tuned_concurrency = event.parallelism;
              report.autotune.push_back(std::move(event));
            } else if constexpr (std::is_same_v<S, SinkStep>) {
              stats.concurrency = std::max(1, step.partitions.value);
            } else if constexpr (std::is_same_v<S, TransformStep>) {
              stats.concurrency = step.concurrency.value;
              stats.lanes = static_cast<const TransformRunner&>(runner).lane_stats();
              stats.lanes_note = static_cast<const TransformRunner&>(runner).lanes_note();
              stats.peak_concurrency = static_cast<const TransformRunner&>(runner).peak_active();
              if (step.concurrency_tuned_by) {  // the batches at once its stream's tuner kept
                const auto& source =
                    static_cast<const SourceRunner&>(*run_.runners()[*step.concurrency_tuned_by]);
                AutotuneEvent event = source.autotune_event();
                if (source.tuner() != nullptr && event.decided && event.node_concurrency)
                  stats.tuned_concurrency = *event.node_concurrency;
              }
              stats.warning = hot_lane_warning(stats.lanes);
              for (const LaneStats& lane : stats.lanes) stats.late_rows += lane.late_rows;
              if (stats.late_rows > 0 && step.aggregation && step.aggregation->window) {
                const LateRows mode = step.aggregation->window->watermark.value.late_rows;
                stats.warning += std::string(stats.warning.empty() ? "" : "; ") +
                                 std::to_string(stats.late_rows) +
                                 " rows came after their windows had closed: " +
                                 (mode == LateRows::dlq    ? "written to the dead-letter file"
                                  : mode == LateRows::fail ? "the run stopped"
                                                           : "dropped (watermark.late_rows: drop)");
              }
            } else {
              stats.concurrency = step.concurrency.value;
            }
          },
          plan.steps[id]);
      const Counters& c = runner.counters;
      stats.batches_in = c.batches_in;
      stats.batches_out = c.batches_out;
      stats.rows_in = c.rows_in;
      stats.rows_out = c.rows_out;
      stats.bytes_in = c.bytes_in;
      stats.bytes_out = c.bytes_out;
      stats.busy_seconds = static_cast<double>(c.busy_ns.load()) / 1e9;
      stats.waiting_seconds = static_cast<double>(c.waiting_ns.load()) / 1e9;
      stats.rejected_rows = runner.rejected_rows();
    }
    if (logical.kind == NodeKind::source) {
      stream.rows_read += stats.rows_out;
      stream.bytes_read += stats.bytes_out;
    } else if (logical.kind == NodeKind::sink) {
      stream.rows_written += stats.rows_in;
      stream.bytes_written += stats.bytes_in;
    }
    stream.rejected_rows += stats.rejected_rows;
    if (logical.kind == NodeKind::source && !plan.run.dry_run &&
        plan.step<SourceStep>(id).sync_mode == SyncMode::cdc) {
      stream.cdc = true;
      if (auto lag = run_.durable_position(logical.stream)->lag()) {
        stream.lag_bytes = lag->bytes;
        stream.lag_seconds = lag->seconds;
      }
    }
    report.nodes.push_back(std::move(stats));
  }
  return report;
}

}  // namespace rbc
