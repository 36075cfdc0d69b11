// `rbc exec PIPELINE [--report FILE.json] [--dry-run [--limit N]] [--cores N]
// [--until-caught-up] [--metrics-addr HOST:PORT]`: compile the pipeline, run it on the
// oneTBB runtime, show progress and a summary (and serve metrics, metrics_server.h).
//
// Output: the summary and dry-run tables go to stdout; logs (spdlog), the live progress
// line and errors go to stderr. On a terminal the progress line is redrawn in place
// every 200 ms; elsewhere a progress log line is written every 2 s.
#include <malloc.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "compiler/compile.h"
#include "compiler/driver/commands.h"
#include "connectors/postgres/pg_catalog.h"
#include "connectors/postgres/pg_cdc.h"
#include "connectors/registry.h"
#include "graph/plan_printer.h"
#include "graph/utf8.h"
#include "operators/runtime/executor.h"
#include "operators/runtime/metrics_server.h"

namespace rbc::driver {

namespace {

struct ExecArguments {
  std::string pipeline;
  std::string report;
  bool dry_run = false;
  size_t limit = 10;
  int cores = 0;
  bool no_catalog = false;
  bool until_caught_up = false;
  bool from_scratch = false;
  std::string metrics_addr;
  bool advise = false;
};

// A run that follows changes (cdc) stops cleanly at the first SIGINT/SIGTERM (it commits
// what it read, confirms it, and exits 0) and is cancelled at the second; any other run is
// cancelled at the first.
std::atomic<bool> stop_following{false};
std::atomic<bool> signal_received{false};
std::atomic<bool> follows_changes{false};

extern "C" void on_signal(int /*signal*/) {
  if (follows_changes.load() && !stop_following.exchange(true)) return;
  signal_received.store(true);
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// Logs go to stderr so that stdout holds only results (summary, dry-run tables).
void use_stderr_logger() {
  if (spdlog::get("rbc")) return;  // a run compiled again (kMaxSchemaRestarts)
  auto logger = spdlog::stderr_color_mt("rbc");
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
  spdlog::set_default_logger(logger);
}

std::string format_rate(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.0f", value);
  return buffer;
}

std::string progress_line(const StreamProgress& s, double elapsed) {
  std::ostringstream out;
  double rate = elapsed > 0 ? static_cast<double>(s.rows_read) / elapsed : 0;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", elapsed);
  out << s.stream << ": read " << s.rows_read << " rows (" << format_byte_count(s.bytes_read) << "), wrote "
      << s.rows_written << " rows, " << format_rate(rate) << " rows/s, " << seconds << " s";
  if (s.lag) {
    char lag_seconds[32];
    std::snprintf(lag_seconds, sizeof lag_seconds, "%.1f", s.lag->seconds);
    out << ", lag " << format_byte_count(s.lag->bytes) << ", " << lag_seconds << " s";
  }
  return out.str();
}

// The one place rbc tunes the allocator (only `rbc exec` moves batches). Batches and
// COPY buffers are a few MiB each and are allocated and freed as fast as they are made.
// By default glibc maps such blocks afresh (mmap above M_MMAP_THRESHOLD) and gives freed
// memory back to the kernel (trim), so every batch would fault in pages it just had;
// that doubled the run time of bench/csv_vs_miller.sh in half of the runs. Blocks up to
// 256 MiB therefore come from the heap, the heap is trimmed only above 512 MiB free and
// grows 64 MiB at a time, so the next batch reuses freed memory. Peak memory stays
// bounded by max_inflight_batches either way. (main() used to set a second, smaller
// mmap threshold, 32 MiB, that exec overrode at once; these are the values exec used.)
void keep_freed_batches_in_process() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

// A cdc stream's table gained a column while the run read it: the run stops after applying
// the changes before it, and a new run, compiled against the table as it is now, follows the
// destination's schema_evolution (docs/execution.md, Change data capture). At most this many
// times in one `rbc exec`.
constexpr int kMaxSchemaRestarts = 20;

int run_exec(const ExecArguments& args, int restarts = 0) {
  keep_freed_batches_in_process();
  if (args.pipeline.empty()) {
    std::cerr << "rbc exec: a PIPELINE file is required\n";
    return kExitUserError;
  }
  use_stderr_logger();
  CompileRequest request;
  request.path = args.pipeline;
  request.options.available_cores = args.cores;
  // The run connects anyway, so the catalog checks cost little and turn a failure deep
  // in a run (a misspelt column) into a located error before anything starts. When the
  // catalog cannot be reached the run reports the connection error itself, so the
  // compilation's note is not shown.
  // The catalog keeps its connections here when it is destroyed, and the run's postgres
  // sources take them (a source leader reuses the catalog's connection instead of
  // connecting again); those the run did not take are closed when this goes out of scope.
  pg::IdleConnections idle_connections;
  std::unique_ptr<SourceCatalog> catalog;
  if (!args.no_catalog) {
    catalog = pg::make_postgres_catalog(kCatalogConnectTimeoutSeconds, &idle_connections);
    request.options.catalog = catalog.get();
  }
  request.options.dry_run = args.dry_run;
  request.options.advise = args.advise;
  Compilation compilation = compile_pipeline(request);
  catalog.reset();  // hands its connections to the run: the sources' leaders take them
  if (auto exit_code = report_compilation_problems(compilation, args.pipeline)) return *exit_code;
  const PhysicalPlan& plan = *compilation.plan;

  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::source)) {
    if (plan.step<SourceStep>(id).sync_mode != SyncMode::cdc) continue;
    if (args.dry_run) {
      // Reading changes needs a replication slot, which keeps WAL on the server until a
      // real run confirms it: a dry run must not leave one behind.
      std::cerr << "rbc: error: a dry run cannot read the cdc stream \"" << plan.graph.node(id).stream
                << "\" (it would create a replication slot); rbc compile shows its plan\n";
      return kExitUserError;
    }
    follows_changes.store(true);
  }
  // Bound before the run starts: a bad or taken address stops here, with nothing done.
  std::unique_ptr<MetricsServer> metrics;
  if (!args.metrics_addr.empty()) {
    auto started = MetricsServer::start(args.metrics_addr, plan.run.pipeline);
    if (!started.is_ok()) {
      std::cerr << "rbc: error: " << started.status().message() << '\n';
      return started.status().code() == StatusCode::invalid ? kExitUserError : kExitFailure;
    }
    metrics = std::move(*started);
    spdlog::info("metrics: http://{}/metrics", metrics->address());
  }
  install_signal_handlers();
  const bool terminal = isatty(STDERR_FILENO) == 1;
  RunOptions options;
  options.dry_run = args.dry_run;
  options.limit = args.limit;
  options.cancel_requested = &signal_received;
  options.stop_following = &stop_following;
  options.until_caught_up = args.until_caught_up;
  options.from_scratch = args.from_scratch;
  options.make_source = [&idle_connections](const std::string& use) {
    return make_source(use, SourceContext{&idle_connections});
  };
  options.progress_interval = terminal ? std::chrono::milliseconds(200) : std::chrono::milliseconds(2000);
  bool drew = false;
  options.on_progress = [terminal, &drew](const RunProgress& progress) {
    if (terminal) {
      // One line per stream would scroll; the streams share one redrawn line.
      std::string line;
      for (const auto& s : progress.streams)
        line += (line.empty() ? "" : " | ") + progress_line(s, progress.elapsed_seconds);
      std::cerr << "\r\033[K" << line << std::flush;
      drew = true;
    } else {
      for (const auto& s : progress.streams) {
        if (!s.done) spdlog::info("progress {}", progress_line(s, progress.elapsed_seconds));
      }
    }
  };
  if (metrics) {
    options.on_snapshot = [&metrics](const RunProgress& snapshot) { metrics->update(snapshot); };
    options.on_retry = [&metrics](const RunError& error, const RetryEvent& event) {
      metrics->retried(error, event);
    };
  }
  RunReport report = run_plan(plan, options);
  if (drew) std::cerr << '\n';
  if (report.error && report.error->retry && report.error->retry->category == pg::kSchemaChangeCategory &&
      !stop_following.load() && !signal_received.load() && restarts < kMaxSchemaRestarts) {
    spdlog::warn("{}; compiling the pipeline again", report.error->message);
    metrics.reset();  // the next run listens at the same address
    return run_exec(args, restarts + 1);
  }

