// LogicalGraph on top of boost::adjacency_list.
#include "graph/logical_graph.h"

#include <algorithm>
#include <queue>
#include <unordered_set>

namespace rbc {

const char* to_string(NodeKind kind) {
  switch (kind) {
    case NodeKind::source: return "source";
    case NodeKind::transform: return "transform";
    case NodeKind::router: return "router";
    case NodeKind::sink: return "sink";
  }
  return "?";
}

SourceRange LogicalNode::where() const {
  switch (kind) {
    case NodeKind::source: return source().stream.where;
    case NodeKind::transform: return transform().spec.where;
    case NodeKind::router: return router().where;
    case NodeKind::sink: return sink().destination.where;
  }
  return {};
}

NodeId LogicalGraph::add_node(NodeKind kind, std::string stream,
                              std::variant<SourceNode, TransformNode, RouterNode, SinkNode> body) {
  auto vertex = boost::add_vertex(graph_);
  LogicalNode& node = graph_[vertex];
  node.id = static_cast<NodeId>(vertex);
  node.kind = kind;
  node.stream = std::move(stream);
  node.body = std::move(body);
  return node.id;
}

void LogicalGraph::remove_edge(NodeId from, NodeId to) { boost::remove_edge(from, to, graph_); }

void LogicalGraph::add_edge(NodeId from, NodeId to, std::string label) {
  boost::add_edge(from, to, LogicalEdge{std::move(label)}, graph_);
}

std::vector<NodeId> LogicalGraph::node_ids() const {
  std::vector<NodeId> ids(node_count());
  for (NodeId i = 0; i < ids.size(); ++i) ids[i] = i;
  return ids;
}

std::vector<NodeId> LogicalGraph::nodes_of_kind(NodeKind kind) const {
  std::vector<NodeId> ids;
  for (NodeId id : node_ids()) {
    if (graph_[id].kind == kind) ids.push_back(id);
  }
  return ids;
}

std::vector<LogicalGraph::Edge> LogicalGraph::edges() const {
  std::vector<Edge> result;
  for (auto [it, end] = boost::edges(graph_); it != end; ++it) {
    result.push_back({static_cast<NodeId>(boost::source(*it, graph_)),
                      static_cast<NodeId>(boost::target(*it, graph_)), graph_[*it].label});
  }
  std::sort(result.begin(), result.end(), [](const Edge& a, const Edge& b) {
    return std::tie(a.from, a.to, a.label) < std::tie(b.from, b.to, b.label);
  });
  return result;
}

std::vector<NodeId> LogicalGraph::successors(NodeId id) const {
  std::vector<NodeId> result;
  for (auto [it, end] = boost::out_edges(id, graph_); it != end; ++it) {
    result.push_back(static_cast<NodeId>(boost::target(*it, graph_)));
  }
  std::sort(result.begin(), result.end());
  return result;
}

std::vector<NodeId> LogicalGraph::predecessors(NodeId id) const {
  std::vector<NodeId> result;
  for (auto [it, end] = boost::in_edges(id, graph_); it != end; ++it) {
    result.push_back(static_cast<NodeId>(boost::source(*it, graph_)));
  }
  std::sort(result.begin(), result.end());
  return result;
}

std::vector<NodeId> LogicalGraph::reachable_from(NodeId id) const {
  // Work in proportion to what is reachable, not to the graph: the .rbc lowering asks
  // once per edge, which made a long chain quadratic.
  std::unordered_set<NodeId> seen;
  std::vector<NodeId> result;
  std::vector<NodeId> stack = successors(id);
  while (!stack.empty()) {
    NodeId next = stack.back();
    stack.pop_back();
    if (!seen.insert(next).second) continue;
    if (next != id) result.push_back(next);
    for (NodeId s : successors(next)) stack.push_back(s);
  }
  std::sort(result.begin(), result.end());
  return result;
}

std::vector<NodeId> LogicalGraph::topological_order() const {
  // Kahn's algorithm with a min-heap so that the order is stable.
  std::vector<size_t> in_degree(node_count(), 0);
  for (const auto& edge : edges()) ++in_degree[edge.to];
  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<>> ready;
  for (NodeId id : node_ids()) {
    if (in_degree[id] == 0) ready.push(id);
  }
  std::vector<NodeId> order;
  while (!ready.empty()) {
    NodeId id = ready.top();
    ready.pop();
    order.push_back(id);
    for (NodeId next : successors(id)) {
      if (--in_degree[next] == 0) ready.push(next);
    }
  }
  if (order.size() != node_count()) return {};
  return order;
}

int LogicalGraph::longest_transform_chain() const {
  std::vector<int> depth(node_count(), 0);  // transforms on the longest path ending at a node
  int longest = 0;
  for (NodeId id : topological_order()) {
    int here = depth[id] + (graph_[id].kind == NodeKind::transform ? 1 : 0);
    longest = std::max(longest, here);
    for (NodeId next : successors(id)) depth[next] = std::max(depth[next], here);
  }
  return longest;
}

}  // namespace rbc
