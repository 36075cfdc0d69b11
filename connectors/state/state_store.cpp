// The state backends that need no database (none, file) and the factory that picks one.
#include "connectors/state/state_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "connectors/file/file_options.h"
#include "graph/utf8.h"

namespace rbc {
namespace {

class NoStateStore final : public StateStore {
 public:
  std::string describe() const override { return "none (incremental streams read from the beginning)"; }
  Result<std::optional<CursorPosition>> load(const std::string&, const std::string&) override {
    return std::optional<CursorPosition>();
  }
  Status begin_run(const RunRecord&) override { return Status::ok(); }
  Result<std::optional<RunRecord>> unfinished_run(const RunRecord&) override {
    return std::optional<RunRecord>();
  }
  Status save(const RunRecord&, const Checkpoint&) override { return Status::ok(); }
  Status forget(const std::string&, const std::string&) override { return Status::ok(); }
  Status end_run(const RunRecord&) override { return Status::ok(); }
  Result<std::optional<TunedChoice>> load_choice(const std::string&, const std::string&, int) override {
    return std::optional<TunedChoice>();
  }
  Status save_choice(const std::string&, const std::string&, const TunedChoice&) override {
    return Status::ok();
  }
};

std::string utc_now() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// {"pipelines": {NAME: {"cursors": {STREAM: {...}}, "runs": [{...}, ...],
// "autotune": {STREAM: {CORES: {...}}}}}}; the file is
// read and rewritten whole (temp file + rename) on every change, so a crash leaves the
// old content or the new, never a torn file. Only the last kMaxRuns runs are kept.
// `<path>.lock` serialises the changes of every process (flock, held while one rewrites
// the file) and holds each running stream's run lock (an open-file-description lock on one
// byte picked by the stream's hash, released when the process ends however it ends).
class FileStateStore final : public StateStore {
 public:
  explicit FileStateStore(std::string path) : path_(std::move(path)) {}
  ~FileStateStore() override {
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  std::string describe() const override { return "file " + path_; }

  Result<std::optional<CursorPosition>> load(const std::string& pipeline,
                                             const std::string& stream) override {
    std::lock_guard lock(mu_);
    RBC_ASSIGN_OR_RETURN(nlohmann::json doc, read());
    const nlohmann::json* cursor = find(doc, {"pipelines", pipeline, "cursors", stream});
    if (cursor == nullptr || !cursor->contains("cursor_value")) return std::optional<CursorPosition>();
    CursorPosition position;
    position.cursor_value = (*cursor)["cursor_value"].get<std::string>();
    if (cursor->contains("tie_breaker_value") && (*cursor)["tie_breaker_value"].is_string())
      position.tie_breaker_value = (*cursor)["tie_breaker_value"].get<std::string>();
    return std::optional<CursorPosition>(std::move(position));
  }

  Status begin_run(const RunRecord& run) override {
    RBC_RETURN_NOT_OK(take_run_lock(run));
    return update([&](nlohmann::json& doc) {
      nlohmann::json& runs = doc["pipelines"][run.pipeline]["runs"];
      if (!runs.is_array()) runs = nlohmann::json::array();
      if (run_entry(runs, run) != nullptr) return;  // a retry of the same run
      for (auto& entry : runs) {
        if (entry["stream"] != run.stream || entry["status"] != "running") continue;
        entry["status"] = "abandoned";
        entry["finished_at"] = utc_now();
        entry["error"] = "its process ended without recording an outcome";
      }
      runs.push_back({{"run_id", run.run_id},
                      {"stream", run.stream},
                      {"started_at", utc_now()},
                      {"status", run.status},
                      {"rows", 0},
                      {"checkpoints", 0},
                      {"retries", 0}});
      if (runs.size() > kMaxRuns) runs.erase(runs.begin(), runs.end() - kMaxRuns);
    });
  }

  Result<std::optional<RunRecord>> unfinished_run(const RunRecord& run) override {
    std::lock_guard lock(mu_);
    RBC_ASSIGN_OR_RETURN(nlohmann::json doc, read());
    const nlohmann::json* runs = find(doc, {"pipelines", run.pipeline, "runs"});
    if (runs == nullptr || !runs->is_array()) return std::optional<RunRecord>();
    for (auto entry = runs->rbegin(); entry != runs->rend(); ++entry) {  // newest first
      if ((*entry).value("stream", "") != run.stream || (*entry).value("run_id", "") == run.run_id) continue;
      std::string status = (*entry).value("status", "");
      if (status == "succeeded") break;
      uint64_t rows = (*entry).value("rows", uint64_t{0});
      if (rows == 0) continue;
      RunRecord found = RunRecord::of((*entry).value("run_id", ""), run.pipeline, run.stream);
      found.status = status;
      found.rows_committed = rows;
      found.started_at = (*entry).value("started_at", "");
      found.error = (*entry).value("error", "");
      return std::optional<RunRecord>(std::move(found));
    }
    return std::optional<RunRecord>();
  }

  Status save(const RunRecord& run, const Checkpoint& checkpoint) override {
    return update([&](nlohmann::json& doc) {
      nlohmann::json& pipeline = doc["pipelines"][run.pipeline];
      if (nlohmann::json* entry = run_entry(pipeline["runs"], run)) {
        (*entry)["rows"] = (*entry)["rows"].get<uint64_t>() + checkpoint.rows;
        (*entry)["checkpoints"] = (*entry)["checkpoints"].get<int>() + 1;
      }
      if (!checkpoint.position) return;
      nlohmann::json cursor = {{"cursor_value", checkpoint.position->cursor_value},
                               {"run_id", run.run_id},
                               {"updated_at", utc_now()}};
      if (checkpoint.position->tie_breaker_value)
        cursor["tie_breaker_value"] = *checkpoint.position->tie_breaker_value;
      pipeline["cursors"][run.stream] = std::move(cursor);
    });
  }

  Status forget(const std::string& pipeline, const std::string& stream) override {
    return update([&](nlohmann::json& doc) {
      if (!doc.contains("pipelines") || !doc["pipelines"].contains(pipeline)) return;
      nlohmann::json& cursors = doc["pipelines"][pipeline]["cursors"];
      if (cursors.is_object()) cursors.erase(stream);
    });
  }

  Result<std::optional<TunedChoice>> load_choice(const std::string& pipeline, const std::string& stream,
                                                 int cores) override {
    RBC_ASSIGN_OR_RETURN(nlohmann::json doc, read());
    const nlohmann::json* saved =
        find(doc, {"pipelines", pipeline, "autotune", stream, std::to_string(cores)});
    if (saved == nullptr || !saved->is_object()) return std::optional<TunedChoice>();
    TunedChoice choice;
    choice.cores = cores;
    choice.parallelism = saved->value("parallelism", 0);
    choice.partition_mode = saved->value("partition_mode", "mod");
    choice.copy_flush_bytes = saved->value("copy_flush_bytes", int64_t{0});
    choice.node_concurrency = saved->value("node_concurrency", 0);
    choice.bytes_per_second = saved->value("bytes_per_second", 0.0);
    choice.table_rows = saved->value("table_rows", 0.0);
    choice.run_id = saved->value("run_id", "");
    if (choice.parallelism < 1) return std::optional<TunedChoice>();  // not one rbc wrote
    return std::optional<TunedChoice>(std::move(choice));
  }

  Status save_choice(const std::string& pipeline, const std::string& stream,
                     const TunedChoice& choice) override {
    return update([&](nlohmann::json& doc) {
      doc["pipelines"][pipeline]["autotune"][stream][std::to_string(choice.cores)] = {
          {"parallelism", choice.parallelism},
          {"partition_mode", choice.partition_mode},
          {"copy_flush_bytes", choice.copy_flush_bytes},
          {"node_concurrency", choice.node_concurrency},
          {"bytes_per_second", choice.bytes_per_second},
          {"table_rows", choice.table_rows},
          {"run_id", choice.run_id},
          {"chosen_at", utc_now()}};
    });
  }

  Status end_run(const RunRecord& run) override {
    return update([&](nlohmann::json& doc) {
      if (nlohmann::json* entry = run_entry(doc["pipelines"][run.pipeline]["runs"], run)) {
        (*entry)["status"] = run.status;
        (*entry)["finished_at"] = utc_now();
        (*entry)["retries"] = run.retries;
        if (!run.error.empty()) (*entry)["error"] = run.error;
      }
    });
  }

 private:
  static constexpr size_t kMaxRuns = 100;

  static const nlohmann::json* find(const nlohmann::json& doc, std::initializer_list<std::string> path) {
    const nlohmann::json* at = &doc;
    for (const auto& key : path) {
      if (!at->is_object() || !at->contains(key)) return nullptr;
      at = &(*at)[key];
    }
    return at;
  }

  static nlohmann::json* run_entry(nlohmann::json& runs, const RunRecord& run) {
    if (!runs.is_array()) return nullptr;
    for (auto& entry : runs) {
      if (entry["run_id"] == run.run_id && entry["stream"] == run.stream) return &entry;
    }
    return nullptr;
  }

  Result<nlohmann::json> read() const {
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
      if (errno == ENOENT) return nlohmann::json::object();
      return Status::io_error("state: cannot read " + path_ + ": " + std::strerror(errno));
    }
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
      return Status::invalid("state: " + path_ + " is not a JSON object");
    return doc;
  }

