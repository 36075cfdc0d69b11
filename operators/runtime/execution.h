// One attempt at running a plan: build the runners from the steps, connect, the leader
// step (every Source::prepare and Sink::prepare, once per stream, before any reader or
// writer opens), open every reader and writer, run the flow graph, then commit or abandon.
#pragma once

#include <string>

#include "operators/runtime/run_context.h"

namespace rbc {

class Execution {
 public:
  Execution(const PhysicalPlan& plan, const RunOptions& options, StateStore& state, std::string run_id)
      : run_(plan, options, state, std::move(run_id)) {}

  RunReport run();
  // Something was committed that running the attempt again would duplicate.
  bool committed_unsafe() const { return run_.committed_unsafe(); }

 private:
  void build_runners();
  bool connect_and_prepare();
  bool open_readers_and_writers();
  void run_graph();
  void finish_sinks();
  void save_untracked_cursors();
  void log_start() const;

  // One per sequence group; declared first, so that it outlives the runners that count on it.
  std::vector<std::unique_ptr<std::atomic<uint64_t>>> sequences_;
  RunContext run_;
};

}  // namespace rbc
