// aggregation: how each aggregation (a sql transform with GROUP BY or aggregates) runs in
// parallel, and why (docs/passes.md, Aggregation):
//   hash       a router hashes the group keys into N lanes; each lane owns its groups;
//   two_phase  each arriving lane pre-aggregates what it gets; one merge per key at the end;
//   single     one copy sees every row.
// A hash aggregation gets its router here: inserted between the aggregation and its input,
// unless the program routes by hash itself (`route(by: hash(k))`), which is honoured when
// its keys are among the group keys.
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "compiler/passes/passes.h"
#include "graph/units.h"
#include "graph/utf8.h"
#include "operators/operator_specs.h"

namespace rbc {
namespace {

std::string normalized(const std::string& expression) {
  std::string out;
  for (char c : expression) {
    if (!std::isspace(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

int64_t half_the_memory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  int64_t half = pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page / 2 : int64_t{1} << 30;
  return half & ~((int64_t{1} << 20) - 1);  // whole MiB, so the plan prints it as written in a pipeline
}

// The sources whose rows reach `id`.
std::vector<NodeId> feeding_sources(const PhysicalPlan& plan, NodeId id) {
  std::vector<NodeId> feeding;
  for (NodeId source : plan.graph.nodes_of_kind(NodeKind::source)) {
    auto reach = plan.graph.reachable_from(source);
    if (std::find(reach.begin(), reach.end(), id) != reach.end()) feeding.push_back(source);
  }
  return feeding;
}

// The lanes the rows arrive in, as far as the plan knows before the lanes pass: the
// partitions of the sources that reach `id`.
int arriving_lanes(const PhysicalPlan& plan, NodeId id) {
  int lanes = 0;
  for (NodeId source : feeding_sources(plan, id))
    lanes += std::max(1, plan.step<SourceStep>(source).partitions.value);
  return std::max(1, lanes);
}

// Why the strategy cannot be two_phase, or "".
std::string cannot_merge(const QueryShape& shape) {
  if (!shape.window.empty())
    return "a window closes by the watermark of the whole stream, which one lane's share cannot tell";
  if (shape.emit_changes) return "EMIT CHANGES needs each group's rows in one lane, in arrival order";
  if (!shape.mergeable)
    return "a DISTINCT aggregate or STRING_AGG keeps per-group state that lanes cannot merge";
  if (shape.limit) return "LIMIT counts the rows of every group together";
  return "";
}

// Why the strategy cannot be hash, or "".
std::string cannot_hash(const QueryShape& shape) {
  if (shape.group_keys.empty()) return "without GROUP BY there is one group, which one lane owns";
  if (shape.limit) return "LIMIT counts the rows of every group together";
  return "";
}

// An aggregation's own `watermark:` (in the sql transform's config, a map of the keys a
// stream's takes), read as a stream's is; nullopt after a located error.
std::optional<WatermarkSpec> config_watermark(const Config& config, DiagnosticEngine& diagnostics) {
  WatermarkSpec spec;
  const nlohmann::json& value = config.values.at("watermark");
  const SourceRange where = config.range_of("watermark");
  if (!value.is_object()) {
    diagnostics.error(where,
                      "watermark must be a map: {allowed_lateness: 30s, idle_timeout: 10s, late_rows: drop}");
    return std::nullopt;
  }
  for (const auto& [key, setting] : value.items()) {
    if (key == "allowed_lateness" || key == "idle_timeout") {
      std::optional<int64_t> ms;
      if (setting.is_number_integer() && setting.get<int64_t>() >= 0) ms = setting.get<int64_t>() * 1000;
      if (setting.is_string()) ms = parse_duration_ms(setting.get<std::string>());
      if (!ms || (key == "idle_timeout" && *ms == 0)) {
        diagnostics.error(where, "watermark." + key + " must be a duration (500ms, 30s, 5m, 1h, 1d), not " +
                                     json_text(setting));
        return std::nullopt;
      }
      (key == "allowed_lateness" ? spec.allowed_lateness : spec.idle_timeout).set(*ms, where);
    } else if (key == "late_rows") {
      for (LateRows mode : enum_values<LateRows>()) {
        if (setting.is_string() && setting.get<std::string>() == to_string(mode))
          spec.late_rows.set(mode, where);
      }
      if (!spec.late_rows.present) {
        diagnostics.error(where, "watermark.late_rows must be drop, dlq or fail, not " + json_text(setting));
        return std::nullopt;
      }
    } else {
      diagnostics.error(where, "unknown watermark setting '" + key + "'",
                        "watermark takes allowed_lateness, idle_timeout and late_rows");
      return std::nullopt;
    }
  }
  return spec;
}

// The plan's watermark from a `watermark:` written by `origin`.
Decided<WatermarkStep> watermark_step(const WatermarkSpec& spec, const std::string& origin) {
  WatermarkStep step;
  step.configured = true;
  step.allowed_lateness_ms = spec.allowed_lateness.value;
  step.idle_timeout_ms = spec.idle_timeout.present ? spec.idle_timeout.value : 0;
  step.late_rows = spec.late_rows.value;
  std::string reason = origin + ": allowed_lateness " +
                       (step.allowed_lateness_ms ? format_duration_ms(step.allowed_lateness_ms) : "0");
  if (step.idle_timeout_ms) reason += ", idle_timeout " + format_duration_ms(step.idle_timeout_ms);
  Decided<WatermarkStep> decided;
  decided.set(step, reason + "; late rows: " + to_string(step.late_rows));
  return decided;
}

// The aggregation's own watermark, else the one of the streams in `feeding` that sets one
// (two that do are an error), else none.
std::optional<Decided<WatermarkStep>> own_or_streams_watermark(const PhysicalPlan& plan, NodeId id,
                                                               const std::vector<NodeId>& feeding,
                                                               DiagnosticEngine& diagnostics) {
  const Config& config = plan.step<TransformStep>(id).config;
  if (config.has("watermark")) {
    std::optional<WatermarkSpec> own = config_watermark(config, diagnostics);
    if (!own) return std::nullopt;
    return watermark_step(*own, "the aggregation's watermark");
  }
  const StreamSpec* chosen = nullptr;
  for (NodeId source : feeding) {
    const StreamSpec& stream = plan.graph.node(source).source().stream;
    if (!stream.watermark.present()) continue;
    if (chosen != nullptr) {
      diagnostics.error(plan.graph.node(id).transform().spec.where,
                        "streams \"" + chosen->name.value + "\" and \"" + stream.name.value +
                            "\" both set a watermark for this windowed aggregation",
                        "set one watermark: in the sql transform's config, next to its query");
      return std::nullopt;
    }
    chosen = &stream;
  }
  if (chosen != nullptr)
    return watermark_step(chosen->watermark, "stream \"" + chosen->name.value + "\"'s watermark");
  Decided<WatermarkStep> none;
  none.set(WatermarkStep{},
           "none configured: every window closes when the input ends, so the result is the "
           "batch GROUP BY whatever the row order");
  return none;
}

// The watermark of the aggregation `id`: its own, else that of the streams feeding it (they
// must agree), else none: windows then close when the input ends. Nullopt after an error.
std::optional<Decided<WatermarkStep>> watermark_of(const PhysicalPlan& plan, NodeId id,
                                                   DiagnosticEngine& diagnostics) {
  const std::vector<NodeId> feeding = feeding_sources(plan, id);
  std::optional<Decided<WatermarkStep>> decided = own_or_streams_watermark(plan, id, feeding, diagnostics);
  if (decided) decided->value.sources.assign(feeding.begin(), feeding.end());
  return decided;
}

// Puts a hash router on the edge into `id`, splitting rows by the group keys into `lanes`.
NodeId insert_router(PhysicalPlan& plan, NodeId id, const std::vector<std::string>& keys, int lanes,
                     const std::string& event_time) {
  LogicalGraph& graph = plan.graph;
  RouterNode router;
  router.mode = RouterNode::Mode::hash;
  router.keys = keys;
  router.partitions = lanes;
  router.where = graph.node(id).where();
  std::vector<NodeId> inputs = graph.predecessors(id);
  NodeId added = graph.add_node(NodeKind::router, graph.node(id).stream, router);
  graph.node(added).remarks.push_back("inserted by the aggregation pass: hashes the group keys into " +
                                      std::to_string(lanes) + " lanes");
  for (NodeId input : inputs) {
    graph.remove_edge(input, id);
    graph.add_edge(input, added);
  }
  graph.add_edge(added, id);
  RouterStep step;
  step.mode = router.mode;
  step.keys = keys;
  step.event_time = event_time;
  step.concurrency.set(plan.parallelism->effective, "stateless: up to effective_parallelism " +
                                                        std::to_string(plan.parallelism->effective) +
                                                        " batches at once");
  plan.steps.push_back(step);
  return added;
}

}  // namespace

Status AggregationPass::run(PhysicalPlan& plan, PassContext& context) {
  if (!plan.parallelism) return Status::internal("aggregation runs after concurrency");
  const AggregationSpec& pin = plan.graph.info.resources.aggregation;
  const auto& max_state = plan.graph.info.resources.max_state_bytes;
  for (NodeId id : plan.graph.topological_order()) {
    if (plan.graph.node(id).kind != NodeKind::transform) continue;
    const OperatorSpec* spec = find_operator_spec(plan.step<TransformStep>(id).op);
    if (spec == nullptr || spec->aggregation == nullptr) continue;
    std::optional<QueryShape> shape = spec->aggregation(plan.step<TransformStep>(id).config);
    if (!shape) continue;

    AggregationStep step;
    step.group_keys = shape->group_keys;
    step.emit_changes = shape->emit_changes;
    const Config& config = plan.step<TransformStep>(id).config;
    if (!shape->window.empty()) {
      std::optional<Decided<WatermarkStep>> watermark = watermark_of(plan, id, context.diagnostics);
      if (!watermark) return Status::ok();
      step.window = WindowStep{shape->window, shape->window_time, *watermark};
    } else if (config.has("watermark")) {
      context.diagnostics.error(config.range_of("watermark"),
                                "watermark applies to a windowed aggregation, and this query has no WINDOW",
                                "add WINDOW TUMBLING(time, size) after GROUP BY, or drop the watermark");
      return Status::ok();
    }
    if (max_state.present) {
      step.max_state_bytes.set(max_state.value, "resources.max_state_bytes");
    } else {
      step.max_state_bytes.set(half_the_memory(), "default: half the machine's memory");
    }
    const std::string why_not_merge = cannot_merge(*shape);
    const std::string why_not_hash = cannot_hash(*shape);

    // The program's own hash router, right before the aggregation.
    std::vector<NodeId> inputs = plan.graph.predecessors(id);
    if (inputs.size() == 1 && plan.graph.node(inputs[0]).kind == NodeKind::router &&
        plan.graph.node(inputs[0]).router().mode == RouterNode::Mode::hash) {
      const RouterNode& router = plan.graph.node(inputs[0]).router();
      std::vector<std::string> grouped;
      for (const auto& key : shape->group_keys) grouped.push_back(normalized(key));
      for (const auto& key : router.keys) {
        if (std::find(grouped.begin(), grouped.end(), normalized(key)) != grouped.end()) continue;
        context.diagnostics.error(
            router.where,
            "the rows reach this aggregation split by hash(" + join(router.keys) + "), but '" + key +
                "' is not a GROUP BY key (" + (grouped.empty() ? "none" : join(shape->group_keys)) +
                "): rows of one group would land in several lanes and be aggregated apart",
            "route by a subset of the GROUP BY keys, or drop the route and let the compiler choose");
        return Status::ok();
      }
      step.strategy.set(AggregationStrategy::hash,
                        "the program routes by hash(" + join(router.keys) + ") into " +
                            std::to_string(router.partitions) +
                            " lanes, a subset of the group keys: each lane owns its groups");
      step.lanes.set(std::max(1, router.partitions), "the program's route");
      step.router = inputs[0];
      if (step.window) plan.step<RouterStep>(inputs[0]).event_time = step.window->time;
      plan.step<TransformStep>(id).aggregation = step;
      continue;
    }

    const int effective = plan.parallelism->effective;
    const int lanes = pin.lanes.present ? static_cast<int>(pin.lanes.value) : effective;
    const std::string lanes_reason = pin.lanes.present ? "pinned by resources.aggregation.lanes"
                                                       : "effective_parallelism " + std::to_string(effective);
    const int arriving = arriving_lanes(plan, id);
    if (pin.strategy.present) {
      AggregationStrategy pinned = pin.strategy.value;
      std::string refused = pinned == AggregationStrategy::hash        ? why_not_hash
                            : pinned == AggregationStrategy::two_phase ? why_not_merge
                                                                       : "";
      if (!refused.empty()) {
        context.diagnostics.error(pin.strategy.where,
                                  std::string("aggregation.strategy ") + to_string(pinned) + " cannot run '" +
                                      plan.graph.node(id).transform().spec.use.value + "' here: " + refused);
        return Status::ok();
      }
      step.strategy.set(pinned, "pinned by resources.aggregation.strategy");
    } else if (lanes <= 1) {
      step.strategy.set(AggregationStrategy::single, "one lane: " + lanes_reason);
    } else if (!why_not_merge.empty() && !why_not_hash.empty()) {
      step.strategy.set(AggregationStrategy::single, why_not_merge + "; " + why_not_hash);
    } else if (!why_not_hash.empty()) {
      step.strategy.set(AggregationStrategy::two_phase,
                        why_not_hash + ": each arriving lane pre-aggregates, one merge at the end");
    } else if (!why_not_merge.empty()) {
      step.strategy.set(AggregationStrategy::hash,
                        why_not_merge + ": a router hashes the group keys into lanes");
    } else if (arriving >= lanes) {
      step.strategy.set(AggregationStrategy::two_phase,
                        "the rows already arrive in " + std::to_string(arriving) +
                            " lanes: each pre-aggregates what it gets and one merge per key at the end "
                            "needs no shuffle");
    } else {
      step.strategy.set(AggregationStrategy::hash,
                        "the rows arrive in " + std::to_string(arriving) + " lane" +
                            (arriving == 1 ? "" : "s") + ": a router hashes the group keys into " +
                            std::to_string(lanes) + " lanes, each owning its groups");
    }
    switch (step.strategy.value) {
      case AggregationStrategy::hash:
        step.lanes.set(std::max(1, lanes), lanes_reason);
        step.router = insert_router(plan, id, shape->group_keys, step.lanes.value,
                                    step.window ? step.window->time : std::string());
        break;
      case AggregationStrategy::two_phase: break;  // the lanes pass: one partial state per arriving lane
      case AggregationStrategy::single: step.lanes.set(1, "one copy sees every row"); break;
    }
    plan.step<TransformStep>(id).aggregation = step;
  }
  return Status::ok();
}

}  // namespace rbc
