// `rbc fmt FILE.rbc [--check | --in-place]`: the canonical layout of a pipeline program.
#include <fstream>
#include <iostream>
#include <memory>

#include "compiler/compile.h"
#include "compiler/driver/commands.h"

namespace rbc::driver {

namespace {

struct FmtArguments {
  std::string program;
  bool check = false;
  bool in_place = false;
};

int run_fmt(const FmtArguments& args) {
  if (!is_rbc_program(args.program)) {
    std::cerr << "rbc fmt: " << args.program << " is not an .rbc program (translate YAML with rbc compile "
              << args.program << " --emit rbc)\n";
    return kExitUserError;
  }
  DiagnosticEngine diagnostics;
  std::optional<std::string> formatted = pipeline_as_rbc(args.program, diagnostics);
  if (!formatted) {
    std::cerr << diagnostics.render();
    return kExitUserError;
  }
  if (!args.check && !args.in_place) {
    std::cout << *formatted;
    return kExitOk;
  }
  std::ifstream in(args.program, std::ios::binary);
  std::string current((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (current == *formatted) return kExitOk;
  if (args.check) {
    std::cerr << args.program << ": not in canonical format (run rbc fmt --in-place " << args.program
              << ")\n";
    return kExitFailure;
  }
  // Write beside the file and rename, so that a failure never leaves half a program.
  std::string temporary = args.program + ".fmt.tmp";
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  out << *formatted;
  out.close();
  if (!out || std::rename(temporary.c_str(), args.program.c_str()) != 0) {
    std::remove(temporary.c_str());
    std::cerr << "rbc fmt: cannot write " << args.program << '\n';
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

Command add_fmt_command(CLI::App& app) {
  auto args = std::make_shared<FmtArguments>();
  CLI::App* command = app.add_subcommand("fmt", "Print an .rbc pipeline program in its canonical layout");
  command->add_option("program", args->program, "pipeline program (.rbc)")->required();
  auto* check = command->add_flag("--check", args->check, "exit 1 if the file is not in canonical layout");
  command->add_flag("-i,--in-place", args->in_place, "rewrite the file in canonical layout")->excludes(check);
  return [args] { return run_fmt(*args); };
}

}  // namespace rbc::driver
