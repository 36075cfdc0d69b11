// Printing a RunReport: JSON for machines, a summary and dry-run tables for people.
#include "operators/runtime/run_report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "graph/plan_printer.h"
#include "graph/value_format.h"

namespace rbc {

namespace {

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

double per_second(uint64_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

}  // namespace

std::string RunError::to_string() const {
  if (!node) return message;
  return "node %" + std::to_string(*node) + " (" + description + ") stream \"" + stream + "\" partition " +
         std::to_string(partition) + ": " + message;
}

uint64_t RunReport::rows_read() const {
  uint64_t n = 0;
  for (const auto& s : streams) n += s.rows_read;
  return n;
}
uint64_t RunReport::rows_written() const {
  uint64_t n = 0;
  for (const auto& s : streams) n += s.rows_written;
  return n;
}
uint64_t RunReport::bytes_read() const {
  uint64_t n = 0;
  for (const auto& s : streams) n += s.bytes_read;
  return n;
}
uint64_t RunReport::bytes_written() const {
  uint64_t n = 0;
  for (const auto& s : streams) n += s.bytes_written;
  return n;
}

std::string format_byte_count(uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? std::to_string(bytes) + " B" : fixed(value, 1) + " " + units[unit];
}

namespace {

std::string advised_knobs(const AutotuneEvent& e) {
  return "parallelism=" + std::to_string(e.advised_parallelism) +
         " partition_mode=" + to_string(e.advised_partition_mode) +
         (e.advised_copy_flush_bytes ? " copy_flush_bytes=" + format_bytes(*e.advised_copy_flush_bytes)
                                     : "") +
         (e.advised_node_concurrency ? " node_concurrency=" + std::to_string(*e.advised_node_concurrency)
                                     : "");
}

std::string gain_text(const AutotuneEvent& e) {
  if (e.advised_gain <= 0) return "gain not measured (the baseline or the choice had no probe window)";
  return "measured gain " + fixed(e.advised_gain, 2) + "x the baseline's bytes/s";
}

}  // namespace

std::string format_autotune_event(const AutotuneEvent& e) {
  std::ostringstream out;
  std::string pinned;
  for (const auto& knob : e.pinned) pinned += (pinned.empty() ? "" : ",") + knob;
  std::string knobs = "parallelism=" + std::to_string(e.parallelism) +
                      " partition_mode=" + to_string(e.partition_mode) +
                      (e.copy_flush_bytes ? " copy_flush_bytes=" + format_bytes(*e.copy_flush_bytes) : "") +
                      (e.node_concurrency ? " node_concurrency=" + std::to_string(*e.node_concurrency) : "");
  if (!e.decided) {
    out << "autotune-skipped stream=\"" << e.stream << "\" reason=\"" << e.reason << "\" pinned=[" << pinned
        << "] baseline: " << knobs;
    return out.str();
  }
  if (e.advise) {
    out << "autotune-advice stream=\"" << e.stream << "\" would run: " << advised_knobs(e) << " (" << e.reason
        << "), " << gain_text(e) << "; runs the baseline: " << knobs << "; candidates:";
  } else {
    out << "autotune-decision stream=\"" << e.stream << "\" winner: " << knobs << " (" << e.reason
        << "); candidates:";
  }
  for (const auto& c : e.candidates) {
    out << " [p=" << c.parallelism << " " << to_string(c.partition_mode) << " "
        << format_bytes(c.copy_flush_bytes)
        << (c.node_concurrency > 0 ? " n=" + std::to_string(c.node_concurrency) : "") << ": "
        << format_byte_count(static_cast<uint64_t>(c.bytes_per_second)) << "/s over " << c.windows
        << " windows]";
  }
  out << "; probe cost " << e.probe_windows << " windows of " << e.window_unit << ", " << e.probe_rows
      << " rows, " << fixed(e.probe_seconds, 3) << " s; pinned=[" << pinned << "]";
  return out.str();
}

nlohmann::json report_to_json(const RunReport& report) {
  nlohmann::json out;
  out["pipeline"] = report.pipeline;
  if (!report.run_id.empty()) out["run_id"] = report.run_id;
  out["status"] = report.ok() ? "ok" : (report.cancelled_by_signal ? "cancelled" : "failed");
  out["dry_run"] = report.dry_run;
  if (report.error) {
    nlohmann::json error = {{"message", report.error->message}, {"text", report.error->to_string()}};
    if (report.error->node) {
      error["node"] = *report.error->node;
      error["kind"] = to_string(report.error->kind);
      error["description"] = report.error->description;
      error["stream"] = report.error->stream;
      error["partition"] = report.error->partition;
    }
    if (report.error->retry) {
      error["category"] = report.error->retry->category;
      error["retryable"] = report.error->retry->retryable;
      error["safe_to_retry"] = report.error->retry->safe_to_retry;
    }
    out["error"] = error;
  } else {
    out["error"] = nullptr;
  }
  if (report.parallelism) out.update(parallelism_telemetry(*report.parallelism));
  out["duration_seconds"] = report.seconds;
  out["rows_read"] = report.rows_read();
  out["rows_written"] = report.rows_written();
  out["bytes_read"] = report.bytes_read();
  out["bytes_written"] = report.bytes_written();
  out["rows_per_second"] = per_second(report.rows_read(), report.seconds);
  out["bytes_per_second"] = per_second(report.bytes_read(), report.seconds);
  out["runtime"] = {{"arena_concurrency", report.arena_concurrency},
                    {"max_inflight_batches", report.max_inflight_batches},
                    {"worker_limit", report.worker_limit},
                    {"peak_workers", report.peak_workers}};
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& s : report.streams) {
    streams.push_back({{"stream", s.stream},
                       {"rows_read", s.rows_read},
                       {"rows_written", s.rows_written},
                       {"bytes_read", s.bytes_read},
                       {"bytes_written", s.bytes_written},
                       {"rejected_rows", s.rejected_rows},
                       {"seconds", s.seconds},
                       {"rows_per_second", s.rows_per_second()}});
    if (s.cdc) streams.back()["cdc_lag"] = {{"bytes", s.lag_bytes}, {"seconds", s.lag_seconds}};
  }
  out["streams"] = streams;
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : report.nodes) {
    nlohmann::json lanes = nlohmann::json::array();
    for (const auto& lane : n.lanes) {
      lanes.push_back({{"rows_in", lane.rows_in},
                       {"groups", lane.groups},
                       {"state_bytes", lane.state_bytes},
                       {"busy_seconds", lane.busy_seconds},
                       {"max_queue", lane.max_queue},
                       {"peak_state_bytes", lane.peak_state_bytes},
                       {"open_windows", lane.open_windows},
                       {"peak_open_windows", lane.peak_open_windows},
                       {"late_rows", lane.late_rows}});
    }
    nodes.push_back({{"id", n.id},
                     {"kind", to_string(n.kind)},
                     {"description", n.description},
                     {"stream", n.stream},
                     {"concurrency", n.concurrency},
                     {"copies", n.copies},
                     {"tuned_concurrency", n.tuned_concurrency},
                     {"peak_concurrency", n.peak_concurrency},
                     {"batches_in", n.batches_in},
                     {"batches_out", n.batches_out},
                     {"rows_in", n.rows_in},
                     {"rows_out", n.rows_out},
                     {"bytes_in", n.bytes_in},
                     {"bytes_out", n.bytes_out},
                     {"rejected_rows", n.rejected_rows},
                     {"late_rows", n.late_rows},
                     {"busy_seconds", n.busy_seconds},
                     {"waiting_seconds", n.waiting_seconds}});
    if (!n.lanes.empty()) nodes.back()["lanes"] = lanes;
    if (!n.warning.empty()) nodes.back()["warning"] = n.warning;
    if (!n.lanes_note.empty()) nodes.back()["lanes_note"] = n.lanes_note;
  }
  out["nodes"] = nodes;
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : report.autotune) {
    nlohmann::json knobs = {{"parallelism", e.parallelism}, {"partition_mode", to_string(e.partition_mode)}};
    if (e.copy_flush_bytes) knobs["copy_flush_bytes"] = *e.copy_flush_bytes;
    if (e.node_concurrency) knobs["node_concurrency"] = *e.node_concurrency;
    nlohmann::json event = {{"event", e.decided ? "autotune-decision" : "autotune-skipped"},
                            {"stream", e.stream},
                            {"reason", e.reason},
                            {"pinned", e.pinned},
                            {e.decided ? "winner" : "baseline", knobs}};
    if (!e.remembered.empty()) event["remembered"] = e.remembered;
    if (e.decided) {
      nlohmann::json candidates = nlohmann::json::array();
      for (const auto& c : e.candidates) {
        candidates.push_back({{"parallelism", c.parallelism},
                              {"partition_mode", to_string(c.partition_mode)},
                              {"copy_flush_bytes", c.copy_flush_bytes},
                              {"node_concurrency", c.node_concurrency},
                              {"windows", c.windows},
                              {"rows", c.rows},
                              {"bytes", c.bytes},
                              {"seconds", c.seconds},
                              {"bytes_per_second", c.bytes_per_second},
                              {"rows_per_second", c.rows_per_second},
                              {"flush_share", c.flush_share},
                              {"bytes_per_cpu_second", c.bytes_per_cpu_second}});
      }
      event["candidates"] = candidates;
      event["probe"] = {{"windows", e.probe_windows},
                        {"window_unit", e.window_unit},
                        {"rows", e.probe_rows},
                        {"seconds", e.probe_seconds},
                        {"overhead_seconds", e.probe_overhead_seconds}};
    }
    if (e.advise) {
      // The knobs it ran with are the baseline; the advice is what tuning would have run.
      event["mode"] = "advise";
      nlohmann::json advised = {{"parallelism", e.advised_parallelism},
                                {"partition_mode", to_string(e.advised_partition_mode)}};
      if (e.advised_copy_flush_bytes) advised["copy_flush_bytes"] = *e.advised_copy_flush_bytes;
      if (e.advised_node_concurrency) advised["node_concurrency"] = *e.advised_node_concurrency;
      event["advice"] = advised;
      event["advised_gain"] = e.advised_gain;
      if (e.decided) event["baseline"] = event["winner"];
      event.erase("winner");
    }
    events.push_back(std::move(event));
  }
  out["autotune"] = events;
  nlohmann::json retries = nlohmann::json::array();
  for (const auto& r : report.retries) {
    retries.push_back({{"attempt", r.attempt}, {"wait_seconds", r.wait_seconds}, {"error", r.error}});
  }
  out["retry_count"] = report.retries.size();
  out["retries"] = retries;
  return out;
}

