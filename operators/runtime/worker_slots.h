// The run's bound on source and transform workers running at once (the plan's
// worker_limit: effective parallelism, plus the autotune probes' extra readers): a
// counting semaphore, with the most holders seen at once for the run report.
//
// Who takes a slot: a reader while it reads one batch (claim and read), a transform
// while it processes one batch. Nobody else: sinks, routers and the flow graph's own
// buffers never wait for a slot.
//
// Why this cannot deadlock: a slot is held only across one batch's work, and that work
// never waits for another node. A reader runs only after its limiter admitted a token,
// so it never blocks on a full downstream queue (backpressure stops a reader *before*
// it takes a slot, by not admitting its next token); handing a batch on (try_put) only
// queues it. The writers that drain the queues take no slot. So every holder finishes
// and releases, and a waiter needs only a slot, never a thread or a queue a waiter
// holds. The one place a reader does wait inside a read is the autotuner handing out
// its next window (which waits for other readers to read theirs): there it gives its
// slot back (Suspend) and takes one again after. A cdc reader, which waits for the
// server's next change for as long as there is none, takes no slot at all.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>

namespace rbc {

class WorkerSlots {
 public:
  explicit WorkerSlots(int limit) : limit_(std::max(1, limit)) {}

  void acquire() {
    std::unique_lock lock(mutex_);
    freed_.wait(lock, [&] { return held_ < limit_; });
    ++held_;
    peak_ = std::max(peak_, held_);
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      --held_;
    }
    freed_.notify_one();
  }
  int limit() const { return limit_; }
  int peak() const {
    std::lock_guard lock(mutex_);
    return peak_;
  }

  // Holds a slot for its scope (none when `slots` is null).
  class Held {
   public:
    explicit Held(WorkerSlots* slots) : slots_(slots) {
      if (slots_ != nullptr) slots_->acquire();
    }
    ~Held() {
      if (slots_ != nullptr) slots_->release();
    }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;

   private:
    WorkerSlots* slots_;
  };
  // Gives a held slot back for its scope (a wait inside a read), and takes one again after.
  class Suspend {
   public:
    explicit Suspend(WorkerSlots* slots) : slots_(slots) {
      if (slots_ != nullptr) slots_->release();
    }
    ~Suspend() {
      if (slots_ != nullptr) slots_->acquire();
    }
    Suspend(const Suspend&) = delete;
    Suspend& operator=(const Suspend&) = delete;

   private:
    WorkerSlots* slots_;
  };

 private:
  const int limit_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  int held_ = 0, peak_ = 0;
};

// Raises `peak` to `value` when it is below; any thread may.
template <typename T>
void raise_peak(std::atomic<T>& peak, T value) {
  T seen = peak.load();
  while (value > seen && !peak.compare_exchange_weak(seen, value)) {
  }
}

// Counts one node's bodies running at once, and the most seen (the run report's
// peak_concurrency), for its scope.
class Active {
 public:
  Active(std::atomic<int>& active, std::atomic<int>& peak) : active_(active) {
    raise_peak(peak, active.fetch_add(1) + 1);
  }
  ~Active() { active_.fetch_sub(1); }
  Active(const Active&) = delete;
  Active& operator=(const Active&) = delete;

 private:
  std::atomic<int>& active_;
};

}  // namespace rbc
