// Text, JSON and DOT renderings of a (possibly partly decided) PhysicalPlan.
#include "graph/plan_printer.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "graph/redact.h"

namespace rbc {
namespace {

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

std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string config_text(const Config& config) {
  if (config.values.empty()) return {};
  return " config=" + redact_config(config.values).dump();
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
  std::string text = join(knobs, "; ");
  if (!candidates.pinned.empty()) text += " (pinned: " + join(candidates.pinned) + ")";
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
    print_decided(out, std::string("partition_mode ") + to_string(step.partition_mode.value), step.partition_mode);
  if (!step.autotune_note.empty()) {
    out << "      autotune: " << step.autotune_note << '\n';
  } else if (step.autotune) {
    out << "      autotune: " << autotune_text(*step.autotune) << '\n';
  }
  print_decided(out, "readers " + std::to_string(step.readers.value), step.readers);
  print_decided(out, std::string("autotuned ") + yes_no(step.tuned.value), step.tuned);
  if (step.readers.decided()) {
    out << "      sequence group " << step.sequence_group;
    if (step.tuned.value)
      out << ", flush baseline " << format_bytes(step.flush_baseline) << ", lane writers " << step.lane_writers;
    out << '\n';
  }
  print_decided(out, std::string("cursor with the rows ") + yes_no(step.cursor_with_rows.value), step.cursor_with_rows);
}

void print_step(std::ostream& out, const TransformStep& step) {
  print_decided(out, "concurrency " + std::to_string(step.concurrency.value), step.concurrency);
  print_decided(out, "copies " + std::to_string(step.copies.value) + " over " + std::to_string(step.lanes) + " lanes",
                step.copies);
  print_decided(out, std::string("in order ") + yes_no(step.in_order.value), step.in_order);
}

void print_step(std::ostream& out, const RouterStep& step) {
  print_decided(out, "concurrency " + std::to_string(step.concurrency.value), step.concurrency);
  print_decided(out, "lanes out " + std::to_string(step.outputs.value) + " from " + std::to_string(step.lanes),
                step.outputs);
}

void print_step(std::ostream& out, const SinkStep& step) {
  print_decided(out, "partitions " + std::to_string(step.partitions.value), step.partitions);
  if (step.flush_bytes.decided()) {
    out << "      copy_flush_bytes " << format_bytes(step.flush_bytes.value) << ": " << step.flush_bytes.reason
        << (step.flush_tuned_by ? "; the autotuner of %" + std::to_string(*step.flush_tuned_by) + " sets it" : "")
        << '\n';
  }
  print_decided(out, "writers " + std::to_string(step.writers.value) + " for " + std::to_string(step.lanes) + " lanes",
                step.writers);
  print_decided(out, std::string("in order ") + yes_no(step.in_order.value), step.in_order);
  if (step.tracks_cursor.decided()) {
    out << "      commits: state of " << quote_text(step.state_stream) << "; cursor "
        << yes_no(step.tracks_cursor.value) << ": " << step.tracks_cursor.reason << '\n';
  }
  print_decided(out, std::string("redo-safe ") + yes_no(step.redo_safe.value), step.redo_safe);
}


template <typename T>
void add_decided(nlohmann::json& out, const char* name, const Decided<T>& decided) {
  if (decided.decided()) out[name] = {{"value", decided.value}, {"reason", decided.reason}};
}
void add_decided(nlohmann::json& out, const char* name, const Decided<PartitionMode>& decided) {
  if (decided.decided()) out[name] = {{"value", to_string(decided.value)}, {"reason", decided.reason}};
}

void add_step_json(nlohmann::json& j, const SourceStep& step) {
  if (step.eligible) {
    j["partition_eligible"] = *step.eligible;
    if (!step.eligibility_reason.empty()) j["eligibility_reason"] = step.eligibility_reason;
  }
  add_decided(j, "partitions", step.partitions);
  add_decided(j, "partition_mode", step.partition_mode);
  if (step.autotune) {
    const AutotuneCandidates& c = *step.autotune;
    nlohmann::json modes = nlohmann::json::array();
    for (auto mode : c.partition_mode) modes.push_back(to_string(mode));
    j["autotune"] = {{"parallelism", c.parallelism},
                     {"partition_mode", modes},
                     {"copy_flush_bytes", c.copy_flush_bytes},
                     {"pinned", c.pinned}};
  }
  if (!step.autotune_note.empty()) j["autotune_note"] = step.autotune_note;
  add_decided(j, "readers", step.readers);
  add_decided(j, "tuned", step.tuned);
  if (step.readers.decided()) {
    j["sequence_group"] = step.sequence_group;
    j["flush_baseline"] = step.flush_baseline;
    j["lane_writers"] = step.lane_writers;
  }
  add_decided(j, "cursor_with_rows", step.cursor_with_rows);
  if (step.max_batch_bytes > 0) {
    j["max_batch_bytes"] = step.max_batch_bytes;
    j["max_inflight_batches"] = step.max_inflight_batches;
    j["on_data_error"] = to_string(step.on_data_error);
    j["dlq_path"] = step.dlq_path;
  }
}

void add_step_json(nlohmann::json& j, const TransformStep& step) {
  add_decided(j, "stateful", step.stateful);
  add_decided(j, "concurrency", step.concurrency);
  add_decided(j, "copies", step.copies);
  add_decided(j, "in_order", step.in_order);
  if (step.copies.decided()) j["lanes"] = step.lanes;
  if (!step.op.empty()) {
    j["on_data_error"] = to_string(step.on_data_error);
    j["dlq_path"] = step.dlq_path;
  }
}

void add_step_json(nlohmann::json& j, const RouterStep& step) {
  add_decided(j, "concurrency", step.concurrency);
  add_decided(j, "outputs", step.outputs);
  if (step.outputs.decided()) j["lanes"] = step.lanes;
}

void add_step_json(nlohmann::json& j, const SinkStep& step) {
  add_decided(j, "partitions", step.partitions);
  add_decided(j, "copy_flush_bytes", step.flush_bytes);
  if (step.flush_bytes.decided()) j["copy_flush_pinned"] = step.flush_pinned;
  if (step.flush_tuned_by) j["copy_flush_tuned_by"] = *step.flush_tuned_by;
  add_decided(j, "writers", step.writers);
  add_decided(j, "in_order", step.in_order);
  if (step.writers.decided()) j["lanes"] = step.lanes;
  if (!step.state_stream.empty()) j["state_stream"] = step.state_stream;
  add_decided(j, "tracks_cursor", step.tracks_cursor);
  add_decided(j, "redo_safe", step.redo_safe);
  if (!step.connector.empty()) {
    j["checkpoint_interval_rows"] = step.checkpoint_interval_rows;
    j["checkpoint_interval_seconds"] = step.checkpoint_interval_seconds;
  }
}

}  // namespace

std::string format_factor(double factor) {
  // Round half up on two decimals, so 0.625 prints as 0.63 as SPEC section 2 writes it.
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%.2f", std::floor(factor * 100.0 + 0.5 + 1e-9) / 100.0);
  return buffer;
}

std::string format_bytes(int64_t bytes) {
  if (bytes > 0 && bytes % (int64_t{1} << 30) == 0) return std::to_string(bytes >> 30) + "gb";
  if (bytes > 0 && bytes % (int64_t{1} << 20) == 0) return std::to_string(bytes >> 20) + "mb";
  if (bytes > 0 && bytes % (int64_t{1} << 10) == 0) return std::to_string(bytes >> 10) + "kb";
  return std::to_string(bytes);
}

std::string describe_decision(const ParallelismDecision& d) {
  std::ostringstream out;
  out << "mode=" << d.mode() << " effective=" << d.effective << " cap=" << d.cap
      << " cores=" << d.available_cores << " eligible_streams=" << d.eligible_streams
      << " per_stream_target=" << d.per_stream_target << " base_target=" << d.base_target
      << " transforms=" << d.transform_count << " factor=" << format_factor(d.transform_factor)
      << " tag=" << kParallelismTag;
  return out.str();
}

nlohmann::json parallelism_telemetry(const ParallelismDecision& d) {
  return {{"parallelism_mode", d.mode()},
          {"parallelism_effective", d.effective},
          {"parallelism_cap", d.cap},
          {"parallelism_available_cores", d.available_cores},
          {"parallelism_eligible_streams", d.eligible_streams},
          {"parallelism_transform_count", d.transform_count},
          {"parallelism_tag", kParallelismTag}};
}

std::string print_plan_text(const PhysicalPlan& plan, const NodeOverlay& overlay) {
  const LogicalGraph& graph = plan.graph;
  std::ostringstream out;
  out << "pipeline " << quote_text(graph.info.name.value) << " version "
      << quote_text(graph.info.version.value) << '\n';
  // Dependency order (ties by id): inputs print before the nodes that use them, and a
  // stream's nodes stay together under its header.
  std::vector<NodeId> order = graph.topological_order();
  if (order.size() != graph.node_count()) order = graph.node_ids();
  std::string current_stream;
  for (NodeId id : order) {
    const LogicalNode& node = graph.node(id);
    if (node.stream != current_stream) {
      current_stream = node.stream;
      out << "\nstream " << quote_text(node.stream) << '\n';
    }
    out << "  %" << id << " = " << describe_node(node);
    std::vector<std::string> inputs;
    for (const auto& edge : graph.edges()) {
      if (edge.to == id)
        inputs.push_back("%" + std::to_string(edge.from) + (edge.label.empty() ? "" : "." + edge.label));
    }
    if (!inputs.empty()) out << " (" << join(inputs) << ")";
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
  if (run.arena_threads.decided()) out << "threads " << run.arena_threads.value << ": " << run.arena_threads.reason << '\n';
  if (run.state_in_destination.decided()) {
    out << "state: backend " << run.state.backend.value << ", in the destination "
        << yes_no(run.state_in_destination.value) << ": " << run.state_in_destination.reason << "; max_retries "
        << run.max_retries << (run.dry_run ? "; dry run" : "") << '\n';
  }
  return out.str();
}

nlohmann::json plan_to_json(const PhysicalPlan& plan) {
  const LogicalGraph& graph = plan.graph;
  nlohmann::json out;
  out["pipeline"] = graph.info.name.value;
  out["version"] = graph.info.version.value;
  if (plan.parallelism) {
    const ParallelismDecision& d = *plan.parallelism;
    out.update(parallelism_telemetry(d));
    out["decision"] = {{"per_stream_target", d.per_stream_target},
                       {"base_target", d.base_target},
                       {"transform_factor", std::stod(format_factor(d.transform_factor))},
                       {"tag", kParallelismTag}};
  }
  const ResourcesSpec& resources = graph.info.resources;
  out["resources"] = {{"max_batch_bytes", resources.max_batch_bytes.value},
                      {"max_inflight_batches", resources.max_inflight_batches.value},
                      {"checkpoint_interval_rows", resources.checkpoint_interval_rows.value},
                      {"checkpoint_interval_seconds", resources.checkpoint_interval_seconds.value},
                      {"max_retries", resources.max_retries.value},
                      {"autotune_enabled", resources.autotune.enabled.value}};
  out["state"] = {{"backend", graph.info.state.backend.value},
                  {"config", redact_config(graph.info.state.config.values)}};
  nlohmann::json nodes = nlohmann::json::array();
  for (NodeId id : graph.node_ids()) {
    const LogicalNode& node = graph.node(id);
    nlohmann::json j = {{"id", id}, {"kind", to_string(node.kind)}, {"stream", node.stream}};
    switch (node.kind) {
      case NodeKind::source: {
        const SourceNode& source = node.source();
        const StreamSpec& stream = source.stream;
        j["connector"] = source.connector.use.value;
        j["config"] = redact_config(source.connector.config.values);
        j["sync_mode"] = to_string(stream.sync_mode.value);
        if (stream.cursor_field.present) j["cursor_field"] = stream.cursor_field.value;
        if (stream.tie_breaker_field.present) j["tie_breaker_field"] = stream.tie_breaker_field.value;
        if (stream.partition_key.present) j["partition_key"] = stream.partition_key.value;
        if (stream.columns.present) j["columns"] = stream.columns.value;
        if (stream.declared_schema) {
          nlohmann::json schema = nlohmann::json::array();
          for (const auto& f : stream.declared_schema->fields()) {
            schema.push_back({{"name", f.name}, {"type", f.type.to_string()}, {"nullable", f.nullable}});
          }
          j["schema"] = schema;
        }
        break;
      }
      case NodeKind::transform:
        j["operator"] = node.transform().spec.use.value;
        j["config"] = redact_config(node.transform().spec.config.values);
        break;
      case NodeKind::router: {
        const RouterNode& router = node.router();
        j["mode"] = router.mode == RouterNode::Mode::hash ? "hash" : "predicate";
        if (router.mode == RouterNode::Mode::hash) {
          j["keys"] = router.keys;
          j["outputs"] = router.partitions;
        } else {
          nlohmann::json outputs = nlohmann::json::array();
          for (const auto& [name, predicate] : router.predicates)
            outputs.push_back({{"name", name}, {"predicate", predicate}});
          j["outputs"] = outputs;
        }
        break;
      }
      case NodeKind::sink: {
        const DestinationSpec& destination = node.sink().destination;
        j["connector"] = destination.connector.use.value;
        j["config"] = redact_config(destination.connector.config.values);
        j["target"] = node.sink().target;
        j["write_mode"] = to_string(destination.write_mode.value);
        if (destination.primary_key.present) j["primary_key"] = destination.primary_key.value;
        j["on_data_error"] = to_string(destination.on_data_error.value);
        j["schema_evolution"] = to_string(destination.schema_evolution.value);
        break;
      }
    }
    if (id < plan.steps.size()) {
      nlohmann::json step = nlohmann::json::object();
      std::visit([&step](const auto& typed) { add_step_json(step, typed); }, plan.steps[id]);
      j["step"] = step;
    }
    j["remarks"] = node.remarks;
    nodes.push_back(j);
  }
  out["nodes"] = nodes;
  const RunStep& run = plan.run;
  nlohmann::json run_json = {{"max_retries", run.max_retries}, {"dry_run", run.dry_run}};
  add_decided(run_json, "arena_threads", run.arena_threads);
  add_decided(run_json, "state_in_destination", run.state_in_destination);
  out["run"] = run_json;
  nlohmann::json edges = nlohmann::json::array();
  for (const auto& edge : graph.edges()) {
    nlohmann::json e = {{"from", edge.from}, {"to", edge.to}};
    if (!edge.label.empty()) e["label"] = edge.label;
    edges.push_back(e);
  }
  out["edges"] = edges;
  return out;
}

namespace {

// "× 4 readers" and the like: the parallel copies a node runs, once decided.
std::string dot_counts(const Step& step) {
  auto copies = [](int n, const char* what) {
    return n > 1 ? "\n× " + std::to_string(n) + " " + what : std::string();
  };
  std::string text;
  if (const auto* source = std::get_if<SourceStep>(&step)) {
    if (source->readers.decided()) text = copies(source->readers.value, "readers");
    else if (source->partitions.decided()) text = copies(source->partitions.value, "partitions");
    if (source->tuned.value) text += "\nautotuned";
  } else if (const auto* transform = std::get_if<TransformStep>(&step)) {
    if (transform->copies.decided()) text = copies(transform->copies.value, "copies");
    if (transform->concurrency.decided()) text += "\nconcurrency " + std::to_string(transform->concurrency.value);
  } else if (const auto* router = std::get_if<RouterStep>(&step)) {
    if (router->outputs.decided()) text = copies(router->outputs.value, "lanes");
    if (router->concurrency.decided()) text += "\nconcurrency " + std::to_string(router->concurrency.value);
  } else if (const auto* sink = std::get_if<SinkStep>(&step)) {
    if (sink->writers.decided()) text = copies(sink->writers.value, "writers");
    else if (sink->partitions.decided()) text = copies(sink->partitions.value, "partitions");
  }
  return text;
}

}  // namespace

std::string print_plan_dot(const PhysicalPlan& plan) {
  const LogicalGraph& graph = plan.graph;
  auto label = [](std::string_view text) {
    std::string out;
    for (char c : text) {
      if (c == '"' || c == '\\') out += '\\';
      out += c == '\n' ? std::string("\\n") : std::string(1, c);
    }
    return out;
  };
  auto shorten = [](std::string text) { return text.size() > 48 ? text.substr(0, 45) + "..." : text; };

  std::ostringstream out;
  std::string title = "pipeline " + graph.info.name.value;
  if (plan.parallelism) {
    const ParallelismDecision& d = *plan.parallelism;
    title += "\nparallelism " + std::string(d.mode()) + ": effective " + std::to_string(d.effective) +
             ", cap " + std::to_string(d.cap) + ", cores " + std::to_string(d.available_cores) +
             ", eligible streams " + std::to_string(d.eligible_streams) + ", transforms " +
             std::to_string(d.transform_count) + " (factor " + format_factor(d.transform_factor) + ", " +
             kParallelismTag + ")";
  }
  out << "digraph rbc {\n"
      << "  graph [label=\"" << label(title) << "\", labelloc=t, fontname=\"Helvetica\", rankdir=LR];\n"
      << "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n"
      << "  edge [fontname=\"Helvetica\", fontsize=10];\n";

  // One cluster per stream, in order of first appearance.
  std::vector<std::string> streams;
  for (NodeId id : graph.node_ids()) {
    const std::string& stream = graph.node(id).stream;
    if (std::find(streams.begin(), streams.end(), stream) == streams.end()) streams.push_back(stream);
  }
  for (size_t s = 0; s < streams.size(); ++s) {
    out << "  subgraph cluster_" << s << " {\n"
        << "    label=\"stream " << label(streams[s]) << "\"; style=rounded; color=\"#94a3b8\";\n";
    for (NodeId id : graph.node_ids()) {
      const LogicalNode& node = graph.node(id);
      if (node.stream != streams[s]) continue;
      std::string text;
      const char* fill = "#e2e8f0";
      switch (node.kind) {
        case NodeKind::source:
          text = "source " + node.source().connector.use.value + "\n" + node.source().stream.name.value +
                 "\n" + to_string(node.source().stream.sync_mode.value);
          fill = "#dbeafe";
          break;
        case NodeKind::transform: {
          const TransformSpec& spec = node.transform().spec;
          text = "transform " + spec.use.value;
          if (spec.config.has("query")) text += "\n" + shorten(spec.config.string_or("query", ""));
          fill = "#fef9c3";
          break;
        }
        case NodeKind::router:
          text = node.router().mode == RouterNode::Mode::hash
                     ? "router hash(" + join(node.router().keys) + ") x" +
                           std::to_string(node.router().partitions)
                     : "router predicates";
          fill = "#fce7f3";
          break;
        case NodeKind::sink:
          text = "sink " + node.sink().destination.connector.use.value + "\n" + node.sink().target + "\n" +
                 to_string(node.sink().destination.write_mode.value);
          fill = "#dcfce7";
          break;
      }
      text = "%" + std::to_string(id) + " " + text;
      if (id < plan.steps.size()) text += dot_counts(plan.steps[id]);
      out << "    n" << id << " [label=\"" << label(redact_secrets(text)) << "\", fillcolor=\"" << fill
          << "\"];\n";
    }
    out << "  }\n";
  }
  for (const auto& edge : graph.edges()) {
    out << "  n" << edge.from << " -> n" << edge.to;
    if (!edge.label.empty()) out << " [label=\"" << label(edge.label) << "\"]";
    out << ";\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace rbc
