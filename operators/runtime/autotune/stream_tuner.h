// The autotuner's threads and clocks: StreamTuner hands one stream's windows, as
// planned by AutotunePlanner (planner.h, which has the design), to the stream's reader
// threads, and measures each window from the holds its batches carry to the writers.
// Kept apart from the planner so that the decision rules stay free of locks and time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "connectors/connector.h"
#include "operators/runtime/autotune/planner.h"
#include "operators/runtime/run_report.h"

namespace rbc {

// A window's rows in flight: held by every batch read in the window (and by its ReadHold);
// when the last holder lets go the window is fully written and measured.
class StreamTuner;
struct WindowHold {
  WindowHold(StreamTuner* tuner, int number, int64_t started_ns)
      : tuner(tuner), number(number), started_ns(started_ns) {}
  ~WindowHold();
  StreamTuner* tuner;
  int number;
  int64_t started_ns;
  std::vector<size_t> readers;                 // the readers with a slice of it
  double writer_seconds = 0, cpu_seconds = 0;  // at the start
  std::atomic<uint64_t> rows{0}, bytes{0};
};

// A window's reading: held by its slices until readers take them and by each reader while
// it reads one; when the last holder lets go the window is read and the next one starts.
struct ReadHold {
  ReadHold(StreamTuner* tuner, int number, std::shared_ptr<WindowHold> written)
      : tuner(tuner), number(number), written(std::move(written)) {}
  ~ReadHold();
  StreamTuner* tuner;
  int number;
  std::shared_ptr<WindowHold> written;
};

// Hands one stream's windows to its reader threads. Thread-safe.
class StreamTuner {
 public:
  // Runs a function that blocks on another thread of the run's arena, and keeps the run
  // from ending before it returns.
  using ThreadHolder = std::function<void(std::function<void()>)>;
  // `writer_seconds`: the stream's writers' total time inside write() so far.
  // `writers_per_reader`: the writers each reader's lane has (one per sink the stream feeds).
  StreamTuner(AutotunePlanner planner, int readers, std::function<double()> writer_seconds,
              int writers_per_reader = 0, ThreadHolder hold_thread = nullptr);
  ~StreamTuner();

  struct Assignment {
    KeySlice slice;
    size_t batch_rows = 0;
    std::shared_ptr<ReadHold> hold;  // null in the steady phase
    int parallelism = 1;             // the window's candidate (or the steady knobs)
  };
  // The next slice for reader `index`: waits while a window it has no part in runs;
  // std::nullopt when it has nothing more to read, or when `stopped()` turns true. Once
  // steady, a reader with no steady slice waits until the steady readers are done. While
  // a reader waits and every window it read is written, its lane's writers have nothing
  // to do: it holds an arena thread for each of them (an arena thread with no work spins
  // looking for some, on the cores the servers need).
  std::optional<Assignment> take(int index, const std::function<bool()>& stopped);
  // Reader `index` failed to read `slice` of probe window `number` (`why`) before it
  // delivered any of its rows: the window's candidate is invalidated, the slice is read
  // again in the steady phase, which runs the baseline. False when the tuner is no longer
  // probing: then the error stands.
  bool invalidate(int index, int number, const KeySlice& slice, const std::string& why);
  // The flush threshold of the window being written.
  int64_t flush_bytes() const { return flush_bytes_.load(std::memory_order_relaxed); }
  // The batches at once of the stream's tuned transforms, for the window being read.
  int node_concurrency() const { return node_concurrency_.load(std::memory_order_relaxed); }
  // The graph has stopped: a window that ends from now on (its last holder let go while
  // the run is torn down) measures nothing and syncs no writer.
  void close();
  AutotuneEvent event() const;

 private:
  friend struct WindowHold;
  friend struct ReadHold;
  void window_read(int number);
  void window_written(const WindowHold& hold);
  void publish(const TuneWindow& window);  // under mutex_
  // Under mutex_: starts holding reader i's writers' threads if it waits and its lane is
  // written; stops holding them when it stops waiting.
  void hold_writers_if_idle(size_t i);
  void stop_waiting(size_t i);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  AutotunePlanner planner_;
  std::function<double()> writer_seconds_;
  bool started_ = false, closing_ = false, steady_ = false;
  // Per reader, its slice of the current window until it takes it. A probe window is read
  // only once every slice was taken (its hold lives here until then), so all are empty
  // when the next window is published.
  // In the steady phase after a fallback, a reader may also get a failed probe slice to
  // read again (redo_): then it has two.
  std::vector<std::deque<Assignment>> pending_;
  std::vector<std::pair<int, KeySlice>> redo_;  // failed probe slices, and the reader that failed
  int64_t last_written_ns_ = 0;                 // when the latest window was fully written
  // Per reader: reading a steady slice; waiting in take(); holding its writers' threads;
  // windows it read that are not yet written. And how many steady readers still read.
  std::vector<bool> reading_steady_, waiting_, holding_;
  std::vector<int> unwritten_, hold_round_;
  int steady_readers_ = 0;
  int writers_per_reader_;
  ThreadHolder hold_thread_;
  std::atomic<int64_t> flush_bytes_{kDefaultCopyFlushBytes};
  std::atomic<int> node_concurrency_{0};
};

}  // namespace rbc
