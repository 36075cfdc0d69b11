// The file destination: buffered writers into temporary parts, published by finish().
#include "connectors/file/file_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <variant>

#include "connectors/file/file_options.h"
#include "connectors/file/record_format.h"

namespace rbc::file {

namespace {

constexpr size_t kFlushBytes = 1 << 20;

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

class FileWriter final : public PartitionWriter {
 public:
  FileWriter(std::string path, const FileOptions& options, const Schema& schema, bool header)
      : path_(std::move(path)), schema_size_(schema.size()), header_(header) {
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
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return errno_status("create", path_);
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
    Status status = write_all(fd_, buffer_.data(), buffer_.size(), path_);
    buffer_.clear();
    return status;
  }

  std::string path_;
  size_t schema_size_;
  bool header_;
  std::variant<std::monostate, CsvFormatter, JsonlFormatter> formatter_;
  int fd_ = -1;
  std::string buffer_;
};

class FileSink final : public Sink {
 public:
  Status prepare(const SinkRequest& request) override {
    RBC_ASSIGN_OR_RETURN(FileOptions options, resolve(request));
    std::error_code ec;
    auto parent = std::filesystem::path(options.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec)
      return Status::io_error("file destination: cannot create " + parent.string() + ": " + ec.message());
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
      if (parts > 1) RBC_RETURN_NOT_OK(append_parts(first, options.path, 1, parts));
      if (std::rename(first.c_str(), options.path.c_str()) != 0)
        return errno_status("rename to", options.path);
      return Status::ok();
    }
    return append_parts(options.path, options.path, 0, parts);
  }

  void abandon(const SinkRequest& request) override {
    auto options = resolve(request);
    if (!options.is_ok()) return;
    for (int i = 0; i < std::max(1, request.partition_count); ++i) {
      ::unlink(temporary_path(options->path, i).c_str());
    }
  }

 private:
  static Result<FileOptions> resolve(const SinkRequest& request) {
    if (request.write_mode == WriteMode::upsert) {
      return Status::invalid("file destination: write_mode upsert is not supported (use append or replace)");
    }
    if (!request.schema)
      return Status::invalid("file destination: stream \"" + request.stream + "\" has no schema");
    return resolve_file_options(request.config, request.stream, FileRole::sink);
  }

  // Appends the temporary parts [from, to) of `final_path` to `target` (created if
  // missing), syncs it and removes the parts. Parts whose writer never opened are absent.
  static Status append_parts(const std::string& target, const std::string& final_path, int from, int to) {
    int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
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
};

}  // namespace

std::string temporary_path(const std::string& target, int index) {
  std::string path = target + ".rbc-tmp-" + std::to_string(::getpid());
  if (index > 0) path += "-" + std::to_string(index);
  return path;
}

std::unique_ptr<Sink> make_file_sink() { return std::make_unique<FileSink>(); }

}  // namespace rbc::file
