// Mutation fuzzer for `rbc compile`: mutants of every pipeline in examples/ and tests/
// (bytes, tokens, nesting, invalid UTF-8, long tokens, splices) must each end in exit
// code 0, 1 or 2 with a message, within a time bound: never a signal, a sanitizer report
// or an internal error. A fixed seed makes a run repeatable; a failing mutant is kept.
//   rbc_compile_fuzz RBC SOURCE_DIR [CASES] [SEED]   (RBC_FUZZ_CASES overrides CASES)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "run_rbc.h"

namespace fs = std::filesystem;
using rbc::fuzz::Outcome;
using rbc::fuzz::read_file;
using rbc::fuzz::run_rbc;

namespace {

constexpr auto kTimeLimit = std::chrono::seconds(20);  // per compile; sanitizer builds are slow
constexpr rlim_t kMemoryLimit = rlim_t{4} << 30;       // address space (ASan's shadow needs more)
constexpr size_t kLargestMutant = size_t{2} << 20;

struct Seed {
  std::string extension;  // ".yaml" or ".rbc": the front-end
  std::string text;
};

std::vector<Seed> load_seeds(const fs::path& source_dir) {
  std::vector<Seed> seeds;
  for (const char* dir :
       {"examples", "tests/golden", "tests/diagnostics", "tests/lang", "tests/fuzz/seeds"}) {
    if (!fs::is_directory(source_dir / dir)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(source_dir / dir)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());  // directory order is not stable
    for (const auto& path : files) {
      std::string extension = path.extension().string();
      if (extension == ".yaml" || extension == ".rbc") seeds.push_back({extension, read_file(path)});
    }
  }
  return seeds;
}

// Fragments that have broken parsers before: brackets, YAML anchors and documents,
// substitutions, SQL keywords, huge numbers, a BOM and invalid UTF-8.
const char* const kTokens[] = {
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "\"\"\"",
    ",",
    ":",
    "=",
    "|>",
    "::int",
    "-",
    "--",
    "#",
    "\n",
    "\n  ",
    "\t",
    "NOT ",
    "CASE WHEN ",
    " THEN 1 END",
    " AND ",
    " OR ",
    " || ",
    "SELECT ",
    " FROM input",
    "${",
    "${X:-",
    "$${",
    "&a ",
    "*a",
    "---\n",
    "...\n",
    "!!binary ",
    "? ",
    "~",
    "null",
    "4294967297",
    "2147483648",
    "-9223372036854775809",
    "99999999999999999999999",
    "1e999",
    "0x",
    "\xef\xbb\xbf",
    "\xff",
    "\xc3",
    "\xe2\x82",
    "\xed\xa0\x80",
    "\xc0\xaf",
    "\x80",
    "postgresql://u:pw@h/db",
    "password='a\\'b'",
    "let ",
    "pipeline ",
    "env(\"X\")",
    "route(by: hash(",
    "into: 0",
    "parallelism: ",
    "config: ",
};

class Mutator {
 public:
  Mutator(const std::vector<Seed>& seeds, uint64_t seed) : seeds_(seeds), random_(seed) {}

  Seed next() {
    Seed mutant = seeds_[pick(seeds_.size())];
    int edits = 1 + static_cast<int>(pick(4));
    for (int e = 0; e < edits; ++e) {
      std::string before = mutant.text;
      mutate(mutant.text);
      if (mutant.text.size() > kLargestMutant) mutant.text = std::move(before);  // no gigabyte files
    }
    return mutant;
  }

 private:
  size_t pick(size_t n) { return n == 0 ? 0 : static_cast<size_t>(random_() % n); }

