// The .rbc parser and lowering: values as written, positions, and a fuzz-style test
// that feeds thousands of mutated programs (truncated, byte-flipped, spliced) to the
// front-end: no crash, no hang, and every failure is a located diagnostic.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "compiler/compile.h"
#include "dsl/lang/format.h"
#include "dsl/lang/lower.h"
#include "dsl/lang/parser.h"

namespace rbc::lang {
namespace {

EnvLookup fake_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (name == "SRC_URL") return "postgresql://rbc@127.0.0.1/src";
    return std::nullopt;
  };
}

std::optional<LogicalGraph> compile_text(const std::string& text, DiagnosticEngine& diagnostics) {
  auto parsed = parse_program("test.rbc", text, diagnostics);
  if (diagnostics.has_errors()) return std::nullopt;
  return lower_program(*parsed, pipeline_vocabulary(), diagnostics, fake_env());
}

TEST(LangParser, ValuesKeepTheirMeaning) {
  DiagnosticEngine diagnostics;
  auto graph = compile_text(R"(pipeline "my pipe" {
  let src = file(path: "a\"b\\c\td", header: false, delimiter: ";")
  src.stream("t", columns: [id: int64, {name: n, type: text, nullable: false}])
      |> sql("""SELECT id,
  n FROM input""") |> postgres(url: env("SRC_URL"), copy_flush_bytes: 8mb).table("raw.t", primary_key: id)
  resources { max_batch_bytes: 1mb, checkpoint_interval_seconds: 5m, parallelism: 3 }
})",
                            diagnostics);
  ASSERT_TRUE(graph) << diagnostics.render();
  ASSERT_FALSE(diagnostics.has_errors()) << diagnostics.render();
  EXPECT_EQ(graph->info.name.value, "my pipe");
  const SourceNode& source = graph->node(0).source();
  EXPECT_EQ(source.connector.config.values["path"], "a\"b\\c\td");
  EXPECT_EQ(source.connector.config.values["header"], false);
  ASSERT_TRUE(source.stream.declared_schema);
  EXPECT_EQ(source.stream.declared_schema->size(), 2u);
  EXPECT_FALSE(source.stream.declared_schema->field(1).nullable);
  EXPECT_EQ(graph->node(1).transform().spec.config.values["query"], "SELECT id,\n  n FROM input");
  const SinkNode& sink = graph->node(2).sink();
  EXPECT_EQ(sink.target, "raw.t");
  EXPECT_EQ(sink.destination.connector.config.values["url"], "postgresql://rbc@127.0.0.1/src");
  EXPECT_EQ(sink.destination.connector.config.values["copy_flush_bytes"], "8mb");
  EXPECT_EQ(sink.destination.primary_key.value, std::vector<std::string>{"id"});
  EXPECT_EQ(graph->info.resources.max_batch_bytes.value, int64_t{1} << 20);
  EXPECT_EQ(graph->info.resources.checkpoint_interval_seconds.value, 300);
  EXPECT_EQ(graph->info.resources.parallelism.value, 3);
  // Positions: the sink's write options are located where they were written.
  EXPECT_EQ(sink.destination.connector.use.where.line, 5u);
  EXPECT_EQ(graph->node(1).transform().spec.config.range_of("query").line, 4u);
  EXPECT_EQ(graph->node(1).transform().spec.config.range_of("query").column, 14u);
}

TEST(LangParser, EveryBrokenStatementIsReportedOnce) {
  DiagnosticEngine diagnostics;
  compile_text("pipeline p {\n  let a = x(\n  let b = y(]\n  let c = f(path: \"open\n  ok |> fine\n}\n",
               diagnostics);
  ASSERT_EQ(diagnostics.error_count(), 3u) << diagnostics.render();
  EXPECT_EQ(diagnostics.diagnostics()[0].where.line, 3u);
  EXPECT_EQ(diagnostics.diagnostics()[0].message, "expected ')' to close 'x(' opened at 2:12");
  EXPECT_EQ(diagnostics.diagnostics()[1].message, "expected ')' to close 'y(' opened at 3:12");
  EXPECT_EQ(diagnostics.diagnostics()[2].message, "unterminated string");
}

std::vector<std::string> messages(const DiagnosticEngine& diagnostics) {
  std::vector<std::string> out;
  for (const auto& d : diagnostics.diagnostics())
    out.push_back(std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + " " + d.message);
  return out;
}

TEST(LangParser, HardCases) {
  struct Case {
    std::string program;
    std::vector<std::string> expected;
  };
  const Case cases[] = {
      // A bad escape is reported at the backslash, not as an unterminated string.
      {"pipeline p {\n  let s = file(path: \"C:\\data\")\n}\n", {"2:25 invalid escape sequence in a string"}},
      // A predicate router whose condition is not text: an error, no crash.
      {"pipeline p {\n  generator(rows: 1).stream(\"t\") |> route(big: 5) |> file(path: \"o\")\n}\n",
       {"2:48 the condition of output 'big' must be a string or a name, got the number 5"}},
      // Stray closers do not buy nesting depth for later openers.
      {(std::string("pipeline p {\n  \"\"\"") + std::string(100, ']') + "\"\"\" " + std::string(100, ')') +
        "\n  x |> f(a: " + std::string(100, '[') + ")\n}\n"),
       {}},
      // After an error inside a statement with a multi-line string, lines of the string are
      // not taken for statements.
      {"pipeline p {\n  let q = sql(oops: , \"\"\"SELECT 1\nFROM input\nWHERE x\"\"\")\n}\n",
       {"2:21 expected a value"}},
      {"pipeline p {\n  let state = file(path: \"a\")\n}\n",
       {"2:7 'state' is a reserved word and cannot name a node"}},
      {"pipeline p {\n  file(path: \"a\")\n}\n", {"2:3 this statement does nothing"}},
  };
  for (const auto& c : cases) {
    DiagnosticEngine diagnostics;
    compile_text(c.program, diagnostics);
    auto got = messages(diagnostics);
    if (c.expected.empty()) {
      ASSERT_EQ(got.size(), 1u) << c.program;  // too deep: exactly one error
      EXPECT_NE(got[0].find("nested too deeply"), std::string::npos) << got[0];
    } else {
      EXPECT_EQ(got, c.expected) << c.program << diagnostics.render();
    }
  }
}

