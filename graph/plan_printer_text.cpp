// The text plan: an SSA-style listing for people, one line per node plus its decisions.
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "graph/plan_printer.h"
#include "graph/plan_printer_internal.h"
#include "graph/redact.h"
#include "graph/utf8.h"

namespace rbc {
namespace {

using plan_printing::join;

std::string quote_text(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string config_text(const Config& config) {
  if (config.values.empty()) return {};
  return " config=" + json_text(redact_config(config.values));
}

// "source postgres stream "public.orders" sync_mode=full_refresh partition_key=id"
std::string describe_node(const LogicalNode& node) {
  std::ostringstream out;
  out << to_string(node.kind) << ' ';
  switch (node.kind) {
    case NodeKind::source: {
      const SourceNode& source = node.source();
      const StreamSpec& stream = source.stream;
      out << source.connector.use.value << " stream " << quote_text(stream.name.value)
          << " sync_mode=" << to_string(stream.sync_mode.value);
      if (stream.cursor_field.present) out << " cursor_field=" << stream.cursor_field.value;
      if (stream.tie_breaker_field.present) out << " tie_breaker_field=" << stream.tie_breaker_field.value;
      if (stream.partition_key.present) out << " partition_key=" << stream.partition_key.value;
      if (stream.declared_schema) {
        std::vector<std::string> columns;
        for (const auto& field : stream.declared_schema->fields())
          columns.push_back(field.name + " " + field.type.to_string());
        out << " columns=[" << join(columns) << "]";
      } else if (stream.columns.present) {
        out << " columns=[" << join(stream.columns.value) << "]";
      }
      out << config_text(source.connector.config);
      break;
    }
    case NodeKind::transform: {
      const TransformSpec& spec = node.transform().spec;
      out << spec.use.value << config_text(spec.config);
      break;
    }
    case NodeKind::router: {
      const RouterNode& router = node.router();
      if (router.mode == RouterNode::Mode::hash) {
        out << "hash(" << join(router.keys) << ") x" << router.partitions;
      } else {
        std::vector<std::string> outputs;
        for (const auto& [name, predicate] : router.predicates)
          outputs.push_back(name + ": " + quote_text(predicate));
        out << "predicates {" << join(outputs) << "}";
      }
      break;
    }
    case NodeKind::sink: {
      const SinkNode& sink = node.sink();
      const DestinationSpec& destination = sink.destination;
      out << destination.connector.use.value << " target " << quote_text(sink.target)
          << " write_mode=" << to_string(destination.write_mode.value);
      if (destination.primary_key.present)
        out << " primary_key=[" << join(destination.primary_key.value) << "]";
      out << " on_data_error=" << to_string(destination.on_data_error.value);
      if (destination.schema_evolution.present) {
        out << " schema_evolution=" << to_string(destination.schema_evolution.value);
      }
      out << config_text(destination.connector.config);
      break;
    }
  }
  return out.str();
}

std::string autotune_text(const AutotuneCandidates& candidates) {
  std::vector<std::string> knobs;
  auto numbers = [](const std::vector<int64_t>& values, bool bytes) {
    std::vector<std::string> items;
    for (int64_t v : values) items.push_back(bytes ? format_bytes(v) : std::to_string(v));
    return "{" + join(items) + "}";
  };
  if (!candidates.parallelism.empty())
    knobs.push_back("parallelism " + numbers(candidates.parallelism, false));
  if (!candidates.partition_mode.empty()) {
    std::vector<std::string> modes;
    for (auto mode : candidates.partition_mode) modes.push_back(to_string(mode));
    knobs.push_back("partition_mode {" + join(modes) + "}");
  }
  if (!candidates.copy_flush_bytes.empty()) {
    knobs.push_back("copy_flush_bytes " + numbers(candidates.copy_flush_bytes, true));
  }
  if (!candidates.node_concurrency.empty())
    knobs.push_back("node_concurrency " + numbers(candidates.node_concurrency, false));
  std::string text = join(knobs, "; ");
  if (!candidates.pinned.empty()) text += " (pinned: " + join(candidates.pinned) + ")";
  if (candidates.advise) text += "; advise only: probes and reports its choice, runs the baseline";
  return text;
}

const char* yes_no(bool value) { return value ? "yes" : "no"; }

template <typename T>
void print_decided(std::ostream& out, const std::string& label, const Decided<T>& decided) {
  if (decided.decided()) out << "      " << label << ": " << decided.reason << '\n';
}

void print_step(std::ostream& out, const SourceStep& step) {
  if (step.eligible) {
    out << "      eligibility: "
        << (*step.eligible ? "partition-eligible" : "not eligible (" + step.eligibility_reason + ")") << '\n';
  }
  print_decided(out, "partitions " + std::to_string(step.partitions.value), step.partitions);
  if (step.eligible.value_or(false))
    print_decided(out, std::string("partition_mode ") + to_string(step.partition_mode.value),
                  step.partition_mode);
  if (!step.autotune_note.empty()) {
    out << "      autotune: " << step.autotune_note << '\n';
  } else if (step.autotune) {
    out << "      autotune: " << autotune_text(*step.autotune) << '\n';
  }
  print_decided(out, "readers " + std::to_string(step.readers.value), step.readers);
  print_decided(out, std::string("autotuned ") + yes_no(step.tuned.value), step.tuned);
  print_decided(out, std::string("chunks in order ") + yes_no(step.chunks_in_order.value),
                step.chunks_in_order);
  print_decided(out, std::string("deals lanes ") + yes_no(step.deals_lanes.value), step.deals_lanes);
  if (step.readers.decided()) {
    out << "      sequence group " << step.sequence_group;
    if (step.tuned.value)
      out << ", flush baseline " << format_bytes(step.flush_baseline) << ", lane writers "
          << step.lane_writers;
    out << '\n';
  }
  print_decided(out, std::string("cursor with the rows ") + yes_no(step.cursor_with_rows.value),
                step.cursor_with_rows);
}

void print_step(std::ostream& out, const TransformStep& step) {
  print_decided(out, "concurrency " + std::to_string(step.concurrency.value), step.concurrency);
  print_decided(
      out, "copies " + std::to_string(step.copies.value) + " over " + std::to_string(step.lanes) + " lanes",
      step.copies);
  print_decided(out, std::string("in order ") + yes_no(step.in_order.value), step.in_order);
  if (step.concurrency_tuned_by)
    out << "      concurrency tuned: the autotuner of %" << *step.concurrency_tuned_by
        << " probes its node_concurrency candidates and keeps the winner\n";
  if (!step.aggregation) return;
  const AggregationStep& aggregation = *step.aggregation;
  std::string keys;
  for (const auto& key : aggregation.group_keys) keys += (keys.empty() ? "" : ", ") + key;
  out << "      aggregation: group by " << (keys.empty() ? "(nothing: one group)" : keys) << ", emit "
      << (aggregation.emit_changes ? "changes" : "final") << '\n';
  if (aggregation.window) {
    out << "      window " << aggregation.window->window << '\n';
    print_decided(out, "watermark", aggregation.window->watermark);
  }
  print_decided(out, std::string("strategy ") + to_string(aggregation.strategy.value), aggregation.strategy);
  print_decided(out, "lanes " + std::to_string(aggregation.lanes.value), aggregation.lanes);
  if (aggregation.router) out << "      router %" << *aggregation.router << '\n';
  print_decided(out, "max_state_bytes " + format_bytes(aggregation.max_state_bytes.value),
                aggregation.max_state_bytes);
}

void print_step(std::ostream& out, const RouterStep& step) {
  print_decided(out, "concurrency " + std::to_string(step.concurrency.value), step.concurrency);
  print_decided(out,
                "lanes out " + std::to_string(step.outputs.value) + " from " + std::to_string(step.lanes),
                step.outputs);
  if (!step.event_time.empty())
    out << "      event time " << step.event_time
        << ": every lane gets each batch's largest, so that all lanes keep one watermark\n";
}

void print_step(std::ostream& out, const SinkStep& step) {
  print_decided(out, "partitions " + std::to_string(step.partitions.value), step.partitions);
  if (step.flush_bytes.decided()) {
    out << "      copy_flush_bytes " << format_bytes(step.flush_bytes.value) << ": "
        << step.flush_bytes.reason
        << (step.flush_tuned_by ? "; the autotuner of %" + std::to_string(*step.flush_tuned_by) + " sets it"
                                : "")
        << '\n';
  }
  print_decided(
      out, "writers " + std::to_string(step.writers.value) + " for " + std::to_string(step.lanes) + " lanes",
      step.writers);
  print_decided(out, std::string("in order ") + yes_no(step.in_order.value), step.in_order);
  if (step.tracks_cursor.decided()) {
    out << "      commits: state of " << quote_text(step.state_stream) << "; cursor "
        << yes_no(step.tracks_cursor.value) << ": " << step.tracks_cursor.reason << '\n';
  }
  print_decided(out, std::string("applies changes ") + yes_no(step.applies_changes.value),
                step.applies_changes);
  print_decided(out, std::string("redo-safe ") + yes_no(step.redo_safe.value), step.redo_safe);
}

}  // namespace

std::string print_plan_text(const PhysicalPlan& plan, const NodeOverlay& overlay) {
  const LogicalGraph& graph = plan.graph;
  std::ostringstream out;
  out << "pipeline " << quote_text(graph.info.name.value) << " version "
      << quote_text(graph.info.version.value) << '\n';
  // Dependency order (ties by id): inputs print before the nodes that use them, and a
  // stream's nodes stay together under its header.
  std::vector<NodeId> order = graph.topological_order();
  if (order.size() != graph.node_count()) order = graph.node_ids();
  // Each node's inputs, gathered in one pass over the edges (not one pass per node).
  std::unordered_map<NodeId, std::vector<std::string>> inputs_of;
  for (const auto& edge : graph.edges()) {
    inputs_of[edge.to].push_back("%" + std::to_string(edge.from) +
                                 (edge.label.empty() ? "" : "." + edge.label));
  }
  std::string current_stream;
  for (NodeId id : order) {
    const LogicalNode& node = graph.node(id);
    if (node.stream != current_stream) {
      current_stream = node.stream;
      out << "\nstream " << quote_text(node.stream) << '\n';
    }
    out << "  %" << id << " = " << describe_node(node);
    if (auto inputs = inputs_of.find(id); inputs != inputs_of.end())
      out << " (" << join(inputs->second) << ")";
    out << '\n';
    if (id < plan.steps.size()) {
      std::visit([&out](const auto& step) { print_step(out, step); }, plan.steps[id]);
    }
    for (const auto& remark : node.remarks) out << "      remark: " << remark << '\n';
    if (overlay) {
      for (const auto& line : overlay(id)) out << "      " << line << '\n';
    }
  }
  if (plan.parallelism) out << "\nparallelism: " << describe_decision(*plan.parallelism) << '\n';
  const RunStep& run = plan.run;
  if (run.arena_threads.decided())
    out << "threads " << run.arena_threads.value << ": " << run.arena_threads.reason << '\n';
  if (run.worker_limit.decided())
    out << "workers " << run.worker_limit.value << ": " << run.worker_limit.reason << '\n';
  if (run.state_in_destination.decided()) {
    out << "state: backend " << run.state.backend.value << ", in the destination "
        << yes_no(run.state_in_destination.value) << ": " << run.state_in_destination.reason
        << "; max_retries " << run.max_retries << (run.dry_run ? "; dry run" : "") << '\n';
  }
  return out.str();
}

}  // namespace rbc
