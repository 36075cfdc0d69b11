// The file destination: buffered writers into temporary parts, published by finish().
#include "connectors/file/file_sink.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <variant>

#include "connectors/file/compression.h"
#include "connectors/file/file_options.h"
#include "connectors/file/record_format.h"

namespace rbc::file {

namespace {

constexpr size_t kFlushBytes = 1 << 20;
// Every this many bytes written, the writer asks the kernel to start writing them back
// (sync_file_range, not waiting), so the fsync at commit finds little left to write and the
// run does not end on a long wait for the whole file (PostgreSQL's backend_flush_after).
constexpr off_t kWritebackBytes = 8 << 20;

Status errno_status(const std::string& what, const std::string& path) {
  return Status::io_error("cannot " + what + " " + path + ": " + std::strerror(errno));
}

Status write_all(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("write", path);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::ok();
}

// Appends the whole of file `from` to the open descriptor `to`.
Status copy_into(int to, const std::string& to_path, const std::string& from) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return errno_status("open", from);
  std::vector<char> buffer(kFlushBytes);
  Status status;
  for (;;) {
    ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = errno_status("read", from);
      break;
    }
    if (n == 0) break;
    status = write_all(to, buffer.data(), static_cast<size_t>(n), to_path);
    if (!status.is_ok()) break;
  }
  ::close(in);
  return status;
}

bool file_is_empty_or_missing(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) != 0 || info.st_size == 0;
}

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

// Creates `path` afresh for writing: never through a symbolic link, never onto a file some
// other process made (O_EXCL). A stale file of the same name (this pid, an earlier life) goes first.
int create_exclusive(const std::string& path) {
  ::unlink(path.c_str());
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
}

// Makes a rename in `path`'s directory durable.
void sync_directory_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// The program name of a process (Linux: /proc/PID/comm), or empty where it cannot be read.
std::string program_of(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// Whether process `pid` may be an rbc run still writing its temporary file: it exists and,
// where /proc tells, runs a program of rbc's name. A killed run's pid that another program
// now has (pids are recycled, and a container's first pids repeat) keeps no orphan alive.
bool may_be_writing(pid_t pid) {
  if (pid == ::getpid()) return false;  // an earlier life of this pid
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  static const std::string self = program_of("self");
  const std::string other = program_of(std::to_string(pid));
  return self.empty() || other.empty() || other == self;
}

// Removes the temporary files that killed runs left next to `target`: `<file>.rbc-tmp-<pid>`
// (and `-<i>` parts) whose process no longer exists or is no rbc.
void remove_orphans(const std::string& target) {
  namespace fs = std::filesystem;
  const fs::path target_path(target);
  const std::string prefix = target_path.filename().string() + ".rbc-tmp-";
  const fs::path dir = target_path.parent_path().empty() ? fs::path(".") : target_path.parent_path();
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const char* digits = name.data() + prefix.size();
    const char* stop = name.data() + name.size();
    pid_t pid = 0;
    auto [after, parse_error] = std::from_chars(digits, stop, pid);
    if (parse_error != std::errc() || pid <= 0 || (after != stop && *after != '-')) continue;
    if (!may_be_writing(pid)) ::unlink(it->path().c_str());
  }
}

class FileWriter final : public PartitionWriter {
 public:
  FileWriter(std::string path, const FileOptions& options, const Schema& schema, bool header)
      : path_(std::move(path)),
        schema_size_(schema.size()),
        header_(header),
        compression_(options.compression) {
    if (options.format == FileFormat::csv) {
      formatter_.emplace<CsvFormatter>(schema, options.delimiter, options.null_text);
    } else {
      formatter_.emplace<JsonlFormatter>(schema);
    }
  }
  ~FileWriter() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status open() {
    fd_ = create_exclusive(path_);
    if (fd_ < 0) return errno_status("create", path_);
    RBC_RETURN_NOT_OK(out_.open(fd_, path_, compression_));
    buffer_.reserve(kFlushBytes + (64 << 10));
    if (header_) std::get<CsvFormatter>(formatter_).append_header(buffer_);
    return Status::ok();
  }

  Status write(const Batch& batch) override {
    if (fd_ < 0) return Status::internal("file destination: write to " + path_ + " after commit or abort");
    if (batch.columns.size() != schema_size_) {
      return Status::invalid("file destination: batch has " + std::to_string(batch.columns.size()) +
                             " columns, the stream's schema " + std::to_string(schema_size_));
    }
    for (size_t row = 0; row < batch.num_rows; ++row) {
      if (auto* csv = std::get_if<CsvFormatter>(&formatter_)) {
        csv->append_row(buffer_, batch, row);
      } else {
        std::get<JsonlFormatter>(formatter_).append_row(buffer_, batch, row);
      }
      if (buffer_.size() >= kFlushBytes) RBC_RETURN_NOT_OK(flush());
    }
    return Status::ok();
  }

