// In-memory Source and Sink doubles for the runtime's own tests, and a builder for small
// physical plans (source -> transforms/router -> sink) without the compiler.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "compiler/pass.h"
#include "connectors/connector.h"
#include "graph/physical_plan.h"
#include "operators/runtime/executor.h"

namespace rbc::testing {

// Shared by a source double and the test: what happened, and what to do.
struct SourceScript {
  int64_t rows = 1000;
  size_t batch_rows = 10;
  int fail_at_batch = -1;                 // next() fails on this batch (of any partition)
  std::optional<RetryDetail> fail_retry;  // what that failure says about retrying
  std::chrono::microseconds delay{0};
  bool fail_prepare = false;
  std::atomic<int> opened{0};
  std::atomic<int> batches_read{0};
  std::atomic<int> in_flight{0};  // read and not yet written (the sink double decrements)
  std::atomic<int> peak_in_flight{0};
};

struct SinkScript {
  int fail_at_batch = -1;
  bool fail_prepare = false;
  std::vector<int> fail_open;           // writers whose open() fails, the later lanes sooner
  bool commits_at_checkpoints = false;  // checkpoint() commits (like postgres append)
  std::vector<int> fail_commit;         // writers whose commit() fails
  int await_finishing = 0;              // finish_writing() waits (5 s at most) for this many writers in it
  std::chrono::microseconds delay{0};
  SourceScript* source = nullptr;  // to decrement in_flight
  std::mutex mutex;
  std::vector<std::vector<int64_t>> ids;  // per partition, in write order
  int writes = 0;
  bool prepared = false, finished = false, abandoned = false;
  std::atomic<int> opened{0}, committed{0}, aborted{0}, checkpoints{0};
  std::atomic<int> finishing{0};              // writers that entered finish_writing()
  std::atomic<bool> finish_timed_out{false};  // one waited 5 s for the others in vain
  std::shared_ptr<const Schema> schema;
};

class ScriptedReader final : public PartitionReader {
 public:
  ScriptedReader(SourceScript& script, std::shared_ptr<const Schema> schema, int index, int count)
      : script_(script), schema_(std::move(schema)), next_row_(index), step_(count) {}
  Result<std::optional<Batch>> next() override {
    if (script_.delay.count() > 0) std::this_thread::sleep_for(script_.delay);
    if (next_row_ >= script_.rows) return std::optional<Batch>();
    int batch_number = script_.batches_read.fetch_add(1);
    if (batch_number == script_.fail_at_batch) {
      Status failure = Status::io_error("scripted read failure");
      return script_.fail_retry ? std::move(failure).with_retry(*script_.fail_retry) : failure;
    }
    Batch batch = Batch::empty(schema_);
    for (size_t i = 0; i < script_.batch_rows && next_row_ < script_.rows; ++i, next_row_ += step_) {
      batch.columns[0].append<int64_t>(next_row_ + 1);
      ++batch.num_rows;
    }
    int now = script_.in_flight.fetch_add(1) + 1;
    int peak = script_.peak_in_flight.load();
    while (now > peak && !script_.peak_in_flight.compare_exchange_weak(peak, now)) {
    }
    return std::optional<Batch>(std::move(batch));
  }

 private:
  SourceScript& script_;
  std::shared_ptr<const Schema> schema_;
  int64_t next_row_;
  int64_t step_;
};

class ScriptedSource final : public Source {
 public:
  explicit ScriptedSource(SourceScript& script) : script_(script) {}
  Result<std::shared_ptr<const Schema>> prepare(const StreamRequest&) override {
    if (script_.fail_prepare) return Status::io_error("scripted prepare failure");
    schema_ = std::make_shared<Schema>(std::vector<Field>{{"id", DataType{TypeId::int64}, true}});
    return schema_;
  }
  Result<std::unique_ptr<PartitionReader>> open(const StreamRequest& request, int index) override {
    ++script_.opened;
    return std::unique_ptr<PartitionReader>(
        new ScriptedReader(script_, schema_, index, request.partition_count));
  }