TEST(LangFormat, NamesAndKeysThatAreNotIdentifiersStayParseable) {
  DiagnosticEngine diagnostics;
  auto parsed =
      parse_program("t.rbc",
                    "pipeline \"a\\nb\" {\n  let s = generator(\"odd key\": 1).stream(\"t\", columns: "
                    "[\"order-id\": int64])\n  s |> file(path: \"o\")\n}\n",
                    diagnostics);
  ASSERT_FALSE(diagnostics.has_errors()) << diagnostics.render();
  std::string text = format_program(parsed->program, parsed.get());
  EXPECT_NE(text.find("pipeline \"a\\nb\" {"), std::string::npos) << text;
  EXPECT_NE(text.find("generator(\"odd key\": 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("[\"order-id\": int64]"), std::string::npos) << text;
  DiagnosticEngine again;
  parse_program("t2.rbc", text, again);
  EXPECT_FALSE(again.has_errors()) << again.render();
}

TEST(LangFormat, TranslationLowersToTheSameGraph) {
  DiagnosticEngine diagnostics;
  auto graph = compile_text(
      "pipeline p {\n  let s = generator(rows: 5).stream(\"t\", columns: [id: int64])\n"
      "  s |> validate(rules: [{assert_not_null: [id]}]) |> file(path: \"o/\").table(write_mode: replace)\n"
      "  resources { autotune { pin_parallelism: 2 } }\n}\n",
      diagnostics);
  ASSERT_TRUE(graph) << diagnostics.render();
  std::string text = format_program(program_of(*graph, pipeline_vocabulary(), diagnostics));
  DiagnosticEngine again;
  auto round_trip = compile_text(text, again);
  ASSERT_TRUE(round_trip) << again.render() << text;
  ASSERT_EQ(round_trip->node_count(), graph->node_count());
  EXPECT_EQ(round_trip->node(1).transform().spec.config.values,
            graph->node(1).transform().spec.config.values);
  EXPECT_EQ(round_trip->info.resources.autotune.pin_parallelism.value, 2);
}

std::vector<std::string> seed_programs() {
  std::vector<std::string> programs;
  for (const char* dir : {"examples", "tests/golden", "tests/lang", "tests/diagnostics"}) {
    for (const auto& entry : std::filesystem::directory_iterator(std::string(RBC_SOURCE_DIR) + "/" + dir)) {
      if (entry.path().extension() != ".rbc") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      programs.push_back(text.str());
    }
  }
  return programs;
}

// Runs the front-end on `text`; a failure must be located diagnostics, never a crash.
// A program that parses must format into text that parses to the same layout again.
void expect_graceful(const std::string& text) {
  {
    DiagnosticEngine syntax;
    auto parsed = parse_program("fuzz.rbc", text, syntax);
    if (!syntax.has_errors()) {
      std::string once = format_program(parsed->program, parsed.get());
      DiagnosticEngine again;
      auto reparsed = parse_program("fuzz.rbc", once, again);
      ASSERT_FALSE(again.has_errors()) << "formatted text does not parse:\n" << once << again.render();
      ASSERT_EQ(format_program(reparsed->program, reparsed.get()), once) << "fmt is not idempotent on:\n"
                                                                         << text;
    }
  }
  DiagnosticEngine diagnostics;
  std::optional<LogicalGraph> graph;
  ASSERT_NO_THROW(graph = compile_text(text, diagnostics)) << text;
  if (diagnostics.has_errors()) {
    for (const auto& diagnostic : diagnostics.diagnostics()) {
      ASSERT_FALSE(diagnostic.message.empty()) << text;
      ASSERT_GE(diagnostic.where.line, 1u) << diagnostic.message << "\n" << text;
    }
    ASSERT_NO_THROW(diagnostics.render());
  } else {
    ASSERT_TRUE(graph) << text;
  }
}

TEST(LangFuzz, MutatedProgramsFailWithDiagnostics) {
  std::vector<std::string> seeds = seed_programs();
  ASSERT_GE(seeds.size(), 20u);
  std::mt19937 random(20261123);
  const std::string syntax = "(){}[]\",:.|>#=\\\n \"\"\"";
  size_t runs = 0;
  for (const auto& seed : seeds) {
    for (size_t cut = 0; cut < seed.size(); cut += 5, ++runs) expect_graceful(seed.substr(0, cut));
    for (int i = 0; i < 100; ++i, ++runs) {
      std::string mutated = seed;
      int edits = 1 + static_cast<int>(random() % 4);
      for (int e = 0; e < edits && !mutated.empty(); ++e) {
        size_t at = random() % mutated.size();
        switch (random() % 4) {
          case 0: mutated[at] = static_cast<char>(random() % 256); break;          // flip a byte
          case 1: mutated.insert(at, 1, syntax[random() % syntax.size()]); break;  // insert syntax
          case 2: mutated.erase(at, 1 + random() % 8); break;                      // delete a run
          case 3: mutated.insert(at, seed.substr(random() % seed.size(), random() % 40)); break;  // splice
        }
      }
      expect_graceful(mutated);
    }
  }
  EXPECT_GE(runs, 3000u);
}

}  // namespace
}  // namespace rbc::lang