  // Opens `<path>.lock` once.
  Status open_lock() {
    if (lock_fd_ >= 0) return Status::ok();
    std::string lock_path = path_ + ".lock";
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (lock_fd_ < 0)
      return Status::io_error("state: cannot open " + lock_path + ": " + std::strerror(errno));
    return Status::ok();
  }

  Status take_run_lock(const RunRecord& run) {
    std::lock_guard lock(mu_);
    RBC_RETURN_NOT_OK(open_lock());
    std::string name = run.pipeline + '\x1f' + run.stream;
    struct flock byte {};
    byte.l_type = F_WRLCK;
    byte.l_whence = SEEK_SET;
    byte.l_start = static_cast<off_t>(XXH64(name.data(), name.size(), 0) % (off_t{1} << 40));
    byte.l_len = 1;
    if (::fcntl(lock_fd_, F_OFD_SETLK, &byte) == 0) return Status::ok();
    if (errno != EAGAIN && errno != EACCES)
      return Status::io_error("state: cannot lock " + path_ + ".lock: " + std::strerror(errno));
    return Status::invalid("another run of pipeline \"" + run.pipeline + "\" stream \"" + run.stream +
                           "\" is in progress (it holds its lock in " + path_ +
                           ".lock); two runs of one stream cannot overlap");
  }