  if (!args.report.empty()) {
    std::ofstream out(args.report, std::ios::binary);
    out << json_text(report_to_json(report), 2) << '\n';
    if (!out) {
      std::cerr << "rbc: error: cannot write report " << args.report << '\n';
      return kExitFailure;
    }
  }
  if (report.ok() && args.dry_run) {
    for (const auto& output : report.dry_run_outputs) {
      size_t rows = 0;
      for (const auto& batch : output.batches) rows += batch.num_rows;
      std::cout << "stream \"" << output.stream << "\" -> %" << output.sink << " (" << rows
                << (rows == 1 ? " row" : " rows") << ", first " << args.limit << " source rows)\n";
      std::cout << format_table(*output.schema, output.batches) << '\n';
    }
  } else {
    std::cout << format_summary(report);
  }
  if (!report.ok()) {
    std::cerr << "rbc: error: " << report.error->to_string() << '\n';
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

Command add_exec_command(CLI::App& app) {
  auto args = std::make_shared<ExecArguments>();
  CLI::App* command = app.add_subcommand("exec", "Run a pipeline, with progress, a summary and a report");
  command->add_option("pipeline", args->pipeline, "pipeline file (.yaml or .rbc)");
  command->add_option("--report", args->report, "write the run report (JSON) to this file");
  command->add_flag("--dry-run", args->dry_run,
                    "run sources and transforms on the first rows; write nothing");
  command->add_option("--limit", args->limit, "rows per source partition in a dry run (default 10)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 40));
  command->add_option("--cores", args->cores, "plan for a machine with N cores (default: this machine)")
      ->check(CLI::Range(1, 4096));
  command->add_flag("--no-catalog", args->no_catalog,
                    "skip checking streams against the source database's catalog before the run");
  command->add_flag("--until-caught-up", args->until_caught_up,
                    "cdc: stop once the changes up to the server's WAL position at the start are applied "
                    "(default: follow changes until SIGINT/SIGTERM)");
  command->add_flag("--from-scratch", args->from_scratch,
                    "start every stream afresh: forget saved positions, and run a full-refresh append "
                    "although an earlier run failed after committing rows");
  command->add_option("--metrics-addr", args->metrics_addr,
                      "serve Prometheus metrics at http://HOST:PORT/metrics while the run lasts "
                      "(e.g. 127.0.0.1:9187)");
  command->add_flag(
      "--advise", args->advise,
      "autotune advises only: probe, print and report what it would choose, run the plan's values");
  return [args] { return run_exec(*args); };
}

}  // namespace rbc::driver
