// concurrency: first the hard bounds (a file has one writer, a stateful operator runs
// serially, only eligible streams fan out), then the heuristic or a pin picks inside
// them; every choice is stored on its node's step with the reason. Each step also gets
// what its node reads, computes or writes, from the settled pipeline model, so that the
// runtime never reads the pipeline itself. Records the autotuner's candidate sets
// (docs/autotune.md) so that `rbc compile` shows them.
#include <algorithm>
#include <cmath>

#include "compiler/passes/passes.h"
#include "connectors/specs/connector_specs.h"
#include "graph/units.h"
#include "operators/operator_specs.h"

namespace rbc {
namespace {

// For every node, the destination whose options the source and the operators of a stream
// work under (on_data_error, the dead-letter file): that of the first sink (by id) the
// node feeds, or none. One pass in reverse dependency order, not a walk downstream from
// every node, which took quadratic time on a long chain.
std::vector<const DestinationSpec*> first_destinations(const LogicalGraph& graph) {
  const auto none = static_cast<NodeId>(graph.node_count());
  std::vector<NodeId> first_sink(graph.node_count(), none);
  std::vector<NodeId> order = graph.topological_order();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    for (NodeId next : graph.successors(*it)) {
      NodeId here = graph.node(next).kind == NodeKind::sink ? next : none;
      first_sink[*it] = std::min({first_sink[*it], here, first_sink[next]});
    }
  }
  std::vector<const DestinationSpec*> destinations(graph.node_count(), nullptr);
  for (NodeId id = 0; id < graph.node_count(); ++id) {
    if (first_sink[id] != none) destinations[id] = &graph.node(first_sink[id]).sink().destination;
  }
  return destinations;
}

std::string dlq_path_of(const PipelineInfo& info, const DestinationSpec* destination) {
  if (destination != nullptr && destination->dlq_path.present && !destination->dlq_path.value.empty())
    return destination->dlq_path.value;
  return info.name.value + ".dlq.jsonl";
}

void plan_source(PhysicalPlan& plan, NodeId id, const DestinationSpec* destination) {
  const ParallelismDecision& decision = *plan.parallelism;
  const PipelineInfo& info = plan.graph.info;
  const AutotuneSpec& autotune = info.resources.autotune;
  const SourceNode& source = plan.graph.node(id).source();
  SourceStep& step = plan.step<SourceStep>(id);
  step.connector = source.connector.use.value;
  step.config = source.connector.config;
  const ConnectorSpec* connector = find_connector_spec(step.connector);
  step.partitioned_reads = connector != nullptr && connector->partitioned_reads;
  step.stream = source.stream.name.value;
  step.sync_mode = source.stream.sync_mode.value;
  step.columns = source.stream.columns.value;
  step.declared_schema = source.stream.declared_schema;
  step.partition_key = source.stream.partition_key.value;
  step.cursor_field = source.stream.cursor_field.value;
  step.tie_breaker_field = source.stream.tie_breaker_field.value;
  if (destination != nullptr) step.on_data_error = destination->on_data_error.value;
  if (destination != nullptr) step.schema_evolution = destination->schema_evolution.value;
  step.dlq_path = dlq_path_of(info, destination);
  step.max_batch_bytes = std::max<int64_t>(1, info.resources.max_batch_bytes.value);
  step.max_inflight_batches =
      static_cast<int>(std::max<int64_t>(1, info.resources.max_inflight_batches.value));

  if (step.eligible.value_or(false)) {
    if (autotune.pin_parallelism.present) {
      step.partitions.set(static_cast<int>(autotune.pin_parallelism.value),
                          "pinned by autotune.pin_parallelism");
    } else if (decision.manual) {
      // The user's number, as written: not capped by the cores (docs/passes.md, Sources).
      step.partitions.set(decision.effective, "partition-eligible: parallelism " +
                                                  std::to_string(decision.effective) +
                                                  " as written (manual), whatever the core count");
    } else {
      step.partitions.set(std::min(decision.per_stream_target, decision.effective),
                          "partition-eligible: min(per_stream_target " +
                              std::to_string(decision.per_stream_target) + ", effective_parallelism " +
                              std::to_string(decision.effective) + ")");
    }
    if (!step.split.empty()) {  // a file: its partitions are readers of its chunks
      const int readers = step.partitions.value;
      step.partitions.reason = step.split + " is cut into record-aligned chunks, parsed by " +
                               std::to_string(readers) + (readers == 1 ? " reader" : " readers") + " (" +
                               step.partitions.reason + ")";
    }
  } else {
    step.partitions.set(1, "one reader: " + step.eligibility_reason);
  }
  if (!step.split.empty() && step.eligible.value_or(false)) {
    step.partition_mode.set(PartitionMode::mod, "no key: the readers take the chunks in file order");
  } else if (autotune.pin_source_partition_mode.present) {
    step.partition_mode.set(autotune.pin_source_partition_mode.value,
                            "pinned by autotune.pin_source_partition_mode");
  } else {
    step.partition_mode.set(PartitionMode::mod, step.eligible.value_or(false)
                                                    ? "default: mod(key, N) = i needs no key bounds"
                                                    : "default (one reader reads everything)");
  }
}

void plan_transform(PhysicalPlan& plan, NodeId id, const DestinationSpec* destination) {
  const PipelineInfo& info = plan.graph.info;
  const TransformSpec& spec = plan.graph.node(id).transform().spec;
  TransformStep& step = plan.step<TransformStep>(id);
  step.op = spec.use.value;
  step.config = spec.config;
  if (destination != nullptr) step.on_data_error = destination->on_data_error.value;
  step.dlq_path = dlq_path_of(info, destination);

  const OperatorSpec* operator_spec = find_operator_spec(step.op);
  std::string keeps_state =
      operator_spec != nullptr && operator_spec->keeps_state ? operator_spec->keeps_state(spec.config) : "";
  if (!keeps_state.empty()) {
    step.stateful.set(true, keeps_state);
    step.concurrency.set(1, "serial: " + keeps_state);
    plan.graph.node(id).remarks.push_back("runs serially: " + keeps_state);
  } else {
    step.stateful.set(false, "keeps no state across batches");
    const Located<int64_t>& pin = info.resources.autotune.pin_node_concurrency;
    const int effective = plan.parallelism->effective;
    if (pin.present) {
      // The pipeline's workers still bound it: at most effective_parallelism run at once.
      step.concurrency.set(static_cast<int>(pin.value),
                           "pinned by autotune.pin_node_concurrency" +
                               (pin.value > effective ? "; the pipeline runs at most effective_parallelism " +
                                                            std::to_string(effective) + " at once"
                                                      : std::string()));
    } else {
      step.concurrency.set(effective, "stateless: up to effective_parallelism " + std::to_string(effective) +
                                          " batches at once");
    }
  }
}

void plan_router(PhysicalPlan& plan, NodeId id) {
  const RouterNode& router = plan.graph.node(id).router();
  RouterStep& step = plan.step<RouterStep>(id);
  step.mode = router.mode;
  step.keys = router.keys;
  step.predicates = router.predicates;
  step.concurrency.set(plan.parallelism->effective, "stateless: up to effective_parallelism " +
                                                        std::to_string(plan.parallelism->effective) +
                                                        " batches at once");
}

// A flush threshold the user chose: autotune.pin_copy_flush_bytes, else the destination's
// own copy_flush_bytes (clamped as the writers clamp it).
std::optional<std::pair<int64_t, std::string>> flush_pin(const PhysicalPlan& plan,
                                                         const DestinationSpec& destination) {
  const auto& pin = plan.graph.info.resources.autotune.pin_copy_flush_bytes;
  if (pin.present) return std::make_pair(pin.value, std::string("pinned by autotune.pin_copy_flush_bytes"));
  auto it = destination.connector.config.values.find("copy_flush_bytes");
  if (it == destination.connector.config.values.end()) return std::nullopt;
  std::optional<int64_t> bytes;
  if (it->is_number()) bytes = static_cast<int64_t>(it->get<double>());
  if (it->is_string()) bytes = parse_byte_size(it->get<std::string>());
  if (!bytes) return std::nullopt;
  return std::make_pair(std::clamp<int64_t>(*bytes, 4096, int64_t{32} << 20),
                        std::string("the destination's copy_flush_bytes"));
}

bool writes_in_parallel(const DestinationSpec& destination) {
  const ConnectorSpec* spec = find_connector_spec(destination.connector.use.value);
  return spec != nullptr && spec->parallel_writes;
}

void plan_sink(PhysicalPlan& plan, NodeId id, int lanes) {
  const PipelineInfo& info = plan.graph.info;
  const SinkNode& sink = plan.graph.node(id).sink();
  const DestinationSpec& destination = sink.destination;
  SinkStep& step = plan.step<SinkStep>(id);
  step.connector = destination.connector.use.value;
  step.config = destination.connector.config;
  step.target = sink.target;
  step.write_mode = destination.write_mode.value;
  step.primary_key = destination.primary_key.value;
  step.on_data_error = destination.on_data_error.value;
  step.schema_evolution = destination.schema_evolution.value;
  step.checkpoint_interval_rows = info.resources.checkpoint_interval_rows.value;
  step.checkpoint_interval_seconds = info.resources.checkpoint_interval_seconds.value;
  step.max_batch_lag_ms = info.resources.max_batch_lag.value;
  step.writes_in_parallel = writes_in_parallel(destination);
  if (step.writes_in_parallel) {
    step.partitions.set(lanes, "one writer per partition, each with its own connection");
    if (auto pin = flush_pin(plan, destination)) {
      step.flush_bytes.set(pin->first, pin->second);
      step.flush_pinned = true;
    } else {
      step.flush_bytes.set(kDefaultCopyFlushBytes, "default");
    }
  } else {
    step.partitions.set(1, "one writer: a " + step.connector + " destination is written in order");
  }
}

// The destinations fed by `source` that several writers load at once (COPY destinations).
std::vector<const DestinationSpec*> parallel_destinations(const LogicalGraph& graph, NodeId source) {
  std::vector<const DestinationSpec*> out;
  for (NodeId id : graph.reachable_from(source)) {
    const LogicalNode& node = graph.node(id);
    if (node.kind == NodeKind::sink && writes_in_parallel(node.sink().destination))
      out.push_back(&node.sink().destination);
  }
  return out;
}

void record_autotune_candidates(PhysicalPlan& plan, NodeId id, const CompileOptions& options) {
  const AutotuneSpec& autotune = plan.graph.info.resources.autotune;
  SourceStep& step = plan.step<SourceStep>(id);
  if (!autotune.enabled.value) {
    step.autotune_note = "disabled (autotune.enabled: false): baseline values";
    return;
  }
  AutotuneCandidates candidates;
  candidates.advise = autotune.mode.value == AutotuneMode::advise || options.advise;
  // An eligible stream is read in windows of its key; a split file's key is its records'
  // ordinal (docs/autotune.md, Files).
  if (step.eligible.value_or(false)) {
    if (autotune.pin_parallelism.present) {
      candidates.parallelism = {autotune.pin_parallelism.value};
      candidates.pinned.push_back("parallelism");
    } else {
      // P0: the plan's partitions (with `parallelism: N`, N). A manual N above the core cap
      // is the most the tuner tries: the user asked for that many, not for more.
      int64_t p0 = step.partitions.value;
      int64_t cap = std::max<int64_t>(plan.parallelism->cap, plan.parallelism->manual ? p0 : 0);
      candidates.parallelism = {std::max<int64_t>(1, p0 / 2), p0,
                                std::min<int64_t>(cap, std::llround(static_cast<double>(p0) * 1.5))};
      std::sort(candidates.parallelism.begin(), candidates.parallelism.end());
      candidates.parallelism.erase(std::unique(candidates.parallelism.begin(), candidates.parallelism.end()),
                                   candidates.parallelism.end());
    }
    if (!step.split.empty()) {
      candidates.partition_mode = {PartitionMode::mod};  // one: a window's readers claim its chunks in order
    } else if (autotune.pin_source_partition_mode.present) {
      candidates.partition_mode = {autotune.pin_source_partition_mode.value};
      candidates.pinned.push_back("partition_mode");
    } else {
      candidates.partition_mode = {PartitionMode::mod, PartitionMode::range};
    }
  }
  auto destinations = parallel_destinations(plan.graph, id);
  if (!destinations.empty()) {
    if (auto pin = flush_pin(plan, *destinations.front())) {
      candidates.copy_flush_bytes = {pin->first};
      candidates.pinned.push_back("copy_flush_bytes");
    } else {
      candidates.copy_flush_bytes = {int64_t{4} << 20, int64_t{8} << 20, int64_t{16} << 20};
    }
  }
  bool something_to_tune = candidates.parallelism.size() > 1 || candidates.partition_mode.size() > 1 ||
                           candidates.copy_flush_bytes.size() > 1;
  if (!something_to_tune) {
    step.autotune_note =
        candidates.pinned.empty()
            ? "nothing to tune: " + (!step.eligibility_reason.empty() ? step.eligibility_reason
                                                                      : std::string("no knob applies"))
            : "nothing to tune: every knob is pinned";
  }
  step.autotune = std::move(candidates);
}

// A probed stream's stateless transforms that no other stream feeds get their batches at
// once as a knob: {max(1, c/2), c, min(cap, round(1.5 c))} around the planned c (a manual
// c above the cap is the most tried). The stream must be read in key windows.
void record_node_concurrency_candidates(PhysicalPlan& plan) {
  const LogicalGraph& graph = plan.graph;
  std::vector<int> sources_reaching(graph.node_count(), 0);
  for (NodeId source : graph.nodes_of_kind(NodeKind::source)) {
    for (NodeId id : graph.reachable_from(source)) ++sources_reaching[id];
  }
  for (NodeId source : graph.nodes_of_kind(NodeKind::source)) {
    SourceStep& step = plan.step<SourceStep>(source);
    if (!step.autotune || step.autotune->partition_mode.empty()) continue;  // no key windows
    int64_t c = 0;
    for (NodeId id : graph.reachable_from(source)) {
      if (graph.node(id).kind != NodeKind::transform || sources_reaching[id] != 1) continue;
      const TransformStep& transform = plan.step<TransformStep>(id);
      if (!transform.stateful.value) c = std::max<int64_t>(c, transform.concurrency.value);
    }
    if (c == 0) continue;
    if (graph.info.resources.autotune.pin_node_concurrency.present) {
      step.autotune->pinned.push_back("node_concurrency");
      continue;
    }
    const int64_t cap = std::max<int64_t>(plan.parallelism->cap, c);
    std::vector<int64_t>& n = step.autotune->node_concurrency;
    n = {std::max<int64_t>(1, c / 2), c, std::min<int64_t>(cap, std::llround(static_cast<double>(c) * 1.5))};
    std::sort(n.begin(), n.end());
    n.erase(std::unique(n.begin(), n.end()), n.end());
    if (n.size() > 1 && step.autotune_note == "nothing to tune: every knob is pinned")
      step.autotune_note.clear();
  }
}

}  // namespace

