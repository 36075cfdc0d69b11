// A split file's tuned readers (docs/autotune.md, Files): TunedReader over a stream read in
// claimed chunks, driven on threads as the source runner drives it (ready() outside the claim
// lock, claim() under it, numbering the chunk there, then next() for its batch). Every record
// is claimed once and, in claim order, the records come in stream order; probe windows are
// measured and decided; a candidate whose slices fail as they start is invalidated and the
// baseline's readers claim the rest.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "autotune_test_helpers.h"
#include "operators/runtime/autotune/tuned_reader.h"

namespace rbc {
namespace {

using testing::candidates;
using testing::kMiB;
using testing::span;

// The stream's cursor, shared by its readers as a FileChunker is.
struct Cursor {
  std::mutex mu;
  int64_t next = 0, total = 0;
};

// Claims up to 100 records (a probe slice: its batch rows), never past the slice's end; its
// batch holds the records' ordinals. With `fail_with` > 1, a probe slice of a window with
// that many readers fails as it starts.
class ClaimingReader final : public PartitionReader {
 public:
  ClaimingReader(Cursor& cursor, int fail_with) : cursor_(cursor), fail_with_(fail_with) {}
  Status start_slice(const KeySlice& slice, size_t max_batch_rows) override {
    // (a probe slice has its batch rows; one read again in the steady phase has none)
    if (max_batch_rows > 0 && slice.mod_count == fail_with_) return Status::io_error("this candidate fails");
    hi_ = slice.hi;
    max_ = max_batch_rows > 0 ? static_cast<int64_t>(max_batch_rows) : 100;
    return Status::ok();
  }
  Result<bool> claim() override {
    std::lock_guard lock(cursor_.mu);
    int64_t end = std::min(cursor_.total, hi_.value_or(cursor_.total));
    if (cursor_.next >= end) return false;
    from_ = cursor_.next;
    to_ = std::min(end, from_ + max_);
    cursor_.next = to_;
    return true;
  }
  Result<std::optional<Batch>> next() override {
    Batch batch = Batch::empty(std::make_shared<const Schema>(Schema({Field{"n", DataType{TypeId::int64}}})));
    for (int64_t n = from_; n < to_; ++n) batch.columns[0].append(n);
    batch.num_rows = static_cast<size_t>(to_ - from_);
    return std::optional<Batch>(std::move(batch));
  }

 private:
  Cursor& cursor_;
  int fail_with_;
  std::optional<int64_t> hi_;
  int64_t max_ = 100, from_ = 0, to_ = 0;
};

struct ClaimsRun {
  std::map<uint64_t, std::vector<int64_t>> by_number;  // each chunk's records, by its number
  AutotuneEvent event;
};

// Three readers (candidates 1, 2, 3; baseline 2) over `records` records, as the runner reads them.
ClaimsRun read_tuned(int64_t records, int fail_with) {
  Cursor cursor;
  cursor.total = records;
  StreamTuner tuner(
      AutotunePlanner("files", candidates({1, 2, 3}), TuneKnobs{2, PartitionMode::mod, 4 * kMiB}, 3,
                      span(0, records - 1, static_cast<double>(records))),
      3, nullptr);
  std::mutex claim_lock;
  uint64_t numbers = 0;
  ClaimsRun run;
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      TunedReader reader(
          std::make_unique<ClaimingReader>(cursor, fail_with), tuner, i, [] { return false; }, nullptr, true);
      for (;;) {
        Result<bool> ready = reader.ready();
        ASSERT_TRUE(ready.is_ok()) << ready.status().message();
        if (!*ready) break;
        uint64_t number = 0;
        {
          std::lock_guard lock(claim_lock);
          Result<bool> claimed = reader.claim();
          ASSERT_TRUE(claimed.is_ok()) << claimed.status().message();
          if (!*claimed) continue;  // its slice is read
          number = numbers++;
        }
        Result<std::optional<Batch>> batch = reader.next();
        ASSERT_TRUE(batch.is_ok() && *batch);
        std::shared_ptr<WindowHold> written = reader.hold();  // the batch's, until it is "written"
        const Column& column = (*batch)->columns[0];
        std::vector<int64_t> values;
        for (size_t row = 0; row < (*batch)->num_rows; ++row) values.push_back(column.value<int64_t>(row));
        std::lock_guard lock(claim_lock);
        run.by_number[number] = std::move(values);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  run.event = tuner.event();
  return run;
}

void expect_every_record_once_in_order(const ClaimsRun& run, int64_t records) {
  std::vector<int64_t> in_order;
  for (const auto& [number, values] : run.by_number)
    in_order.insert(in_order.end(), values.begin(), values.end());
  ASSERT_EQ(in_order.size(), static_cast<size_t>(records));
  for (int64_t n = 0; n < records; ++n) ASSERT_EQ(in_order[static_cast<size_t>(n)], n);
}

TEST(TunedClaims, EveryRecordOnceInClaimOrderAndADecision) {
  ClaimsRun run = read_tuned(400000, 0);
  expect_every_record_once_in_order(run, 400000);
  EXPECT_TRUE(run.event.decided) << run.event.reason;
  EXPECT_GT(run.event.probe_windows, 0);
  EXPECT_GT(run.event.probe_rows, 0u);
  EXPECT_EQ(run.event.candidates.size(), 3u);
}

TEST(TunedClaims, AnInvalidatedCandidatesRecordsAreClaimedByTheBaseline) {
  ClaimsRun run = read_tuned(400000, 3);
  expect_every_record_once_in_order(run, 400000);
  EXPECT_NE(run.event.reason.find("candidate parallelism 3 partition_mode mod invalidated in probe window"),
            std::string::npos)
      << run.event.reason;
  EXPECT_EQ(run.event.parallelism, 2);
}

}  // namespace
}  // namespace rbc
