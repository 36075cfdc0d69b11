// Columnar batches: the unit of data that flows along every edge of a running graph.
// Columns are typed arrays with a validity bitmap; variable-width values are
// offsets into one byte buffer, so appending a row never allocates per value.
#pragma once

#include <boost/container/vector.hpp>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "graph/types.h"

namespace rbc {

class Column {
 public:
  Column() = default;
  explicit Column(DataType type) : type_(type) {
    if (type_.is_variable_width()) offsets_.push_back(0);
  }
  // A copy holds the values, not the spare room; a moved-from column is empty.
  Column(const Column& other);
  Column& operator=(const Column& other);
  Column(Column&& other) noexcept;
  Column& operator=(Column&& other) noexcept;

  const DataType& type() const { return type_; }
  size_t size() const { return size_; }

  // Validity: bit i set means row i is not NULL. An empty bitmap means "all valid".
  bool is_null(size_t row) const { return !validity_.empty() && !(validity_[row >> 3] & (1u << (row & 7))); }
  size_t null_count() const;

  // Fixed-width access. T must match the type's layout (see graph/types.h).
  template <typename T>
  std::span<const T> values() const {
    return {reinterpret_cast<const T*>(storage_.data()), size_};
  }
  template <typename T>
  std::span<T> mutable_values() {
    return {reinterpret_cast<T*>(storage_.data()), size_};
  }
  template <typename T>
  T value(size_t row) const {
    T v;
    std::memcpy(&v, storage_.data() + row * sizeof(T), sizeof(T));
    return v;
  }

  // Variable-width access (text, bytes, json).
  std::string_view string_at(size_t row) const {
    return {reinterpret_cast<const char*>(storage_.data()) + offsets_[row],
            offsets_[row + 1] - offsets_[row]};
  }
  const std::vector<uint32_t>& offsets() const { return offsets_; }

  // Raw bytes: fixed-width values back to back, or the variable-width byte buffer.
  std::span<const uint8_t> data() const { return {storage_.data(), used_}; }
  const std::vector<uint8_t>& validity() const { return validity_; }

  void reserve(size_t rows, size_t bytes = 0);
  template <typename T>
  void append(T value) {
    std::memcpy(extend(sizeof(T)), &value, sizeof(T));
    mark_valid();
  }
  void append_bytes(const void* bytes, size_t length);  // fixed-width raw value (uuid, ...)
  void append_string(std::string_view value);           // variable-width value
  void append_null();
  // Copies row `row` of `other` (same type) to the end of this column.
  void append_from(const Column& other, size_t row);
  // Drops every row from `rows` on, keeping capacity: lets a reader undo a half-appended
  // record when a later field of it turns out to be malformed.
  void truncate(size_t rows);

  size_t memory_bytes() const {
    return storage_.capacity() + validity_.capacity() + offsets_.capacity() * sizeof(uint32_t);
  }

 private:
  void mark_valid() {
    if (!validity_.empty()) set_valid_bit(size_, true);
    ++size_;
    if (type_.is_variable_width()) offsets_.push_back(static_cast<uint32_t>(used_));
  }
  void set_valid_bit(size_t row, bool valid);
  // Room for n more bytes at the end of the values; returns where they go.
  uint8_t* extend(size_t n) {
    if (used_ + n > storage_.size()) grow(used_ + n);
    uint8_t* at = storage_.data() + used_;
    used_ += n;
    return at;
  }
  void grow(size_t bytes);

  DataType type_;
  size_t size_ = 0;
  // The values' bytes are storage_[0, used_). storage_ is only ever resized to grow, and
  // its new room is left uninitialised (nothing reads past used_), so appending a value
  // is a bounds check and a memcpy, and reserving room costs no writes.
  boost::container::vector<uint8_t> storage_;
  size_t used_ = 0;
  std::vector<uint8_t> validity_;
  std::vector<uint32_t> offsets_;
};

struct Batch {
  std::shared_ptr<const Schema> schema;
  std::vector<Column> columns;
  size_t num_rows = 0;

  static Batch empty(std::shared_ptr<const Schema> schema);
  size_t memory_bytes() const;
  // The values' bytes (what telemetry counts as bytes read and written).
  uint64_t data_bytes() const {
    uint64_t bytes = 0;
    for (const auto& column : columns) bytes += column.data().size();
    return bytes;
  }
};

// Where and when a batch was read, for event-time watermarks (windowed aggregations).
struct BatchProgress {
  uint32_t source = 0;      // the source node
  uint32_t partition = 0;   // its reader; 0 for a stream whose batches carry input order
  uint32_t partitions = 1;  // the source's partitions
  uint64_t ended = 0;       // bit p: partition p had read its last batch before this one was read
  int64_t read_ns = 0;      // when it was read (steady clock); 0: unknown
  // The batch's largest event time (µs), set by a hash router in front of a window over
  // the whole batch before it split it into lanes, so that every lane sees the same.
  std::optional<int64_t> max_event_us;
};

// The rows and per-column bytes of the last batch a reader produced, so that the next
// batch starts with room for as much: a column grown value by value is copied over and
// over as its buffer doubles. (The last, not the largest: one oversized batch must not
// make every later one reserve its size.)
class BatchCapacity {
 public:
  void remember(const Batch& batch);
  bool known() const { return rows_ > 0; }
  Batch empty_batch(std::shared_ptr<const Schema> schema) const;

 private:
  size_t rows_ = 0;
  std::vector<size_t> bytes_;
};

}  // namespace rbc