Status ConcurrencyPass::run(PhysicalPlan& plan, PassContext& context) {
  if (!plan.parallelism) return Status::internal("concurrency runs after parallelism");
  const LogicalGraph& graph = plan.graph;
  std::vector<int> lanes(graph.node_count(), 1);  // the stream slices each node sees
  const std::vector<const DestinationSpec*> destinations = first_destinations(graph);
  for (NodeId id : graph.topological_order()) {
    for (NodeId pred : graph.predecessors(id)) {
      // A hash router's outputs are its own lanes: each downstream partition owns its keys.
      const LogicalNode& input = graph.node(pred);
      bool hash_router = input.kind == NodeKind::router && input.router().mode == RouterNode::Mode::hash;
      lanes[id] = std::max(lanes[id], hash_router ? std::max(1, input.router().partitions) : lanes[pred]);
    }
    switch (graph.node(id).kind) {
      case NodeKind::source:
        plan_source(plan, id, destinations[id]);
        lanes[id] = plan.step<SourceStep>(id).partitions.value;
        record_autotune_candidates(plan, id, context.options);
        break;
      case NodeKind::transform: plan_transform(plan, id, destinations[id]); break;
      case NodeKind::router: plan_router(plan, id); break;
      case NodeKind::sink: plan_sink(plan, id, lanes[id]); break;
    }
  }
  record_node_concurrency_candidates(plan);
  return Status::ok();
}

}  // namespace rbc