  template <typename Change>
  Status update(Change change) {
    std::lock_guard lock(mu_);
    RBC_RETURN_NOT_OK(open_lock());
    // Every process's change is a read-modify-write of the whole file: one at a time.
    if (::flock(lock_fd_, LOCK_EX) != 0)
      return Status::io_error("state: cannot lock " + path_ + ".lock: " + std::strerror(errno));
    struct Unlock {
      int fd;
      ~Unlock() { ::flock(fd, LOCK_UN); }
    } unlock{lock_fd_};
    RBC_ASSIGN_OR_RETURN(nlohmann::json doc, read());
    change(doc);
    std::string temporary = path_ + ".rbc-tmp-" + std::to_string(getpid());
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out << json_text(doc, 2) << '\n';
      out.flush();
      if (!out) return Status::io_error("state: cannot write " + temporary + ": " + std::strerror(errno));
    }
    if (std::rename(temporary.c_str(), path_.c_str()) != 0) {
      std::remove(temporary.c_str());
      return Status::io_error("state: cannot rename " + temporary + " to " + path_ + ": " +
                              std::strerror(errno));
    }
    return Status::ok();
  }

  std::string path_;
  int lock_fd_ = -1;  // <path>.lock
  std::mutex mu_;
};

}  // namespace

std::unique_ptr<StateStore> make_file_state_store(std::string path) {
  return std::make_unique<FileStateStore>(std::move(path));
}

Result<std::unique_ptr<StateStore>> make_no_state_store(const StateSpec& /*state*/,
                                                        const ConnectorRef& /*destination*/) {
  return std::unique_ptr<StateStore>(std::make_unique<NoStateStore>());
}

Result<std::unique_ptr<StateStore>> make_file_state_store(const StateSpec& state,
                                                          const ConnectorRef& /*destination*/) {
  std::string path = state.config.string_or("path", "");
  if (path.empty()) return Status::invalid("state: backend file needs `state.config.path`");
  return make_file_state_store(std::move(path));
}

void check_file_state_store(const StateSpec& state, const ConnectorRef& /*destination*/,
                            const CheckLine& line) {
  // Saved state lives under state.config.path (default: the working directory).
  std::string path = state.config.string_or("path", ".");
  std::filesystem::path where(path);
  std::error_code error;
  std::filesystem::path dir = std::filesystem::is_directory(where, error) ? where : where.parent_path();
  if (dir.empty()) dir = ".";
  line("state file " + dir.string(), file::writable_problem((dir / "probe").string()));
}

}  // namespace rbc