  void mutate(std::string& text) {
    size_t at = pick(text.size() + 1);
    switch (pick(9)) {
      case 0:  // a byte, any value
        if (!text.empty()) text[pick(text.size())] = static_cast<char>(pick(256));
        break;
      case 1:  // a run of bytes removed
        if (at < text.size()) text.erase(at, 1 + pick(std::min<size_t>(40, text.size() - at)));
        break;
      case 2:  // a token inserted
        text.insert(at, kTokens[pick(std::size(kTokens))]);
        break;
      case 3: {  // a slice repeated
        size_t length = 1 + pick(30);
        if (at + length > text.size()) break;
        std::string slice = text.substr(at, length);
        size_t times = 1 + pick(50);
        for (size_t i = 0; i < times; ++i) text.insert(at, slice);
        break;
      }
      case 4: {  // deep nesting: far past every limit
        static const char* const openers[] = {"(", "[", "{", "NOT ", "-", "CASE WHEN ", "((", "[{"};
        std::string opener = openers[pick(std::size(openers))];
        size_t times = 100 + pick(5000);
        std::string run;
        run.reserve(opener.size() * times);
        for (size_t i = 0; i < times; ++i) run += opener;
        text.insert(at, run);
        break;
      }
      case 5: {  // a long token
        static const char fill[] = {'a', '9', ' ', '$', '\'', '\xe2'};
        text.insert(at, std::string(1000 + pick(1 << 18), fill[pick(std::size(fill))]));
        break;
      }
      case 6:  // invalid UTF-8 sequences
        for (size_t i = 0, n = 1 + pick(8); i < n; ++i)
          text.insert(pick(text.size() + 1), 1, static_cast<char>(0x80 + pick(128)));
        break;
      case 7: {  // a splice from another seed
        const std::string& other = seeds_[pick(seeds_.size())].text;
        size_t from = pick(other.size() + 1);
        text.insert(at, other.substr(from, pick(200)));
        break;
      }
      case 8: {  // a line duplicated many times (long chains, many keys)
        size_t begin = text.rfind('\n', at == 0 ? 0 : at - 1);
        begin = begin == std::string::npos ? 0 : begin + 1;
        size_t end = text.find('\n', begin);
        if (end == std::string::npos) break;
        std::string line = text.substr(begin, end - begin + 1);
        size_t times = 1 + pick(1000);
        std::string run;
        for (size_t i = 0; i < times; ++i) run += line;
        text.insert(begin, run);
        break;
      }
    }
  }

  const std::vector<Seed>& seeds_;
  std::mt19937_64 random_;
};

Outcome run_compile(const std::string& rbc, const fs::path& pipeline, const fs::path& output) {
  return run_rbc(rbc, "compile", pipeline, output, kTimeLimit, kMemoryLimit);
}

// Why the outcome is a failure, or empty when it is not.
std::string verdict(const Outcome& outcome) {
  if (outcome.timed_out) return "took longer than " + std::to_string(kTimeLimit.count()) + " s";
  if (WIFSIGNALED(outcome.status)) return "killed by signal " + std::to_string(WTERMSIG(outcome.status));
  int code = WEXITSTATUS(outcome.status);
  if (code != 0 && code != 1 && code != 2) return "exit code " + std::to_string(code);
  if (code != 0 && outcome.output.empty()) return "exit code " + std::to_string(code) + " without a message";
  if (outcome.output.find("internal error") != std::string::npos) return "an internal error";
  if (outcome.output.find("runtime error:") != std::string::npos) return "a sanitizer report";
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: rbc_compile_fuzz RBC SOURCE_DIR [CASES] [SEED]\n";
    return 2;
  }
  const std::string rbc = argv[1];
  const fs::path source_dir = argv[2];
  long cases = argc > 3 ? std::atol(argv[3]) : 300;
  if (const char* env = std::getenv("RBC_FUZZ_CASES")) cases = std::atol(env);
  const uint64_t seed = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 19;

  std::vector<Seed> seeds = load_seeds(source_dir);
  if (seeds.empty()) {
    std::cerr << "no seed pipelines under " << source_dir << "\n";
    return 1;
  }
  fs::path scratch = fs::temp_directory_path() / ("rbc-fuzz-" + std::to_string(getpid()));
  fs::create_directories(scratch);
  Mutator mutator(seeds, seed);
  int failures = 0;
  long outcomes[3] = {0, 0, 0};
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < cases; ++i) {
    Seed mutant = mutator.next();
    fs::path pipeline = scratch / ("mutant" + mutant.extension);
    {
      std::ofstream out(pipeline, std::ios::binary);
      out << mutant.text;
    }
    Outcome outcome = run_compile(rbc, pipeline, scratch / "output");
    std::string problem = verdict(outcome);
    if (problem.empty()) {
      ++outcomes[WEXITSTATUS(outcome.status)];
      continue;
    }
    ++failures;
    fs::path kept = fs::temp_directory_path() /
                    ("rbc-fuzz-failure-" + std::to_string(seed) + "-" + std::to_string(i) + mutant.extension);
    fs::copy_file(pipeline, kept, fs::copy_options::overwrite_existing);
    std::cout << "FAIL: case " << i << " (seed " << seed << "): " << problem << "; mutant kept in " << kept
              << "\n"
              << outcome.output.substr(0, 2000) << "\n";
  }
  fs::remove_all(scratch);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << cases << " mutants of " << seeds.size() << " seeds in " << seconds << " s: " << outcomes[0]
            << " compiled, " << outcomes[2] << " rejected, " << outcomes[1] << " failed otherwise, "
            << failures << " crashed or hung\n";
  return failures == 0 ? 0 : 1;
}
