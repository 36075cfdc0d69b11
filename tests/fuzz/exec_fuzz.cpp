// Mutation fuzzer for `rbc exec`: mutants of small CSV and JSONL input files (bytes,
// quotes, delimiters, line breaks, long fields, invalid UTF-8, huge numbers, extreme dates,
// deep nesting) run through small pipelines (declared and inferred columns, a sql
// transform, CSV and JSONL outputs, on_data_error fail, skip and dlq). Each run must end
// in exit code 0, or 1 with a message that names the input file and line or the failing
// node, within a time bound: never a signal, a sanitizer report or an internal error.
// Every JSONL output and dead-letter line must be valid JSON. A fixed seed makes a run
// repeatable; a failing mutant is kept.
//   rbc_exec_fuzz RBC [CASES] [SEED]   (RBC_FUZZ_CASES overrides CASES)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
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

constexpr auto kTimeLimit = std::chrono::seconds(30);  // per run; sanitizer builds are slow
constexpr rlim_t kMemoryLimit = rlim_t{4} << 30;       // address space (not under ASan)
constexpr size_t kLargestMutant = size_t{4} << 20;

const char* const kCsv =
    "id,name,amount,day,at,flag,ratio\n"
    "1,alice,12.50,2024-01-15,2024-01-15 10:30:00,true,0.5\n"
    "2,\"bob, jr\",-3.25,2024-02-29,2024-02-29 23:59:59.999999,false,1e10\n"
    "3,\"quote \"\"q\"\"\",0.00,infinity,-infinity,TRUE,NaN\n"
    "4,,,,,,\n"
    "5,\xc3\xbcn\xc3\xaf,99999999.99,0044-03-15 BC,1970-01-01 00:00:00,false,-0.0\n"
    "6,\"multi\nline\",1,2000-01-01,2000-01-01 00:00:00.5,false,1\n";

const char* const kJsonl =
    "{\"id\":1,\"name\":\"alice\",\"amount\":12.5,\"day\":\"2024-01-15\",\"tags\":[1,2],\"ok\":true}\n"
    "{\"id\":2,\"name\":\"bob "
    "\\\"jr\\\"\",\"amount\":-3.25,\"day\":\"2024-02-29\",\"tags\":{\"a\":null},\"ok\":false}\n"
    "{\"id\":3,\"name\":\"\\u00fc\\ud83d\\ude00\",\"amount\":0,\"day\":\"infinity\",\"tags\":[],\"ok\":null}"
    "\n"
    "{\"id\":4}\n"
    "{\"name\":\"x\",\"id\":5,\"amount\":1e3,\"day\":\"0044-03-15 BC\"}\n";

