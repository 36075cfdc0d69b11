// concurrency: first the hard bounds (a file has one writer, a stateful operator runs
// serially, only eligible streams fan out), then the heuristic or a pin picks inside
// them; every choice is stored on its node with the reason. Also records the
// autotuner's candidate sets (SPEC section 4) so that `rbc compile` shows them.
#include <algorithm>
#include <cmath>

#include "compiler/passes/passes.h"
#include "connectors/specs/connector_specs.h"
#include "graph/units.h"

namespace rbc {
namespace {

// Keeps state across batches, so it must see every row of its stream in one place.
bool is_stateful(const TransformSpec& spec) {
  if (spec.use.value != "validate") return false;
  const auto& rules = spec.config.values.find("rules");
  if (rules == spec.config.values.end() || !rules->is_array()) return false;
  return std::any_of(rules->begin(), rules->end(), [](const nlohmann::json& rule) {
    return rule.is_object() && rule.contains("assert_unique");
  });
}

void plan_source(PhysicalPlan& plan, NodeId id) {
  const ParallelismDecision& decision = *plan.parallelism;
  const AutotuneSpec& autotune = plan.graph.info.resources.autotune;
  NodePlan& node = plan.at(id);
  if (node.partition_eligible.value_or(false)) {
    if (autotune.pin_parallelism.present) {
      node.partitions = static_cast<int>(autotune.pin_parallelism.value);
      node.concurrency_reason = "pinned by autotune.pin_parallelism; at most effective_parallelism " +
                                std::to_string(decision.effective) + " run at once";
    } else {
      node.partitions = std::min(decision.per_stream_target, decision.effective);
      node.concurrency_reason = "partition-eligible: min(per_stream_target " +
                                std::to_string(decision.per_stream_target) + ", effective_parallelism " +
                                std::to_string(decision.effective) + ")";
    }
  } else {
    node.partitions = 1;
    node.concurrency_reason = "one reader: " + node.eligibility_reason;
  }
  node.concurrency = node.partitions;
  if (autotune.pin_source_partition_mode.present)
    node.partition_mode = autotune.pin_source_partition_mode.value;
}

void plan_transform(PhysicalPlan& plan, NodeId id, int partitions) {
  NodePlan& node = plan.at(id);
  node.partitions = partitions;
  if (is_stateful(plan.graph.node(id).transform().spec)) {
    node.concurrency = 1;
    node.concurrency_reason = "serial: assert_unique keeps state across batches";
    plan.graph.node(id).remarks.push_back("runs serially: assert_unique keeps state across batches");
  } else {
    node.concurrency = plan.parallelism->effective;
    node.concurrency_reason = "stateless: up to effective_parallelism batches at once";
  }
}

void plan_router(PhysicalPlan& plan, NodeId id, int partitions) {
  NodePlan& node = plan.at(id);
  node.partitions = partitions;
  node.concurrency = plan.parallelism->effective;
  node.concurrency_reason = "stateless: up to effective_parallelism batches at once";
}

// A flush threshold the user chose: autotune.pin_copy_flush_bytes, else the destination's
// own copy_flush_bytes (clamped as the writers clamp it).
std::optional<int64_t> flush_pin(const PhysicalPlan& plan, const DestinationSpec& destination) {
  const auto& pin = plan.graph.info.resources.autotune.pin_copy_flush_bytes;
  if (pin.present) return pin.value;
  auto it = destination.connector.config.values.find("copy_flush_bytes");
  if (it == destination.connector.config.values.end()) return std::nullopt;
  std::optional<int64_t> bytes;
  if (it->is_number()) bytes = static_cast<int64_t>(it->get<double>());
  if (it->is_string()) bytes = parse_byte_size(it->get<std::string>());
  if (!bytes) return std::nullopt;
  return std::clamp<int64_t>(*bytes, 4096, int64_t{32} << 20);
}

void plan_sink(PhysicalPlan& plan, NodeId id, int partitions) {
  const DestinationSpec& destination = plan.graph.node(id).sink().destination;
  const ConnectorSpec* spec = find_connector_spec(destination.connector.use.value);
  NodePlan& node = plan.at(id);
  if (spec != nullptr && spec->parallel_writes) {
    node.partitions = partitions;
    node.concurrency = partitions;
    node.concurrency_reason = "one writer per partition, each with its own connection";
    if (auto pin = flush_pin(plan, destination)) {
      node.copy_flush_bytes = *pin;
      node.copy_flush_pinned = true;
    }
  } else {
    node.partitions = 1;
    node.concurrency = 1;
    node.concurrency_reason =
        "one writer: a " + destination.connector.use.value + " destination is written in order";
  }
}

// The destinations fed by `source` that several writers load at once (COPY destinations).
std::vector<const DestinationSpec*> parallel_destinations(const LogicalGraph& graph, NodeId source) {
  std::vector<const DestinationSpec*> out;
  for (NodeId id : graph.reachable_from(source)) {
    const LogicalNode& node = graph.node(id);
    if (node.kind != NodeKind::sink) continue;
    const ConnectorSpec* spec = find_connector_spec(node.sink().destination.connector.use.value);
    if (spec != nullptr && spec->parallel_writes) out.push_back(&node.sink().destination);
  }
  return out;
}

void record_autotune_candidates(PhysicalPlan& plan, NodeId id) {
  const AutotuneSpec& autotune = plan.graph.info.resources.autotune;
  NodePlan& node = plan.at(id);
  if (!autotune.enabled.value) {
    node.autotune_note = "disabled (autotune.enabled: false): baseline values";
    return;
  }
  AutotuneCandidates candidates;
  if (node.partition_eligible.value_or(false)) {
    if (autotune.pin_parallelism.present) {
      candidates.parallelism = {autotune.pin_parallelism.value};
      candidates.pinned.push_back("parallelism");
    } else if (plan.parallelism->manual) {
      // `parallelism: N` is the user's choice too: the tuner keeps the plan's partitions.
      candidates.parallelism = {node.partitions};
      candidates.pinned.push_back("parallelism");
    } else {
      int64_t p0 = node.partitions;
      int64_t cap = plan.parallelism->cap;
      candidates.parallelism = {std::max<int64_t>(1, p0 / 2), p0,
                                std::min<int64_t>(cap, std::llround(static_cast<double>(p0) * 1.5))};
      std::sort(candidates.parallelism.begin(), candidates.parallelism.end());
      candidates.parallelism.erase(std::unique(candidates.parallelism.begin(), candidates.parallelism.end()),
                                   candidates.parallelism.end());
    }
    if (autotune.pin_source_partition_mode.present) {
      candidates.partition_mode = {autotune.pin_source_partition_mode.value};
      candidates.pinned.push_back("partition_mode");
    } else {
      candidates.partition_mode = {PartitionMode::mod, PartitionMode::range};
    }
  }
  auto destinations = parallel_destinations(plan.graph, id);
  if (!destinations.empty()) {
    if (auto pin = flush_pin(plan, *destinations.front())) {
      candidates.copy_flush_bytes = {*pin};
      candidates.pinned.push_back("copy_flush_bytes");
    } else {
      candidates.copy_flush_bytes = {int64_t{4} << 20, int64_t{8} << 20, int64_t{16} << 20};
    }
  }
  bool something_to_tune = candidates.parallelism.size() > 1 || candidates.partition_mode.size() > 1 ||
                           candidates.copy_flush_bytes.size() > 1;
  if (!something_to_tune) {
    node.autotune_note =
        candidates.pinned.empty()
            ? "nothing to tune: " +
                  (node.eligibility_reason.empty() ? std::string("no knob applies") : node.eligibility_reason)
            : "nothing to tune: every knob is pinned";
  }
  node.autotune = std::move(candidates);
}

}  // namespace

Status ConcurrencyPass::run(PhysicalPlan& plan, PassContext& /*context*/) {
  if (!plan.parallelism) return Status::internal("concurrency runs after parallelism");
  const LogicalGraph& graph = plan.graph;
  for (NodeId id : graph.topological_order()) {
    int partitions = 1;
    for (NodeId pred : graph.predecessors(id)) {
      // A hash router's outputs are its own lanes: each downstream partition owns its keys.
      const LogicalNode& input = graph.node(pred);
      bool hash_router = input.kind == NodeKind::router && input.router().mode == RouterNode::Mode::hash;
      partitions = std::max(partitions, hash_router ? input.router().partitions : plan.at(pred).partitions);
    }
    switch (graph.node(id).kind) {
      case NodeKind::source:
        plan_source(plan, id);
        record_autotune_candidates(plan, id);
        break;
      case NodeKind::transform: plan_transform(plan, id, partitions); break;
      case NodeKind::router: plan_router(plan, id, partitions); break;
      case NodeKind::sink: plan_sink(plan, id, partitions); break;
    }
  }
  return Status::ok();
}

}  // namespace rbc
