// What the fuzzers share: running `rbc COMMAND PIPELINE` in a child process with its output
// in a file, stdin empty, a time limit and (outside AddressSanitizer, which reserves far
// more address space than it uses) a memory limit.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace rbc::fuzz {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Outcome {
  bool timed_out = false;
  int status = 0;  // waitpid's
  std::string output;
};

inline Outcome run_rbc(const std::string& rbc, const char* command, const std::filesystem::path& pipeline,
                       const std::filesystem::path& output, std::chrono::seconds time_limit,
                       rlim_t memory_limit) {
  Outcome outcome;
  pid_t child = fork();
  if (child == 0) {
    int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    if (std::getenv("ASAN_OPTIONS") == nullptr) {
      rlimit limit{memory_limit, memory_limit};
      setrlimit(RLIMIT_AS, &limit);
    }
    execl(rbc.c_str(), rbc.c_str(), command, pipeline.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + time_limit;
  while (true) {
    pid_t done = waitpid(child, &outcome.status, WNOHANG);
    if (done == child) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(child, SIGKILL);
      waitpid(child, &outcome.status, 0);
      outcome.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  outcome.output = read_file(output);
  return outcome;
}

}  // namespace rbc::fuzz
