// StreamTuner: runs the planner's windows on the reader threads and measures them;
// stream_tuner.h says how.
#include "operators/runtime/autotune/stream_tuner.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "operators/runtime/clock.h"

namespace rbc {

namespace {

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

WindowHold::~WindowHold() { tuner->window_written(*this); }
ReadHold::~ReadHold() { tuner->window_read(number); }

StreamTuner::StreamTuner(AutotunePlanner planner, int readers, std::function<double()> writer_seconds,
                         int writers_per_reader, ThreadHolder hold_thread)
    : planner_(std::move(planner)),
      writer_seconds_(std::move(writer_seconds)),
      pending_(static_cast<size_t>(readers)),
      reading_steady_(static_cast<size_t>(readers)),
      waiting_(static_cast<size_t>(readers)),
      holding_(static_cast<size_t>(readers)),
      unwritten_(static_cast<size_t>(readers)),
      hold_round_(static_cast<size_t>(readers)),
      writers_per_reader_(writers_per_reader),
      hold_thread_(std::move(hold_thread)) {}

StreamTuner::~StreamTuner() {
  std::vector<std::deque<Assignment>> pending;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    pending.swap(pending_);
  }
  // `pending` dies here, outside the lock: its holds call back, and see closing_.
}

void StreamTuner::publish(const TuneWindow& window) {
  steady_ = window.steady;
  if (steady_) spdlog::info("{}", format_autotune_event(planner_.event()));
  flush_bytes_.store(window.flush_bytes, std::memory_order_relaxed);
  node_concurrency_.store(window.knobs.node_concurrency, std::memory_order_relaxed);
  std::shared_ptr<ReadHold> hold;
  if (!window.steady) {
    int64_t now = now_ns();
    if (last_written_ns_ == 0) last_written_ns_ = now;  // the first window's time starts here
    auto written = std::make_shared<WindowHold>(this, window.number, now);
    written->writer_seconds = writer_seconds_ ? writer_seconds_() : 0;
    written->cpu_seconds = process_cpu_seconds();
    for (size_t i = 0; i < pending_.size() && i < window.slices.size(); ++i) {
      if (window.slices[i]) written->readers.push_back(i);
    }
    hold = std::make_shared<ReadHold>(this, window.number, std::move(written));
  }
  std::vector<size_t> steady_readers;
  for (size_t i = 0; i < pending_.size() && i < window.slices.size(); ++i) {
    if (!window.slices[i]) continue;
    pending_[i].push_back(Assignment{*window.slices[i], window.batch_rows, hold, window.knobs.parallelism});
    if (window.steady) {
      ++steady_readers_;
      steady_readers.push_back(i);
    } else {
      ++unwritten_[i];
    }
  }
  // After a fallback: each failed probe slice goes to a steady reader, not the one it
  // failed on where there is another (its connection may be what failed).
  for (const auto& [failed, slice] : redo_) {
    if (steady_readers.empty()) break;
    size_t to = steady_readers.front();
    for (size_t i : steady_readers) {
      if (static_cast<int>(i) != failed) {
        to = i;
        break;
      }
    }
    pending_[to].push_back(Assignment{slice, window.batch_rows, nullptr, window.knobs.parallelism});
  }
  if (window.steady) redo_.clear();
  // `hold` now lives only in pending_: the window is read once every reader took its
  // slice and read it.
  changed_.notify_all();
}

std::optional<StreamTuner::Assignment> StreamTuner::take(int index, const std::function<bool()>& stopped) {
  std::unique_lock lock(mutex_);
  if (!started_) {
    started_ = true;
    publish(planner_.next_window());
  }
  const auto i = static_cast<size_t>(index);
  waiting_[i] = true;
  while (!stopped() && !closing_) {
    if (!pending_[i].empty()) {
      stop_waiting(i);
      reading_steady_[i] = steady_;
      Assignment next = std::move(pending_[i].front());
      pending_[i].pop_front();
      return next;
    }
    if (steady_ && reading_steady_[i]) {  // its steady slice is read
      reading_steady_[i] = false;
      if (--steady_readers_ == 0) changed_.notify_all();
      break;
    }
    if (steady_ && steady_readers_ == 0) break;
    hold_writers_if_idle(i);
    // Waits for its next window, or for the steady readers (stopped() is polled).
    changed_.wait_for(lock, std::chrono::milliseconds(20));
  }
  stop_waiting(i);
  return std::nullopt;
}

void StreamTuner::hold_writers_if_idle(size_t i) {
  if (!waiting_[i] || holding_[i] || unwritten_[i] > 0 || !hold_thread_ || writers_per_reader_ == 0) return;
  holding_[i] = true;
  // A hold ends with its round: one still waking up from the previous round must not
  // hold on into this one. (stop_waiting() and close() notify.)
  const int round = ++hold_round_[i];
  for (int w = 0; w < writers_per_reader_; ++w) {
    hold_thread_([this, i, round] {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return !holding_[i] || hold_round_[i] != round || closing_; });
    });
  }
}

void StreamTuner::stop_waiting(size_t i) {
  waiting_[i] = false;
  if (holding_[i]) {
    holding_[i] = false;
    changed_.notify_all();
  }
}

bool StreamTuner::invalidate(int index, int number, const KeySlice& slice, const std::string& why) {
  std::lock_guard lock(mutex_);
  if (closing_ || steady_ || !planner_.invalidate(number, why)) return false;
  spdlog::warn(
      "autotune-fallback reader={} probe window {} failed: {}; its candidate is invalidated, the stream "
      "runs the baseline",
      index, number, why);
  redo_.emplace_back(index, slice);
  return true;
}

void StreamTuner::close() {
  std::lock_guard lock(mutex_);
  closing_ = true;
  changed_.notify_all();
}

void StreamTuner::window_read(int /*number*/) {
  std::lock_guard lock(mutex_);
  if (closing_ || steady_) return;
  publish(planner_.next_window());
}

// In a full pipeline the writes of consecutive windows follow each other: a window's time
// is from the latest earlier window's last write (or its own start) to its own last write.
void StreamTuner::window_written(const WindowHold& hold) {
  std::lock_guard lock(mutex_);
  if (closing_) return;
  int64_t now = now_ns();
  WindowMeasure measure;
  measure.rows = hold.rows.load();
  measure.bytes = hold.bytes.load();
  measure.seconds = static_cast<double>(now - std::max(last_written_ns_, hold.started_ns)) / 1e9;
  measure.flush_seconds = (writer_seconds_ ? writer_seconds_() : 0) - hold.writer_seconds;
  measure.cpu_seconds = process_cpu_seconds() - hold.cpu_seconds;
  last_written_ns_ = std::max(last_written_ns_, now);
  planner_.record(hold.number, measure);
  for (size_t i : hold.readers) {
    --unwritten_[i];
    hold_writers_if_idle(i);
  }
}

AutotuneEvent StreamTuner::event() const {
  std::lock_guard lock(mutex_);
  return planner_.event();
}

}  // namespace rbc
