// Watches a run from its own thread: progress every RunOptions::progress_interval, snapshots
// for metrics every snapshot_interval, cdc lag over max_slot_wal (a warning), and a
// signal's cancel request; and builds the run report from the runners' counters.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "operators/runtime/run_context.h"

namespace rbc {

class RunMonitor {
 public:
  explicit RunMonitor(RunContext& run);
  ~RunMonitor() { stop(); }
  void stop();  // joins the thread; the last progress call has done = true

  RunReport report(double seconds) const;

 private:
  void loop();
  RunProgress progress() const;
  void warn_of_retained_wal(const RunProgress& progress);

  RunContext& run_;
  int64_t started_ns_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::map<std::string, bool> over_max_slot_wal_;  // by stream; only the monitor thread
  std::thread thread_;
};

}  // namespace rbc