 private:
  SourceScript& script_;
  std::shared_ptr<const Schema> schema_;
};

class ScriptedWriter final : public PartitionWriter {
 public:
  ScriptedWriter(SinkScript& script, int index) : script_(script), index_(index) {}
  Status write(const Batch& batch) override {
    if (script_.delay.count() > 0) std::this_thread::sleep_for(script_.delay);
    std::lock_guard lock(script_.mutex);
    if (script_.writes++ == script_.fail_at_batch) return Status::io_error("scripted write failure");
    for (size_t row = 0; row < batch.num_rows; ++row) {
      script_.ids[index_].push_back(batch.columns[0].value<int64_t>(row));
    }
    if (script_.source != nullptr) script_.source->in_flight.fetch_sub(1);
    return Status::ok();
  }
  Result<bool> checkpoint(const Checkpoint&) override {
    ++script_.checkpoints;
    return script_.commits_at_checkpoints;
  }
  Status finish_writing() override {
    ++script_.finishing;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (script_.finishing.load() < script_.await_finishing) {
      if (std::chrono::steady_clock::now() > deadline) {
        script_.finish_timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return Status::ok();
  }
  Status commit(const Checkpoint&) override {
    const auto& fail = script_.fail_commit;
    if (std::find(fail.begin(), fail.end(), index_) != fail.end())
      return Status::io_error("scripted commit failure of writer " + std::to_string(index_));
    ++script_.committed;
    return Status::ok();
  }
  void abort() override { ++script_.aborted; }

 private:
  SinkScript& script_;
  int index_;
};

class ScriptedSink final : public Sink {
 public:
  explicit ScriptedSink(SinkScript& script) : script_(script) {}
  Status prepare(const SinkRequest& request) override {
    std::lock_guard lock(script_.mutex);
    script_.prepared = true;
    script_.schema = request.schema;
    script_.ids.assign(request.partition_count, {});
    if (script_.fail_prepare) return Status::io_error("scripted prepare failure");
    return Status::ok();
  }
  Result<std::unique_ptr<PartitionWriter>> open(const SinkRequest&, int index) override {
    if (std::find(script_.fail_open.begin(), script_.fail_open.end(), index) != script_.fail_open.end()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * (8 - index)));
      return Status::io_error("scripted open failure of writer " + std::to_string(index));
    }
    ++script_.opened;
    return std::unique_ptr<PartitionWriter>(new ScriptedWriter(script_, index));
  }
  Status finish(const SinkRequest&) override {
    script_.finished = true;
    return Status::ok();
  }
  void abandon(const SinkRequest&) override { script_.abandoned = true; }

 private:
  SinkScript& script_;
};

// Builds a plan the way the compiler would (its concurrency, lanes and commit-protocol
// passes), with the given counts in place of the heuristic's.
class PlanBuilder {
 public:
  explicit PlanBuilder(int effective = 4) {
    plan.graph.info.name.value = "test_pipeline";
    ParallelismDecision decision;
    decision.available_cores = effective;
    decision.cap = effective;
    decision.effective = effective;
    plan.parallelism = decision;
  }
  NodeId source(int partitions, const std::string& use = "scripted",
                nlohmann::json config = nlohmann::json::object()) {
    SourceNode body;
    body.connector.use.value = use;
    body.connector.config.values = std::move(config);
    body.stream.name.value = "events";
    return add(NodeKind::source, body, partitions);
  }
  NodeId transform(const std::string& use, nlohmann::json config, int concurrency) {
    TransformNode body;
    body.spec.use.value = use;
    body.spec.config.values = std::move(config);
    return add(NodeKind::transform, body, concurrency);
  }
  NodeId hash_router(std::vector<std::string> keys, int partitions, int concurrency) {
    RouterNode body;
    body.keys = std::move(keys);
    body.partitions = partitions;
    return add(NodeKind::router, body, concurrency);
  }
  NodeId sink(int partitions, OnDataError on_data_error = OnDataError::fail) {
    SinkNode body;
    body.destination.connector.use.value = "scripted";
    body.destination.on_data_error.value = on_data_error;
    body.target = "events_out";
    return add(NodeKind::sink, body, partitions);
  }

  // Runs the passes; `adjust` may change the steps before lanes and commit-protocol run.
  const PhysicalPlan& build(bool dry_run = false, const std::function<void(PhysicalPlan&)>& adjust = {}) {
    CompileOptions options;
    options.dry_run = dry_run;
    DiagnosticEngine diagnostics;
    PassContext context{options, diagnostics};
    plan.reset_steps();
    plan.run.dry_run = dry_run;
    EXPECT_TRUE(create_pass("concurrency")->run(plan, context).is_ok());
    for (NodeId id = 0; id < plan.graph.node_count(); ++id) {
      int count = counts_[id];
      std::visit(
          [count](auto& step) {
            using S = std::decay_t<decltype(step)>;
            if constexpr (std::is_same_v<S, SourceStep>) {
              step.partitions.set(count, "test");
            } else if constexpr (std::is_same_v<S, SinkStep>) {
              step.partitions.set(count, "test");
              step.writes_in_parallel = count > 1;
            } else if constexpr (std::is_same_v<S, TransformStep>) {
              if (!step.stateful.value) step.concurrency.set(count, "test");
            } else {
              step.concurrency.set(count, "test");
            }
          },
          plan.steps[id]);
    }
    if (adjust) adjust(plan);
    EXPECT_TRUE(create_pass("lanes")->run(plan, context).is_ok());
    EXPECT_TRUE(create_pass("commit-protocol")->run(plan, context).is_ok());
    return plan;
  }

  PhysicalPlan plan;

 private:
  NodeId add(NodeKind kind, std::variant<SourceNode, TransformNode, RouterNode, SinkNode> body, int count) {
    NodeId id = plan.graph.add_node(kind, "events", std::move(body));
    if (last_.has_value()) plan.graph.add_edge(*last_, id);
    last_ = id;
    counts_.push_back(count);
    return id;
  }
  std::optional<NodeId> last_;
  std::vector<int> counts_;
};

inline RunOptions scripted_options(SourceScript& source, SinkScript& sink) {
  RunOptions options;
  options.make_source = [&source](const std::string&) {
    return std::unique_ptr<Source>(new ScriptedSource(source));
  };
  options.make_sink = [&sink](const std::string&) { return std::unique_ptr<Sink>(new ScriptedSink(sink)); };
  sink.source = &source;
  return options;
}

}  // namespace rbc::testing
