// A GROUP BY's lane work, without I/O: folding batches into one lane's groups, and a
// two_phase plan's end (each lane gathers its part of the keys from the others and emits
// it, the lanes at once). 2M rows over 100k keys, as bench/autotune.sh's workload d.
// Run: build/bench/aggregate_bench
#include <benchmark/benchmark.h>

#include <thread>

#include "expr/query.h"

namespace {

constexpr int64_t kRows = 2'000'000;
constexpr int64_t kKeys = 100'000;
constexpr int64_t kBatchRows = 3'125;  // a CSV reader's batch of d's rows

const rbc::Schema& schema() {
  static const rbc::Schema s(
      {{"k", rbc::DataType{rbc::TypeId::int64}, false}, {"v", rbc::DataType{rbc::TypeId::int64}, false}});
  return s;
}

// The rows' batches, key i % kKeys in row i.
const std::vector<rbc::Batch>& batches() {
  static const std::vector<rbc::Batch> all = [] {
    std::vector<rbc::Batch> out;
    for (int64_t first = 0; first < kRows; first += kBatchRows) {
      rbc::Batch batch = rbc::Batch::empty(std::make_shared<const rbc::Schema>(schema()));
      for (int64_t row = first; row < first + kBatchRows; ++row) {
        batch.columns[0].append<int64_t>(row % kKeys);
        batch.columns[1].append<int64_t>(row);
      }
      batch.num_rows = kBatchRows;
      out.push_back(std::move(batch));
    }
    return out;
  }();
  return all;
}

const rbc::CompiledQuery& query() {
  static const rbc::CompiledQuery q = std::get<rbc::CompiledQuery>(
      rbc::compile_sql("SELECT k, COUNT(*) AS n, SUM(v) AS total FROM input GROUP BY k", schema()));
  return q;
}

// One lane folding every batch, its groups kept in range(0) parts.
void BM_LaneAdd(benchmark::State& state) {
  const int parts = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto lane = query().start({}, rbc::MergePart{parts, 0});
    for (const rbc::Batch& batch : batches()) benchmark::DoNotOptimize(lane->add(batch));
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_LaneAdd)->Arg(1)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond);

// range(0) lanes that each hold every key, merged when the input ends: with range(1) 1, in
// parts, each lane gathering its part from the others and emitting it, the lanes at once
// (a thread each); with 0, lane 0 merges all and emits alone.
void BM_TwoPhaseEnd(benchmark::State& state) {
  const int lanes = static_cast<int>(state.range(0));
  const bool parts = state.range(1) == 1;
  std::vector<std::unique_ptr<rbc::QueryState>> states;
  for (auto _ : state) {
    state.PauseTiming();
    states.clear();  // the last round's, not timed
    for (int lane = 0; lane < lanes; ++lane)
      states.push_back(query().start({}, rbc::MergePart{parts ? lanes : 1, parts ? lane : 0}));
    // Each lane takes runs of kKeys rows, so that each sees every key, as dealt batches do.
    const size_t run = static_cast<size_t>(kKeys / kBatchRows);
    for (size_t b = 0; b < batches().size(); ++b)
      benchmark::DoNotOptimize(states[(b / run) % static_cast<size_t>(lanes)]->add(batches()[b]));
    state.ResumeTiming();
    auto end = [&](int lane) {
      for (int other = 0; other < lanes; ++other) {
        if (other != lane) benchmark::DoNotOptimize(states[lane]->merge(*states[other]));
      }
      benchmark::DoNotOptimize(states[lane]->finish());
    };
    if (!parts) {
      end(0);
      continue;
    }
    std::vector<std::thread> threads;
    for (int lane = 0; lane < lanes; ++lane) threads.emplace_back(end, lane);
    for (std::thread& thread : threads) thread.join();
  }
}
BENCHMARK(BM_TwoPhaseEnd)
    ->ArgNames({"lanes", "parts"})
    ->Args({2, 0})
    ->Args({2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
