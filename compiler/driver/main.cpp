// rbc: the command-line driver. `rbc compile` shows plans, `rbc exec` runs them, `rbc discover`
// lists a source's tables, `rbc check` probes every connection; see docs/architecture.md.
#include <malloc.h>

#include <iostream>

#include "compiler/driver/commands.h"

int main(int argc, char** argv) {
  // Batches and COPY buffers are MiB-sized and allocated and freed at a high rate. By
  // default glibc maps such blocks afresh and gives freed memory back to the system, so
  // every batch pays page faults on memory it just had: keep them in the heap instead.
  // (The memory a run holds is still bounded by its batches in flight.)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  CLI::App app{"rbc: a declarative dataflow-graph framework and pipeline compiler"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "rbc 0.1.0");
  std::vector<std::pair<CLI::App*, rbc::driver::Command>> commands;
  rbc::driver::Command compile = rbc::driver::add_compile_command(app);
  rbc::driver::Command exec = rbc::driver::add_exec_command(app);
  rbc::driver::Command fmt = rbc::driver::add_fmt_command(app);
  rbc::driver::Command discover = rbc::driver::add_discover_command(app);
  rbc::driver::Command check = rbc::driver::add_check_command(app);
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
  return rbc::driver::kExitUserError;
}
