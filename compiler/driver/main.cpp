// rbc: the command-line driver. `rbc compile` shows plans, `rbc exec` runs them, `rbc discover`
// lists a source's tables, `rbc check` probes every connection, `rbc cdc` shows or drops
// replication slots; see docs/architecture.md.
#include <iostream>

#include "compiler/driver/commands.h"

int main(int argc, char** argv) {
  // (The allocator is tuned for batches in exec_command.cpp, the one command that moves them.)
  CLI::App app{"rbc: a declarative dataflow-graph framework and pipeline compiler"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "rbc 0.1.0");
  std::vector<std::pair<CLI::App*, rbc::driver::Command>> commands;
  rbc::driver::Command compile = rbc::driver::add_compile_command(app);
  rbc::driver::Command exec = rbc::driver::add_exec_command(app);
  rbc::driver::Command fmt = rbc::driver::add_fmt_command(app);
  rbc::driver::Command discover = rbc::driver::add_discover_command(app);
  rbc::driver::Command check = rbc::driver::add_check_command(app);
  rbc::driver::Command cdc = rbc::driver::add_cdc_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : rbc::driver::kExitUserError;
  }
  if (app.got_subcommand("compile")) return compile();
  if (app.got_subcommand("exec")) return exec();
  if (app.got_subcommand("fmt")) return fmt();
  if (app.got_subcommand("discover")) return discover();
  if (app.got_subcommand("check")) return check();
  if (app.got_subcommand("cdc")) return cdc();
  return rbc::driver::kExitUserError;
}
