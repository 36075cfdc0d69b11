// Parse + compile time of a generated 5,000-line .rbc program (issue: under 200 ms):
// 1,000 streams, each bound with `let`, filtered, split in two by predicates, and
// written to two tables, plus a resources section. Run: build/bench/lang_bench
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include "compiler/compile.h"

namespace {

std::string write_large_program() {
  std::string path = (std::filesystem::temp_directory_path() / "rbc_bench_5000_lines.rbc").string();
  std::ofstream out(path);
  out << "# generated: 1,000 streams, 5,000 lines\npipeline bench_5000_lines {\n"
         "  let src = postgres(url: \"postgresql://rbc@127.0.0.1/src\")\n"
         "  let dst = postgres(url: \"postgresql://rbc@127.0.0.1/dst\", schema: raw)\n";
  int lines = 4;
  for (int s = 0; lines + 5 <= 4996; ++s, lines += 5) {
    std::string n = std::to_string(s);
    out << "  let t" << n << " = src.stream(\"public.table_" << n << "\", partition_key: id)\n"
        << "  let f" << n << " = t" << n << " |> sql(\"SELECT id, amount * " << s % 7 + 1
        << " AS amount, label FROM input WHERE id > " << s << "\")\n"
        << "  let r" << n << " = f" << n << " |> route(big: \"amount > 100\", small: \"amount <= 100\")\n"
        << "  r" << n << ".big |> dst.table(\"big_" << n << "\", write_mode: append)\n"
        << "  r" << n << ".small |> dst.table(\"small_" << n << "\", write_mode: append)\n";
  }
  out << "  resources {\n    parallelism: auto\n  }\n}\n";
  return path;
}

void BM_ParseAndCompile5000Lines(benchmark::State& state) {
  static const std::string path = write_large_program();
  for (auto _ : state) {
    rbc::CompileRequest request;
    request.path = path;
    request.options.available_cores = 16;
    rbc::Compilation compilation = rbc::compile_pipeline(request);
    if (!compilation.plan) state.SkipWithError(compilation.diagnostics.render().c_str());
    benchmark::DoNotOptimize(compilation.plan);
  }
}
BENCHMARK(BM_ParseAndCompile5000Lines)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(9)
    ->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
