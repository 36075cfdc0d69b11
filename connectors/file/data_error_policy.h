// What a source does with a record it cannot read, under the stream's on_data_error:
// fail stops the stream with `where: reason`; skip drops the record and counts it; dlq
// also appends it, as one JSON line, to the dead-letter file. Any connector may use it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/connector.h"

namespace rbc {

class DataErrorPolicy {
 public:
  // `origin` names the data in messages and dead letters (a file path, a table name).
  DataErrorPolicy(OnDataError mode, std::string origin, std::string stream, std::string dlq_path);
  DataErrorPolicy(const DataErrorPolicy&) = delete;
  DataErrorPolicy& operator=(const DataErrorPolicy&) = delete;
  ~DataErrorPolicy();

  // Handles one bad record found at `line` (0 = no line) and byte column `column` (0 = the
  // whole record). Not ok only under fail, with the message `origin:line[:column]: reason`,
  // or when the dead-letter file cannot be written.
  Status reject(uint64_t line, std::string_view raw, std::string_view reason, uint64_t column = 0);
  size_t rejected() const { return rejected_; }
  // The data now read comes from `origin` (the next file of a stream of several).
  void set_origin(std::string origin) { origin_ = std::move(origin); }
  // The source partition (reader) that read the data, written in dead letters; -1: none.
  void set_partition(int partition) { partition_ = partition; }
  const std::string& origin() const { return origin_; }

 private:
  OnDataError mode_;
  std::string origin_, stream_, dlq_path_;
  int dlq_fd_ = -1;
  int partition_ = -1;
  size_t rejected_ = 0;
  std::string record_;  // reused for each dead letter
};

}  // namespace rbc
