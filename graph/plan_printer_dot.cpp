// The Graphviz DOT plan, for review pictures: one cluster per stream, a node's parallel
// copies under its label.
#include <algorithm>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "graph/plan_printer.h"
#include "graph/plan_printer_internal.h"
#include "graph/redact.h"

namespace rbc {
namespace {

using plan_printing::join;

// "× 4 readers" and the like: the parallel copies a node runs, once decided.
std::string dot_counts(const Step& step) {
  auto copies = [](int n, const char* what) {
    return n > 1 ? "\n× " + std::to_string(n) + " " + what : std::string();
  };
  std::string text;
  if (const auto* source = std::get_if<SourceStep>(&step)) {
    if (source->readers.decided())
      text = copies(source->readers.value, "readers");
    else if (source->partitions.decided())
      text = copies(source->partitions.value, "partitions");
    if (source->tuned.value) text += "\nautotuned";
    if (source->chunks_in_order.value) text += "\nchunks in file order";
  } else if (const auto* transform = std::get_if<TransformStep>(&step)) {
    if (transform->copies.decided()) text = copies(transform->copies.value, "copies");
    if (transform->concurrency.decided())
      text += "\nconcurrency " + std::to_string(transform->concurrency.value);
    if (transform->aggregation && transform->aggregation->strategy.decided())
      text += std::string("\naggregation ") + to_string(transform->aggregation->strategy.value);
    if (transform->aggregation && transform->aggregation->window)
      text += "\nwindow " + transform->aggregation->window->window;
  } else if (const auto* router = std::get_if<RouterStep>(&step)) {
    if (router->outputs.decided()) text = copies(router->outputs.value, "lanes");
    if (router->concurrency.decided()) text += "\nconcurrency " + std::to_string(router->concurrency.value);
  } else if (const auto* sink = std::get_if<SinkStep>(&step)) {
    if (sink->writers.decided())
      text = copies(sink->writers.value, "writers");
    else if (sink->partitions.decided())
      text = copies(sink->partitions.value, "partitions");
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
          // append() rather than "\n" + ...: GCC 12 at -O3 warns (-Wrestrict) on the latter.
          if (spec.config.has("query")) text.append("\n").append(shorten(spec.config.string_or("query", "")));
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
      text.insert(0, "%" + std::to_string(id).append(" "));
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