  Status commit(const Checkpoint&) override {
    if (fd_ < 0) return Status::internal("file destination: commit of " + path_ + " after abort");
    RBC_RETURN_NOT_OK(flush());
    RBC_RETURN_NOT_OK(out_.finish());
    if (::fsync(fd_) != 0) return errno_status("sync", path_);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return errno_status("close", path_);
    return Status::ok();
  }

  void abort() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    ::unlink(path_.c_str());
  }

 private:
  Status flush() {
    Status status = out_.write(buffer_);
    buffer_.clear();
    if (status.is_ok()) start_writeback();
    return status;
  }
  void start_writeback() {
    const off_t end = ::lseek(fd_, 0, SEEK_CUR);
    if (end - written_back_ < kWritebackBytes) return;
    // A hint: its errors show at the fsync of commit.
    ::sync_file_range(fd_, written_back_, end - written_back_, SYNC_FILE_RANGE_WRITE);
    written_back_ = end;
  }

  std::string path_;
  size_t schema_size_;
  bool header_;
  Compression compression_;
  ByteOutput out_;  // each part is a whole gzip member or zstd frame: parts concatenate
  std::variant<std::monostate, CsvFormatter, JsonlFormatter> formatter_;
  int fd_ = -1;
  off_t written_back_ = 0;  // the bytes before this offset were handed to writeback
  std::string buffer_;
};

class FileSink final : public Sink {
 public:
  ~FileSink() override {
    for (auto& [lock_path, fd] : locks_) unlock(lock_path, fd);
  }

  Status prepare(const SinkRequest& request) override {
    RBC_ASSIGN_OR_RETURN(FileOptions options, resolve(request));
    std::error_code ec;
    auto parent = std::filesystem::path(options.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec)
      return Status::io_error("file destination: cannot create " + parent.string() + ": " + ec.message());
    RBC_RETURN_NOT_OK(lock_target(options.path));
    remove_orphans(options.path);
    return Status::ok();
  }

  Result<std::unique_ptr<PartitionWriter>> open(const SinkRequest& request, int index) override {
    RBC_ASSIGN_OR_RETURN(FileOptions options, resolve(request));
    if (index < 0 || index >= std::max(1, request.partition_count)) {
      return Status::invalid("file destination: partition " + std::to_string(index) + " of " +
                             std::to_string(request.partition_count));
    }
    // Only the first part carries the header, and in append mode only onto an empty file.
    const bool header = options.format == FileFormat::csv && options.header && index == 0 &&
                        (request.write_mode == WriteMode::replace || file_is_empty_or_missing(options.path));
    auto writer =
        std::make_unique<FileWriter>(temporary_path(options.path, index), options, *request.schema, header);
    RBC_RETURN_NOT_OK(writer->open());
    return std::unique_ptr<PartitionWriter>(std::move(writer));
  }

  Status finish(const SinkRequest& request) override {
    RBC_ASSIGN_OR_RETURN(FileOptions options, resolve(request));
    const int parts = std::max(1, request.partition_count);
    const std::string first = temporary_path(options.path, 0);
    if (request.write_mode == WriteMode::replace) {
      if (!file_exists(first)) {
        // No writer ran: the stream is empty, which still replaces the file.
        auto writer = open(request, 0);
        if (!writer.is_ok()) return writer.status();
        RBC_RETURN_NOT_OK((*writer)->commit());
      }
      RBC_RETURN_NOT_OK(publish(first, options.path, parts, 0));
      release_target(options.path);
      return Status::ok();
    }
    // append onto a file that does not exist: the parts are the whole file, as in replace,
    // and no copy is needed. RENAME_NOREPLACE keeps a file another program made meanwhile.
    if (!file_exists(options.path) && file_exists(first)) {
      Status published = publish(first, options.path, parts, RENAME_NOREPLACE);
      if (published.is_ok()) {
        release_target(options.path);
        return Status::ok();
      }
      if (!file_exists(options.path)) return published;
      // Another program made the file: append onto it as onto any existing file.
    }
    // append: the old content and the new parts go into one more temporary file, renamed
    // over the file, so a killed run leaves the file as it was (at the cost of a copy).
    const std::string joined = temporary_path(options.path, parts);
    int fd = create_exclusive(joined);
    if (fd < 0) return errno_status("create", joined);
    Status status = file_exists(options.path) ? copy_into(fd, joined, options.path) : Status::ok();
    ::close(fd);
    if (status.is_ok()) status = append_parts(joined, options.path, 0, parts);
    if (status.is_ok() && std::rename(joined.c_str(), options.path.c_str()) != 0)
      status = errno_status("rename to", options.path);
    if (!status.is_ok()) {
      ::unlink(joined.c_str());
      return status;
    }
    sync_directory_of(options.path);
    release_target(options.path);
    return Status::ok();
  }