std::string format_summary(const RunReport& report) {
  std::ostringstream out;
  out << (report.dry_run ? "dry run" : "run") << " of pipeline \"" << report.pipeline
      << "\": " << (report.ok() ? "ok" : (report.cancelled_by_signal ? "cancelled" : "failed")) << " in "
      << fixed(report.seconds, 3) << " s\n";
  out << "  rows read " << report.rows_read() << ", written " << report.rows_written() << "; bytes read "
      << format_byte_count(report.bytes_read()) << ", written " << format_byte_count(report.bytes_written())
      << "; throughput " << fixed(per_second(report.rows_read(), report.seconds), 0) << " rows/s, "
      << format_byte_count(static_cast<uint64_t>(per_second(report.bytes_read(), report.seconds))) << "/s\n";
  for (const auto& r : report.retries) {
    out << "  retry after attempt " << r.attempt << " (waited " << fixed(r.wait_seconds, 1)
        << " s): " << r.error << '\n';
  }
  for (const auto& s : report.streams) {
    out << "  stream \"" << s.stream << "\": read " << s.rows_read << " rows ("
        << format_byte_count(s.bytes_read) << "), wrote " << s.rows_written << " rows ("
        << format_byte_count(s.bytes_written) << ")";
    if (s.rejected_rows > 0) out << ", rejected " << s.rejected_rows;
    out << ", " << fixed(s.rows_per_second(), 0) << " rows/s";
    if (s.cdc)
      out << "; cdc lag " << format_byte_count(s.lag_bytes) << ", " << fixed(s.lag_seconds, 1) << " s";
    out << '\n';
  }
  out << "  nodes:\n";
  for (const auto& n : report.nodes) {
    out << "    %" << n.id << " " << n.description << " x" << n.concurrency;
    if (n.tuned_concurrency > 0 && n.tuned_concurrency != n.concurrency) {
      out << " (" << n.tuned_concurrency << " after the autotune probe)";
    }
    out << ": rows in " << n.rows_in << ", out " << n.rows_out << ", busy " << fixed(n.busy_seconds, 3)
        << " s, waiting " << fixed(n.waiting_seconds, 3) << " s";
    if (n.rejected_rows > 0) out << ", rejected " << n.rejected_rows;
    if (n.late_rows > 0) out << ", late rows " << n.late_rows;
    out << '\n';
    for (size_t l = 0; l < n.lanes.size(); ++l) {
      const LaneStats& lane = n.lanes[l];
      out << "      lane " << l << ": rows in " << lane.rows_in << ", groups " << lane.groups << ", state "
          << format_byte_count(lane.state_bytes) << ", busy " << fixed(lane.busy_seconds, 3)
          << " s, largest queue " << lane.max_queue;
      if (lane.peak_open_windows > 0)
        out << ", open windows at most " << lane.peak_open_windows << " holding at most "
            << format_byte_count(lane.peak_state_bytes);
      if (lane.late_rows > 0) out << ", late rows " << lane.late_rows;
      out << '\n';
    }
    if (!n.lanes_note.empty()) out << "      lanes: " << n.lanes_note << '\n';
    if (!n.warning.empty()) out << "      warning: " << n.warning << '\n';
  }
  if (report.parallelism) out << "  parallelism: " << describe_decision(*report.parallelism) << '\n';
  for (const auto& e : report.autotune) {
    out << "  autotune \"" << e.stream << "\": ";
    if (e.decided) {
      out << "parallelism=" << e.parallelism << " partition_mode=" << to_string(e.partition_mode);
      if (e.copy_flush_bytes) out << " copy_flush_bytes=" << format_bytes(*e.copy_flush_bytes);
      if (e.node_concurrency) out << " node_concurrency=" << *e.node_concurrency;
      out << " after " << e.probe_windows << " probe windows of " << e.window_unit << " (" << e.probe_rows
          << " rows, " << fixed(e.probe_seconds, 3) << " s, " << fixed(e.probe_overhead_seconds, 3)
          << " s of it overhead): " << e.reason << '\n';
      if (e.advise)
        out << "    advise only: ran the baseline above; tuning would run " << advised_knobs(e) << ", "
            << gain_text(e) << '\n';
    } else {
      out << "skipped: " << e.reason << '\n';
    }
  }
  out << "  runtime: arena_concurrency=" << report.arena_concurrency
      << " max_inflight_batches=" << report.max_inflight_batches << " workers at most " << report.worker_limit
      << " at once (peak " << report.peak_workers << ")\n";
  return out.str();
}