// Fragments that break readers: quotes, delimiters, line ends, escapes, numbers and dates
// at and past every limit, invalid UTF-8.
const char* const kTokens[] = {
    "\"",
    "\"\"",
    ",",
    ",,,,",
    "\n",
    "\r\n",
    "\r",
    "\\",
    "\\u",
    "\\ud800",
    "{",
    "}",
    "[",
    "]",
    ":",
    "null",
    "NULL",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999999999999999999999",
    "1e308",
    "1e999",
    "-0",
    "NaN",
    "Infinity",
    "infinity",
    "-infinity",
    "294247-01-10 04:00:54.775807",
    "9999-12-31 23:59:59.999999",
    "0001-01-01 BC",
    "2024-02-30",
    "24:00:00",
    "+14:59",
    "\xef\xbb\xbf",
    "\xff",
    "\xc3",
    "\xe2\x82",
    "\xed\xa0\x80",
    "\xc0\xaf",
    "\x80",
    "\x00",
};

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : random_(seed) {}
  size_t pick(size_t n) { return n == 0 ? 0 : static_cast<size_t>(random_() % n); }

  std::string mutate(std::string text) {
    for (int e = 0, edits = 1 + static_cast<int>(pick(4)); e < edits; ++e) {
      std::string before = text;
      edit(text);
      if (text.size() > kLargestMutant) text = std::move(before);
    }
    return text;
  }

 private:
  void edit(std::string& text) {
    size_t at = pick(text.size() + 1);
    switch (pick(8)) {
      case 0:  // a byte, any value
        if (!text.empty()) text[pick(text.size())] = static_cast<char>(pick(256));
        break;
      case 1:  // a run of bytes removed
        if (at < text.size()) text.erase(at, 1 + pick(std::min<size_t>(20, text.size() - at)));
        break;
      case 2:  // a token inserted
        text.insert(at, kTokens[pick(std::size(kTokens))]);
        break;
      case 3: {  // a long field
        static const char fill[] = {'a', '9', ' ', '"', ',', '\xe2'};
        text.insert(at, std::string(1000 + pick(1 << 20), fill[pick(std::size(fill))]));
        break;
      }
      case 4:  // invalid UTF-8
        for (size_t i = 0, n = 1 + pick(6); i < n; ++i)
          text.insert(pick(text.size() + 1), 1, static_cast<char>(0x80 + pick(128)));
        break;
      case 5: {  // deep nesting (JSON)
        const char* opener = pick(2) ? "[" : "{\"a\":";
        std::string run;
        for (size_t i = 0, n = 10 + pick(20000); i < n; ++i) run += opener;
        text.insert(at, run);
        break;
      }
      case 6: {  // a line repeated (many records)
        size_t begin = text.rfind('\n', at == 0 ? 0 : at - 1);
        begin = begin == std::string::npos ? 0 : begin + 1;
        size_t end = text.find('\n', begin);
        if (end == std::string::npos) break;
        std::string line = text.substr(begin, end - begin + 1);
        std::string run;
        // (bounded before it is built: a long line repeated could take gigabytes)
        const size_t n = std::min<size_t>(1 + pick(20000), kLargestMutant / line.size());
        for (size_t i = 0; i < n; ++i) run += line;
        text.insert(begin, run);
        break;
      }
      case 7:  // the file cut short
        text.resize(pick(text.size() + 1));
        break;
    }
  }

  std::mt19937_64 random_;
};

// One of the pipelines the mutants run through.
struct Shape {
  const char* input;    // "csv" or "jsonl"
  const char* columns;  // the stream's columns (YAML), or "" to infer them
  const char* query;    // a sql transform, or "" for none
  const char* output;   // "csv" or "jsonl"
};

const Shape kShapes[] = {
    {"csv",
     "[{name: id, type: int64}, {name: name, type: text}, {name: amount, type: \"decimal(12,2)\"}, "
     "{name: day, type: date}, {name: at, type: timestamp}, {name: flag, type: boolean}, "
     "{name: ratio, type: float64}]",
     "SELECT id, UPPER(name) AS name, LENGTH(name) AS n, amount * 2 AS twice, EXTRACT(month FROM day) AS m, "
     "DATE_TRUNC('day', at) AS d, DATE_PART('year', at) AS y, flag, ratio FROM input",
     "jsonl"},
    {"csv", "", "", "jsonl"},
    {"csv", "", "SELECT * FROM input", "csv"},
    {"jsonl", "", "", "csv"},
    {"jsonl", "", "", "jsonl"},
    {"jsonl",
     "[{name: id, type: int32}, {name: name, type: text}, {name: amount, type: \"decimal(12,2)\"}, "
     "{name: day, type: date}, {name: tags, type: json}, {name: ok, type: boolean}]",
     "SELECT id, name || '!' AS name, amount, day, tags, ok FROM input WHERE id IS NOT NULL", "jsonl"},
};

const char* const kOnDataError[] = {"fail", "skip", "dlq"};

std::string pipeline_yaml(const Shape& shape, const fs::path& dir, const char* on_data_error) {
  std::string yaml = "version: \"1.0\"\npipeline: fuzz\nsource:\n  use: file\n  config: {path: " +
                     (dir / "in" / (std::string("data.") + shape.input)).string() +
                     "}\n  streams:\n    - name: data\n";
  if (*shape.columns) yaml += std::string("      columns: ") + shape.columns + "\n";
  if (*shape.query)
    yaml += std::string("transforms:\n  - use: sql\n    config: {query: \"") + shape.query + "\"}\n";
  yaml += "destination:\n  use: file\n  config: {path: " + (dir / "out").string() +
          "/, format: " + shape.output + "}\n  on_data_error: " + on_data_error +
          "\n  dlq_path: " + (dir / "dead.jsonl").string() + "\n";
  return yaml;
}

