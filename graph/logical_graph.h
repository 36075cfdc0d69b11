// The logical dataflow graph: source, transform, router and sink nodes joined by edges,
// stored in a Boost.Graph adjacency list behind rbc's own API. Node ids are stable
// integers in insertion order, so every dump of a graph is byte-identical across runs.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "graph/pipeline_model.h"

namespace rbc {

enum class NodeKind { source, transform, router, sink };
const char* to_string(NodeKind kind);

using NodeId = uint32_t;

struct SourceNode {
  ConnectorRef connector;
  StreamSpec stream;
};

struct TransformNode {
  TransformSpec spec;
};

struct RouterNode {
  enum class Mode { hash, predicate };
  Mode mode = Mode::hash;
  std::vector<std::string> keys;                                // hash mode: key columns
  int partitions = 1;                                           // hash mode: number of outputs
  std::vector<std::pair<std::string, std::string>> predicates;  // predicate mode: (output, condition)
  std::vector<SourceRange> predicate_where;                     // where each condition was written
  SourceRange where;
};

struct SinkNode {
  DestinationSpec destination;
  std::string target;  // destination table or file stem (the stream name for YAML pipelines)
};

struct LogicalNode {
  NodeId id = 0;
  NodeKind kind = NodeKind::source;
  std::string stream;  // the stream this node belongs to
  std::variant<SourceNode, TransformNode, RouterNode, SinkNode> body;
  // Why a pass declined something for this node ("not partition-eligible: ...").
  std::vector<std::string> remarks;

  const SourceNode& source() const { return std::get<SourceNode>(body); }
  const TransformNode& transform() const { return std::get<TransformNode>(body); }
  const RouterNode& router() const { return std::get<RouterNode>(body); }
  const SinkNode& sink() const { return std::get<SinkNode>(body); }
  SourceRange where() const;
};

struct LogicalEdge {
  std::string label;  // router output name; empty for plain edges
};

class LogicalGraph {
 public:
  PipelineInfo info;

  NodeId add_node(NodeKind kind, std::string stream,
                  std::variant<SourceNode, TransformNode, RouterNode, SinkNode> body);
  void add_edge(NodeId from, NodeId to, std::string label = {});
  void remove_edge(NodeId from, NodeId to);

  size_t node_count() const { return boost::num_vertices(graph_); }
  const LogicalNode& node(NodeId id) const { return graph_[id]; }
  LogicalNode& node(NodeId id) { return graph_[id]; }
  std::vector<NodeId> node_ids() const;
  std::vector<NodeId> nodes_of_kind(NodeKind kind) const;

  struct Edge {
    NodeId from;
    NodeId to;
    std::string label;
  };
  // Edges sorted by (from, to), so printers are deterministic.
  std::vector<Edge> edges() const;
  std::vector<NodeId> successors(NodeId id) const;
  std::vector<NodeId> predecessors(NodeId id) const;
  // Every node reachable from `id` (excluding `id`), in id order.
  std::vector<NodeId> reachable_from(NodeId id) const;
  // Most transform nodes on any path from a source to a sink.
  int longest_transform_chain() const;
  // Nodes in dependency order (stable: ties broken by id); empty if the graph has a cycle.
  std::vector<NodeId> topological_order() const;

 private:
  using Graph =
      boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, LogicalNode, LogicalEdge>;
  Graph graph_;
};

}  // namespace rbc
