// Wires the runners into a oneTBB flow graph, one switch over the plan's steps. It only
// builds nodes and edges; what each node does is its runner's, how many there are the plan's.
//
//   source, per reader r:   input_node (tokens) -> limiter_node(max_inflight_batches)
//                           -> function_node(serial) "reader r" calling SourceRunner::read
//   transform:              function_node(concurrency); in order: sequencer -> serial;
//                           one serial function_node per copy when copies own hash lanes,
//                           each behind its own sequencer when in order (lane k of N gets
//                           batches s*N+k: the sequencer orders them by s)
//   router:                 function_node(concurrency) that puts each fragment straight
//                           into the receiver of its lane or named output (a
//                           multifunction_node's ports are fixed at compile time)
//   sink, in order:         sequencer_node -> function_node(serial) writer (or dry-run collector)
//   sink, W writers:        W x function_node(serial), lane l -> writer l % W
//
// Backpressure: a batch exists only while it holds a token that passed its reader's
// limiter_node; the token's ticket decrements the limiter when the last fragment of the
// batch is destroyed (after the sink wrote it). So every reader has at most
// max_inflight_batches batches anywhere in the graph, and a slow sink stalls the readers.
//
// Order: every batch carries a sequence number, contiguous per connected part of the
// graph (SourceStep::sequence_group; a hash router's fragment k of batch s gets s*N+k).
// A sequencer restores read order where the plan says `in order`.
#pragma once

#include <memory>
#include <vector>

#include "operators/runtime/run_context.h"

namespace rbc {

struct FlowGraph {
  std::vector<std::unique_ptr<flow::graph_node>> nodes;  // owned; destroyed before the runners
  std::vector<flow::input_node<Msg>*> inputs;            // activated to start the run
};

void build_flow_graph(flow::graph& graph, RunContext& run, const std::shared_ptr<Gate>& gate, FlowGraph& out);

}  // namespace rbc
