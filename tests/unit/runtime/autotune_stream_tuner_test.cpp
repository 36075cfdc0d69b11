// The StreamTuner's threads: how readers that have no part in a window wait, and the
// arena threads they hold for their lane's writers meanwhile.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "autotune_test_helpers.h"
#include "operators/runtime/autotune/stream_tuner.h"

namespace rbc {
namespace {

using testing::candidates;
using testing::kMiB;
using testing::span;

// Holds given to a StreamTuner: each runs on its own thread; counts how many hold now.
struct Holds {
  std::atomic<int> started{0}, ended{0};
  std::mutex mu;
  std::vector<std::thread> threads;
  StreamTuner::ThreadHolder holder() {
    return [this](std::function<void()> wait) {
      std::lock_guard lock(mu);
      threads.emplace_back([this, wait = std::move(wait)] {
        ++started;
        wait();
        ++ended;
      });
    };
  }
  int holding() const { return started - ended; }
  // Waits up to a second for `n` holds.
  bool wait_for(int n) const {
    for (int i = 0; i < 200 && holding() != n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return holding() == n;
  }
  void join() {
    std::lock_guard lock(mu);
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  }
  ~Holds() { join(); }
};

// A stream of two readers (candidates 1 and 2, baseline 1) over `keys`, whose tuner's holds
// (two writers per reader) run in `holds`. Going out of scope ends any hold left, had a
// check failed, before the tuner goes.
struct HeldTuner {
  explicit HeldTuner(KeySpan keys)
      : tuner(AutotunePlanner("t", candidates({1, 2}), TuneKnobs{1, PartitionMode::mod, 4 * kMiB}, 2, keys),
              2, nullptr, 2, holds.holder()) {}
  ~HeldTuner() {
    tuner.close();
    holds.join();
  }
  Holds holds;
  StreamTuner tuner;
};

// Once steady, a reader without a steady slice holds its thread, and one for each of its
// lane's writers, until the steady readers are done (idle arena threads spin).
TEST(StreamTuner, AReaderWithoutASteadySliceHoldsItsWritersThreadsUntilTheSteadyReadersAreDone) {
  // A tiny stream keeps the baseline, one reader of two: reader 1 has no steady slice.
  HeldTuner held(span(1, 1000, 1000));
  Holds& holds = held.holds;
  StreamTuner& tuner = held.tuner;
  auto never = [] { return false; };
  auto slice = tuner.take(0, never);
  ASSERT_TRUE(slice);
  std::atomic<bool> idle_done{false};
  std::thread idle([&] {
    EXPECT_FALSE(tuner.take(1, never));
    idle_done = true;
  });
  EXPECT_TRUE(holds.wait_for(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(holds.holding(), 2);
  EXPECT_FALSE(idle_done.load());
  EXPECT_FALSE(tuner.take(0, never));  // reader 0 read its steady slice
  idle.join();
  EXPECT_TRUE(holds.wait_for(0));
  EXPECT_EQ(holds.started.load(), 2);
}

// While a probe window runs without a reader (and every window it read is written), it
// holds a thread for each of its lane's writers; the hold ends when it gets a window.
TEST(StreamTuner, AReaderWaitingForAWindowHoldsItsWritersThreadsUntilItGetsOne) {
  HeldTuner held(span(1, 2000000, 2000000));
  Holds& holds = held.holds;
  StreamTuner& tuner = held.tuner;
  auto never = [] { return false; };
  auto first = tuner.take(0, never);  // window 0: one reader
  ASSERT_TRUE(first && first->hold);
  std::optional<StreamTuner::Assignment> second;
  std::thread waiting([&] { second = tuner.take(1, never); });
  EXPECT_TRUE(holds.wait_for(2));
  first.reset();  // window 0 is read (and, with no batch holding it, written): window 1 starts
  waiting.join();
  EXPECT_TRUE(second && second->hold);  // window 1: both readers
  EXPECT_TRUE(holds.wait_for(0));
  EXPECT_EQ(holds.started.load(), 2);
}

}  // namespace
}  // namespace rbc
