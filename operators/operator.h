// The runtime face of a transform: the flow-graph builder only knows Operator, and
// make_operator (operators/operator_specs.cpp) builds one with its spec's `make` hook.
//
// Adding an operator:
//   1. implement it in its own operators/<name>/ folder over Batches, returning Status;
//   2. in that folder, define `const OperatorSpec& <name>_operator_spec()`: config keys,
//      `make` (wrap the implementation in an Operator), `check_types` if the compiler can
//      tell its output schema, `keeps_state` if it keeps state across batches;
//   3. add RBC_OPERATOR(<name>) to operators/operators.def;
//   4. if it keeps state across batches, say so in stateful() too;
//   5. add a unit test and an end-to-end tests/cli/exec_*.sh run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "graph/batch.h"
#include "graph/physical_plan.h"
#include "graph/pipeline_model.h"
#include "graph/status.h"

namespace rbc {

// Where a batch came from, for error messages and watermarks.
struct BatchInfo {
  uint64_t seq = 0;  // the batch's position in its stream
  int partition = 0;
  const BatchProgress* progress = nullptr;  // where and when its source read it
};

class Operator {
 public:
  virtual ~Operator() = default;
  virtual const std::shared_ptr<const Schema>& output_schema() const = 0;
  // Called from several threads at once unless stateful().
  virtual Result<Batch> process(const Batch& batch, const BatchInfo& info) = 0;
  // Keeps state across batches: must see its stream's rows serially, in order.
  virtual bool stateful() const = 0;
  // Rows dropped under on_data_error skip or dlq (for run reports).
  virtual size_t rejected_rows() const { return 0; }

  // Operators that hold rows until their input ends (an aggregation's groups). The runtime
  // calls finish() once, after every batch of the input went through process(). In a
  // two-phase plan copy c owns part c of the keys (OperatorContext::merge_part): it first
  // merges that part of every other copy's partial state, then finishes; the copies run
  // merge_from and finish at once, each on its own part.
  virtual Result<std::vector<Batch>> finish() { return std::vector<Batch>{}; }
  virtual Status merge_from(Operator& other) {
    return Status::internal("this operator's copies do not merge");
  }
  // A two-phase plan's copies but the first join the first before any batch, and may then
  // fold rows into each other's part (expr/query.h, QueryState::join); the note says whether
  // they did, and why.
  virtual void join_copies(Operator& /*first*/) {}
  virtual std::string lanes_note() const { return ""; }
  // Groups held and the memory they take, for the report and resources.max_state_bytes.
  virtual size_t groups() const { return 0; }
  virtual size_t state_bytes() const { return 0; }
  // A windowed aggregation's windows open now, and the rows that came after theirs closed.
  virtual size_t open_windows() const { return 0; }
  virtual uint64_t late_rows() const { return 0; }
};

struct OperatorContext {
  std::string pipeline;
  std::string stream;
  OnDataError on_data_error = OnDataError::fail;
  std::string dlq_path;                    // resolved: destination.dlq_path or "<pipeline>.dlq.jsonl"
  std::optional<WatermarkStep> watermark;  // a windowed aggregation's (the plan's)
  // A two_phase aggregation's copy: its partial state is kept in merge_parts parts by key
  // hash, and it emits part merge_part.
  int merge_parts = 1;
  int merge_part = 0;
};

// Builds the operator named `use` with `config` over batches of schema `input`; an
// unknown name, a query that does not compile or a bad rule is an error naming the problem.
Result<std::unique_ptr<Operator>> make_operator(const std::string& use, const Config& config,
                                                std::shared_ptr<const Schema> input,
                                                const OperatorContext& context);

}  // namespace rbc
