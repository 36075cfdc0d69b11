// Runs a transform step: its operator copies (one, or one per hash lane when it owns
// keys' state), each batch through the copy of its lane.
#pragma once

#include <memory>
#include <vector>

#include "operators/operator.h"
#include "operators/runtime/run_context.h"

namespace rbc {

class TransformRunner final : public NodeRunner {
 public:
  TransformRunner(RunContext& run, NodeId id)
      : NodeRunner(id), run_(run), step_(run.plan().step<TransformStep>(id)) {}

  const TransformStep& step() const { return step_; }
  // Builds the plan's copies of the operator over `input`.
  Status prepare(std::shared_ptr<const Schema> input);
  // Runs copy `copy` on the batch and emits the result.
  void process(int copy, const Msg& envelope);
  uint64_t rejected_rows() const override;

 private:
  RunContext& run_;
  const TransformStep& step_;
  std::vector<std::unique_ptr<Operator>> copies_;
};

}  // namespace rbc