Outcome run_exec(const std::string& rbc, const fs::path& pipeline, const fs::path& output) {
  return run_rbc(rbc, "exec", pipeline, output, kTimeLimit, kMemoryLimit);
}

// The first line of `path` that is not one JSON value, or empty.
std::string invalid_json_line(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (!nlohmann::json::accept(line)) return path.filename().string() + ":" + std::to_string(number);
  }
  return {};
}

// Why the outcome is a failure, or empty when it is not.
std::string verdict(const Outcome& outcome, const Shape& shape, const fs::path& dir) {
  if (outcome.timed_out) return "took longer than " + std::to_string(kTimeLimit.count()) + " s";
  if (WIFSIGNALED(outcome.status)) return "killed by signal " + std::to_string(WTERMSIG(outcome.status));
  const std::string& text = outcome.output;
  if (text.find("runtime error:") != std::string::npos || text.find("Sanitizer") != std::string::npos)
    return "a sanitizer report";
  if (text.find("internal error") != std::string::npos) return "an internal error";
  const int code = WEXITSTATUS(outcome.status);
  if (code != 0 && code != 1) return "exit code " + std::to_string(code);
  if (code == 1) {
    // Located: the input file with a line number, or the node that failed.
    const std::string file = (dir / "in" / (std::string("data.") + shape.input)).string() + ":";
    const size_t at = text.find(file);
    const bool with_line = at != std::string::npos && at + file.size() < text.size() &&
                           std::isdigit(static_cast<unsigned char>(text[at + file.size()]));
    if (!with_line && text.find("node %") == std::string::npos) return "an error that names no place";
    return {};
  }
  if (std::string(shape.output) == "jsonl") {
    std::string bad = invalid_json_line(dir / "out" / "data.jsonl");
    if (!bad.empty()) return "output line " + bad + " is not JSON";
  }
  if (fs::exists(dir / "dead.jsonl")) {
    std::string bad = invalid_json_line(dir / "dead.jsonl");
    if (!bad.empty()) return "dead letter " + bad + " is not JSON";
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: rbc_exec_fuzz RBC [CASES] [SEED]\n";
    return 2;
  }
  const std::string rbc = argv[1];
  long cases = argc > 2 ? std::atol(argv[2]) : 100;
  if (const char* env = std::getenv("RBC_FUZZ_CASES")) cases = std::atol(env);
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 19;

  const fs::path dir = fs::temp_directory_path() / ("rbc-exec-fuzz-" + std::to_string(getpid()));
  Mutator mutator(seed);
  int failures = 0;
  long ok = 0, errors = 0;
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < cases; ++i) {
    const Shape& shape = kShapes[mutator.pick(std::size(kShapes))];
    const char* on_data_error = kOnDataError[mutator.pick(std::size(kOnDataError))];
    const std::string data = mutator.mutate(std::string(shape.input) == "csv" ? kCsv : kJsonl);
    fs::remove_all(dir);
    fs::create_directories(dir / "in");
    fs::create_directories(dir / "out");
    {
      std::ofstream out(dir / "in" / (std::string("data.") + shape.input), std::ios::binary);
      out << data;
      std::ofstream yaml(dir / "pipeline.yaml", std::ios::binary);
      yaml << pipeline_yaml(shape, dir, on_data_error);
    }
    Outcome outcome = run_exec(rbc, dir / "pipeline.yaml", dir / "output");
    std::string problem = verdict(outcome, shape, dir);
    if (problem.empty()) {
      ++(WEXITSTATUS(outcome.status) == 0 ? ok : errors);
      continue;
    }
    ++failures;
    const fs::path kept = fs::temp_directory_path() /
                          ("rbc-exec-fuzz-failure-" + std::to_string(seed) + "-" + std::to_string(i));
    fs::remove_all(kept);
    fs::copy(dir, kept, fs::copy_options::recursive);
    std::cout << "FAIL: case " << i << " (seed " << seed << "): " << problem << "; kept in " << kept << "\n"
              << outcome.output.substr(0, 2000) << "\n";
  }
  fs::remove_all(dir);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << cases << " mutated inputs in " << seconds << " s: " << ok << " ran, " << errors
            << " stopped with a located error, " << failures << " crashed, hung or wrote invalid output\n";
  return failures == 0 ? 0 : 1;
}
