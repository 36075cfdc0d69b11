// The transform runner (transform_runner.h).
#include "operators/runtime/transform_runner.h"

#include "operators/runtime/clock.h"

namespace rbc {

Status TransformRunner::prepare(std::shared_ptr<const Schema> input) {
  OperatorContext context;
  context.pipeline = run_.plan().run.pipeline;
  context.stream = run_.plan().graph.node(id()).stream;
  context.on_data_error = step_.on_data_error;
  context.dlq_path = step_.dlq_path;
  for (int copy = 0; copy < std::max(1, step_.copies.value); ++copy) {
    auto op = make_operator(step_.op, step_.config, input, context);
    if (!op.is_ok()) return op.status();
    if ((*op)->stateful() != step_.stateful.value)
      return Status::internal("the operator's statefulness differs from the plan's");
    copies_.push_back(std::move(op).value());
  }
  output_schema = copies_.front()->output_schema();
  return Status::ok();
}

void TransformRunner::process(int copy, const Msg& envelope) {
  if (run_.stopped()) return;
  int64_t start = now_ns();
  counters.waiting_ns.fetch_add(start - envelope->ready_ns, std::memory_order_relaxed);
  counters.in(envelope->batch);
  try {
    Result<Batch> out = copies_[copy]->process(envelope->batch, BatchInfo{envelope->seq, envelope->lane});
    counters.busy_ns.fetch_add(now_ns() - start, std::memory_order_relaxed);
    if (!out.is_ok()) return run_.fail(id(), envelope->lane, out.status().message());
    envelope->batch = std::move(out).value();
  } catch (const std::exception& e) {
    return run_.fail(id(), envelope->lane, std::string("unexpected exception: ") + e.what());
  }
  run_.emit(*this, envelope);
}

uint64_t TransformRunner::rejected_rows() const {
  uint64_t rows = 0;
  for (const auto& op : copies_) rows += op->rejected_rows();
  return rows;
}

}  // namespace rbc