std::string format_table(const Schema& schema, const std::vector<Batch>& batches) {
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> widths;
  for (const auto& field : schema.fields()) widths.push_back(field.name.size());
  for (const auto& batch : batches) {
    for (size_t row = 0; row < batch.num_rows; ++row) {
      std::vector<std::string> line;
      for (size_t c = 0; c < batch.columns.size(); ++c) {
        std::string text;
        if (batch.columns[c].is_null(row)) {
          text = "NULL";
        } else {
          append_formatted_value(text, batch.columns[c], row);
        }
        // One line per row: control characters would break the alignment.
        for (char& ch : text) {
          if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
        }
        if (c < widths.size()) widths[c] = std::max(widths[c], text.size());
        line.push_back(std::move(text));
      }
      cells.push_back(std::move(line));
    }
  }
  // Numbers read better right-aligned.
  std::vector<bool> right;
  for (const auto& field : schema.fields()) right.push_back(field.type.is_numeric());
  std::ostringstream out;
  auto print_line = [&](const std::vector<std::string>& line, bool header) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      if (c > 0) text += " | ";
      std::string pad(widths[c] > line[c].size() ? widths[c] - line[c].size() : 0, ' ');
      text += right[c] ? pad + line[c] : line[c] + pad;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << '\n';
  };
  print_line(schema.names(), true);
  std::string rule;
  for (size_t c = 0; c < widths.size(); ++c) rule += (c > 0 ? "-+-" : "") + std::string(widths[c], '-');
  out << rule << '\n';
  for (const auto& line : cells) print_line(line, false);
  return out.str();
}

}  // namespace rbc
