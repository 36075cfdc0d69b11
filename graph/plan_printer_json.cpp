// The JSON plan, for machines: the logical node, its step's decisions with their reasons,
// and the run's.
#include <string>
#include <variant>

#include "graph/plan_printer.h"
#include "graph/redact.h"

namespace rbc {
namespace {

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
    if (!step.split.empty()) j["split"] = step.split;
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
    if (c.advise) j["autotune"]["mode"] = "advise";
    if (!c.node_concurrency.empty()) j["autotune"]["node_concurrency"] = c.node_concurrency;
  }
  if (!step.autotune_note.empty()) j["autotune_note"] = step.autotune_note;
  add_decided(j, "readers", step.readers);
  add_decided(j, "tuned", step.tuned);
  add_decided(j, "chunks_in_order", step.chunks_in_order);
  add_decided(j, "deals_lanes", step.deals_lanes);
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
  if (step.concurrency_tuned_by) j["concurrency_tuned_by"] = *step.concurrency_tuned_by;
  if (step.aggregation) {
    nlohmann::json aggregation = {{"group_by", step.aggregation->group_keys},
                                  {"emit", step.aggregation->emit_changes ? "changes" : "final"}};
    if (step.aggregation->strategy.decided())
      aggregation["strategy"] = {{"value", to_string(step.aggregation->strategy.value)},
                                 {"reason", step.aggregation->strategy.reason}};
    add_decided(aggregation, "lanes", step.aggregation->lanes);
    add_decided(aggregation, "max_state_bytes", step.aggregation->max_state_bytes);
    if (step.aggregation->router) aggregation["router"] = *step.aggregation->router;
    if (const auto& window = step.aggregation->window) {
      const WatermarkStep& watermark = window->watermark.value;
      nlohmann::json w = {{"window", window->window}, {"time", window->time}};
      w["watermark"] = {{"configured", watermark.configured}, {"reason", window->watermark.reason}};
      if (watermark.configured) {
        w["watermark"]["allowed_lateness_ms"] = watermark.allowed_lateness_ms;
        w["watermark"]["idle_timeout_ms"] = watermark.idle_timeout_ms;
        w["watermark"]["late_rows"] = to_string(watermark.late_rows);
      }
      aggregation["window"] = w;
    }
    j["aggregation"] = aggregation;
  }
  if (!step.op.empty()) {
    j["on_data_error"] = to_string(step.on_data_error);
    j["dlq_path"] = step.dlq_path;
  }
}

void add_step_json(nlohmann::json& j, const RouterStep& step) {
  add_decided(j, "concurrency", step.concurrency);
  add_decided(j, "outputs", step.outputs);
  if (step.outputs.decided()) j["lanes"] = step.lanes;
  if (!step.event_time.empty()) j["event_time"] = step.event_time;
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
  add_decided(j, "applies_changes", step.applies_changes);
  add_decided(j, "redo_safe", step.redo_safe);
  if (!step.connector.empty()) {
    j["checkpoint_interval_rows"] = step.checkpoint_interval_rows;
    j["checkpoint_interval_seconds"] = step.checkpoint_interval_seconds;
  }
}

}  // namespace

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
  add_decided(run_json, "worker_limit", run.worker_limit);
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

}  // namespace rbc
