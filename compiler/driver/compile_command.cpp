// `rbc compile PIPELINE [--emit text|json|dot]`: print the plan rbc would run.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>

#include "compiler/compile.h"
#include "compiler/driver/commands.h"
#include "connectors/postgres/pg_catalog.h"
#include "graph/plan_printer.h"
#include "graph/utf8.h"

namespace rbc::driver {

namespace {

struct CompileArguments {
  std::string pipeline;
  std::string emit = "text";
  std::string output;
  int cores = 0;
  std::vector<std::string> print_after;
  bool list_passes = false;
  bool time_passes = false;
  bool catalog = false;
};

std::string pass_list_text() {
  std::ostringstream out;
  for (const auto& pass : registered_passes())
    out << "  " << std::left << std::setw(20) << pass.name << pass.summary << '\n';
  return out.str();
}

int run_compile(const CompileArguments& args) {
  if (args.list_passes) {
    std::cout << "passes, in run order:\n" << pass_list_text();
    return kExitOk;
  }
  if (args.pipeline.empty()) {
    std::cerr << "rbc compile: a PIPELINE file is required\n";
    return kExitUserError;
  }
  for (const auto& name : args.print_after) {
    bool known = name == "all";
    for (const auto& pass : registered_passes()) known = known || pass.name == name;
    if (!known) {
      std::cerr << "rbc compile: unknown pass '" << name << "' in --print-after; passes:\n"
                << pass_list_text();
      return kExitUserError;
    }
  }

  if (args.emit == "rbc") {
    DiagnosticEngine diagnostics;
    std::optional<std::string> program = pipeline_as_rbc(args.pipeline, diagnostics);
    if (!program) {
      std::cerr << diagnostics.render();
      return kExitUserError;
    }
    std::cout << *program;
    return kExitOk;
  }

  CompileRequest request;
  request.path = args.pipeline;
  request.options.available_cores = args.cores;
  request.instrumentation.print_after = {args.print_after.begin(), args.print_after.end()};
  request.instrumentation.print_stream = &std::cout;
  request.instrumentation.time_passes = args.time_passes;
  std::unique_ptr<SourceCatalog> catalog;
  if (args.catalog) {
    catalog = pg::make_postgres_catalog(kCatalogConnectTimeoutSeconds);
    request.options.catalog = catalog.get();
  }
  Compilation compilation = compile_pipeline(request);
  for (const auto& note : compilation.notes) std::cerr << "note: " << note << '\n';

  if (auto exit_code = report_compilation_problems(compilation, args.pipeline)) return *exit_code;

  const PhysicalPlan& plan = *compilation.plan;
  std::string rendered;
  if (args.emit == "json") {
    rendered = json_text(plan_to_json(plan), 2) + "\n";
  } else if (args.emit == "dot") {
    rendered = print_plan_dot(plan);
  } else {
    rendered = print_plan_text(plan);
  }
  if (args.output.empty()) {
    std::cout << rendered;
  } else {
    std::ofstream out(args.output, std::ios::binary);
    out << rendered;
    if (!out) {
      std::cerr << "rbc compile: cannot write " << args.output << '\n';
      return kExitFailure;
    }
  }
  if (args.time_passes) {
    std::cerr << "pass timings:\n";
    double total = 0;
    for (const auto& timing : compilation.timings) {
      std::cerr << "  " << std::left << std::setw(20) << timing.name << std::fixed << std::setprecision(3)
                << timing.milliseconds << " ms\n";
      total += timing.milliseconds;
    }
    std::cerr << "  " << std::left << std::setw(20) << "total" << total << " ms\n";
  }
  return kExitOk;
}

}  // namespace

std::optional<int> report_compilation_problems(const Compilation& compilation, const std::string& pipeline) {
  if (!compilation.diagnostics.diagnostics().empty()) std::cerr << compilation.diagnostics.render();
  if (!compilation.internal_error.is_ok()) {
    std::cerr << "rbc: internal error: " << compilation.internal_error.message() << '\n';
    return kExitFailure;
  }
  if (compilation.diagnostics.has_errors()) {
    size_t n = compilation.diagnostics.error_count();
    std::cerr << n << (n == 1 ? " error" : " errors") << " in " << pipeline << '\n';
    return kExitUserError;
  }
  return std::nullopt;
}

Command add_compile_command(CLI::App& app) {
  auto args = std::make_shared<CompileArguments>();
  CLI::App* command =
      app.add_subcommand("compile", "Show the plan for a pipeline: every node, its concurrency and why");
  command->add_option("pipeline", args->pipeline, "pipeline file (.yaml or .rbc)");
  command->add_option("--emit", args->emit, "output format; rbc: the pipeline in the .rbc language")
      ->check(CLI::IsMember({"text", "json", "dot", "rbc"}));
  command->add_option("-o,--output", args->output, "write the plan to this file instead of stdout");
  command->add_option("--cores", args->cores, "plan for a machine with N cores (default: this machine)")
      ->check(CLI::Range(1, 4096));
  command
      ->add_option("--print-after", args->print_after,
                   "print the plan after pass NAME ('all' for every pass); passes:\n" + pass_list_text())
      ->delimiter(',');
  command->add_flag("--list-passes", args->list_passes, "list the compiler passes in run order");
  command->add_flag("--time-passes", args->time_passes, "print how long each pass took (to stderr)");
  command->add_flag("--catalog", args->catalog,
                    "also check streams against the source database's catalog (tables, columns, partition "
                    "keys, sql types); an unreachable database skips these checks with a note");
  return [args] { return run_compile(*args); };
}

}  // namespace rbc::driver