  void abandon(const SinkRequest& request) override {
    auto options = resolve(request);
    if (!options.is_ok()) return;
    for (int i = 0; i <= std::max(1, request.partition_count); ++i) {  // the parts and the joined file
      ::unlink(temporary_path(options->path, i).c_str());
    }
    release_target(options->path);
  }

 private:
  // Two runs appending to one file would each join the old content with their rows and
  // rename over the file: one run's rows would be lost. So `.<name>.rbc-lock` beside the
  // file is locked (flock) from prepare() until the file is published or abandoned, and
  // then removed; a killed run's lock goes with its process (the file stays, and the next
  // run uses it). A lock taken on a lock file that its holder removed meanwhile is no lock:
  // the path must still name the file locked, else the run tries again.
  static std::string lock_path_of(const std::string& path) {
    std::filesystem::path target(path);
    return (target.parent_path() / ("." + target.filename().string() + ".rbc-lock")).string();
  }

  Status lock_target(const std::string& path) {
    std::string lock_path = lock_path_of(path);
    for (;;) {
      int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0) return errno_status("create", lock_path);
      if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int error = errno;
        ::close(fd);
        if (error != EWOULDBLOCK) return errno_status("lock", lock_path);
        return Status::invalid("file destination: another run is writing " + path + " (it holds " +
                               lock_path +
                               "); runs that write one file cannot overlap, so this one stops "
                               "before writing");
      }
      struct stat locked {
      }, named{};
      if (::fstat(fd, &locked) == 0 && ::stat(lock_path.c_str(), &named) == 0 &&
          locked.st_ino == named.st_ino && locked.st_dev == named.st_dev) {
        locks_[lock_path] = fd;
        return Status::ok();
      }
      ::close(fd);  // removed by the run that held it: lock the file that is there now
    }
  }

  void release_target(const std::string& path) {
    auto it = locks_.find(lock_path_of(path));
    if (it == locks_.end()) return;
    unlock(it->first, it->second);
    locks_.erase(it);
  }

  // Removed while still locked, so that nobody locks the old file after it is released.
  static void unlock(const std::string& lock_path, int fd) {
    ::unlink(lock_path.c_str());
    ::close(fd);
  }

  static Result<FileOptions> resolve(const SinkRequest& request) {
    if (request.write_mode == WriteMode::upsert) {
      return Status::invalid("file destination: write_mode upsert is not supported (use append or replace)");
    }
    if (!request.schema)
      return Status::invalid("file destination: stream \"" + request.stream + "\" has no schema");
    return resolve_file_options(request.config, request.stream, FileRole::sink);
  }

  // Joins the parts after the first onto it and renames it to `path` (`flags`: renameat2's),
  // durably.
  static Status publish(const std::string& first, const std::string& path, int parts, unsigned flags) {
    if (parts > 1) RBC_RETURN_NOT_OK(append_parts(first, path, 1, parts));
    if (::renameat2(AT_FDCWD, first.c_str(), AT_FDCWD, path.c_str(), flags) != 0)
      return errno_status("rename to", path);
    sync_directory_of(path);
    return Status::ok();
  }

  // Appends the temporary parts [from, to) of `final_path` to `target` (created if
  // missing), syncs it and removes the parts. Parts whose writer never opened are absent.
  static Status append_parts(const std::string& target, const std::string& final_path, int from, int to) {
    int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return errno_status("open", target);
    Status status;
    for (int i = from; i < to && status.is_ok(); ++i) {
      std::string part = temporary_path(final_path, i);
      if (file_exists(part)) status = copy_into(fd, target, part);
    }
    if (status.is_ok() && ::fsync(fd) != 0) status = errno_status("sync", target);
    ::close(fd);
    if (!status.is_ok()) return status;
    for (int i = from; i < to; ++i) ::unlink(temporary_path(final_path, i).c_str());
    return Status::ok();
  }

  std::map<std::string, int> locks_;  // lock file -> its locked descriptor
};

}  // namespace

std::string temporary_path(const std::string& target, int index) {
  std::string path = target + ".rbc-tmp-" + std::to_string(::getpid());
  if (index > 0) path += "-" + std::to_string(index);
  return path;
}

std::unique_ptr<Sink> make_file_sink() { return std::make_unique<FileSink>(); }

}  // namespace rbc::file
