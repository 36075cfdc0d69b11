// Compile time of a generated pipeline with 200 streams and 20 transforms
// (target: under 100 ms, README.md, Benchmarks). Run: build/bench/compile_bench
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include "compiler/compile.h"

namespace {

std::string write_large_pipeline() {
  std::string path = (std::filesystem::temp_directory_path() / "rbc_bench_200x20.yaml").string();
  std::ofstream out(path);
  out << "version: \"1.0\"\npipeline: bench_200_streams\nsource:\n  use: postgres\n"
         "  config: {url: \"postgresql://rbc@127.0.0.1/src\"}\n  streams:\n";
  for (int s = 0; s < 200; ++s) {
    out << "    - name: public.table_" << s << "\n";
    if (s % 3 == 1) out << "      sync_mode: incremental\n      cursor_field: updated_at\n";
    if (s % 3 == 0) out << "      partition_key: id\n";
  }
  out << "transforms:\n";
  for (int t = 0; t < 20; ++t) {
    out << "  - use: sql\n    config: {query: \"SELECT id, amount * " << t + 1
        << " AS amount FROM input WHERE id > " << t << "\"}\n";
  }
  out << "destination:\n  use: postgres\n  config: {url: \"postgresql://rbc@127.0.0.1/dst\"}\n";
  return path;
}

void BM_Compile200Streams20Transforms(benchmark::State& state) {
  static const std::string path = write_large_pipeline();
  for (auto _ : state) {
    rbc::CompileRequest request;
    request.path = path;
    request.options.available_cores = 16;
    rbc::Compilation compilation = rbc::compile_pipeline(request);
    if (!compilation.plan) state.SkipWithError(compilation.diagnostics.render().c_str());
    benchmark::DoNotOptimize(compilation.plan);
  }
}
BENCHMARK(BM_Compile200Streams20Transforms)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(9)
    ->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
