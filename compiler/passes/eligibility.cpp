// eligibility: a stream is partition-eligible iff its source supports partitioned reads
// (or its input is large enough to cut into chunks for several readers: a file), its
// sync_mode is full_refresh and no sink it feeds writes with write_mode replace.
#include "compiler/passes/passes.h"
#include "connectors/specs/connector_specs.h"

namespace rbc {

std::string partition_ineligibility_reason(const LogicalGraph& graph, NodeId source_id, std::string* split) {
  const SourceNode& source = graph.node(source_id).source();
  const ConnectorSpec* spec = find_connector_spec(source.connector.use.value);
  if (spec != nullptr && !spec->partitioned_reads && spec->split_reads != nullptr) {
    ConnectorSpec::Split cut = spec->split_reads(source.connector.config, source.stream.name.value,
                                                 graph.info.resources.max_batch_bytes.value);
    if (!cut.splits) return cut.why;
    if (split != nullptr) *split = cut.why;
  } else if (spec == nullptr || !spec->partitioned_reads) {
    return "source '" + source.connector.use.value + "' does not support partitioned reads";
  }
  if (source.stream.sync_mode.value != SyncMode::full_refresh) {
    return std::string("sync_mode is ") + to_string(source.stream.sync_mode.value);
  }
  for (NodeId id : graph.reachable_from(source_id)) {
    const LogicalNode& node = graph.node(id);
    if (node.kind == NodeKind::sink && node.sink().destination.write_mode.value == WriteMode::replace) {
      return "write_mode is replace";
    }
  }
  return {};
}

Status EligibilityPass::run(PhysicalPlan& plan, PassContext& /*context*/) {
  for (NodeId id : plan.graph.nodes_of_kind(NodeKind::source)) {
    std::string split;
    std::string reason = partition_ineligibility_reason(plan.graph, id, &split);
    SourceStep& step = plan.step<SourceStep>(id);
    step.eligible = reason.empty();
    step.eligibility_reason = reason;
    step.split = reason.empty() ? split : "";
    if (!reason.empty()) plan.graph.node(id).remarks.push_back("not partition-eligible: " + reason);
    // The plan still says what the stream reads (how many files a glob matched).
    if (!reason.empty() && !split.empty()) plan.graph.node(id).remarks.push_back("input: " + split);
  }
  return Status::ok();
}

}  // namespace rbc
