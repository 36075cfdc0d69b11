// Rejected records: fail, skip or dead-letter (see data_error_policy.h).
#include "connectors/file/data_error_policy.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "graph/value_format.h"

namespace rbc {

DataErrorPolicy::DataErrorPolicy(OnDataError mode, std::string origin, std::string stream,
                                 std::string dlq_path)
    : mode_(mode), origin_(std::move(origin)), stream_(std::move(stream)), dlq_path_(std::move(dlq_path)) {}

DataErrorPolicy::~DataErrorPolicy() {
  if (dlq_fd_ >= 0) ::close(dlq_fd_);
}

Status DataErrorPolicy::reject(uint64_t line, std::string_view raw, std::string_view reason,
                               uint64_t column) {
  switch (mode_) {
    case OnDataError::fail: {
      std::string message = origin_;
      if (line != 0) message += ":" + std::to_string(line);
      if (line != 0 && column != 0) message += ":" + std::to_string(column);
      message += ": ";
      message += reason;
      return Status::invalid(std::move(message));
    }
    case OnDataError::skip: ++rejected_; return Status::ok();
    case OnDataError::dlq: break;
  }
  if (dlq_path_.empty()) return Status::invalid("on_data_error: dlq needs a dead-letter path");
  if (dlq_fd_ < 0) {
    // O_APPEND: several readers may share one dead-letter file; each line is one write.
    dlq_fd_ = ::open(dlq_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (dlq_fd_ < 0) return Status::io_error("cannot open " + dlq_path_ + ": " + std::strerror(errno));
  }
  record_.clear();
  record_ += "{\"stream\":";
  append_json_string(record_, stream_);
  if (partition_ >= 0) {
    record_ += ",\"partition\":";
    append_int64(record_, partition_);
  }
  record_ += ",\"origin\":";
  append_json_string(record_, origin_);
  record_ += ",\"line\":";
  append_int64(record_, static_cast<int64_t>(line));
  if (column != 0) {
    record_ += ",\"column\":";
    append_int64(record_, static_cast<int64_t>(column));
  }
  record_ += ",\"reason\":";
  append_json_string(record_, reason);
  record_ += ",\"raw\":";
  append_json_string(record_, raw);
  record_ += "}\n";
  size_t written = 0;
  while (written < record_.size()) {
    ssize_t n = ::write(dlq_fd_, record_.data() + written, record_.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::io_error("cannot write " + dlq_path_ + ": " + std::strerror(errno));
    written += static_cast<size_t>(n);
  }
  ++rejected_;
  return Status::ok();
}

}  // namespace rbc
