// Column storage and batch helpers.
#include "graph/batch.h"

#include <bit>

namespace rbc {

size_t Column::null_count() const {
  if (validity_.empty()) return 0;
  size_t valid = 0;
  for (size_t i = 0; i < size_ / 8; ++i) valid += std::popcount(validity_[i]);
  for (size_t row = (size_ / 8) * 8; row < size_; ++row) valid += is_null(row) ? 0 : 1;
  return size_ - valid;
}

void Column::reserve(size_t rows, size_t bytes) {
  if (type_.is_variable_width()) {
    offsets_.reserve(rows + 1);
    data_.reserve(bytes);
  } else {
    data_.reserve(rows * type_.fixed_width());
  }
}

void Column::set_valid_bit(size_t row, bool valid) {
  if (validity_.size() <= row / 8) validity_.resize(row / 8 + 1, 0);
  if (valid) {
    validity_[row >> 3] |= static_cast<uint8_t>(1u << (row & 7));
  } else {
    validity_[row >> 3] &= static_cast<uint8_t>(~(1u << (row & 7)));
  }
}

void Column::append_bytes(const void* bytes, size_t length) {
  size_t at = data_.size();
  data_.resize(at + length);
  std::memcpy(data_.data() + at, bytes, length);
  mark_valid();
}

void Column::append_string(std::string_view value) {
  data_.insert(data_.end(), value.begin(), value.end());
  mark_valid();
}

void Column::append_null() {
  if (validity_.empty()) {
    // First NULL: materialise the bitmap with every earlier row valid.
    validity_.assign(size_ / 8 + 1, 0xff);
  }
  set_valid_bit(size_, false);
  if (type_.is_variable_width()) {
    offsets_.push_back(static_cast<uint32_t>(data_.size()));
  } else {
    data_.resize(data_.size() + type_.fixed_width(), 0);
  }
  ++size_;
}

void Column::append_from(const Column& other, size_t row) {
  if (other.is_null(row)) {
    append_null();
  } else if (type_.is_variable_width()) {
    append_string(other.string_at(row));
  } else {
    size_t width = type_.fixed_width();
    append_bytes(other.data_.data() + row * width, width);
  }
}

void Column::truncate(size_t rows) {
  if (rows >= size_) return;
  if (type_.is_variable_width()) {
    data_.resize(offsets_[rows]);
    offsets_.resize(rows + 1);
  } else {
    data_.resize(rows * type_.fixed_width());
  }
  // Bits past `rows` may stay stale: every later append sets or clears its own bit.
  if (!validity_.empty()) validity_.resize(rows / 8 + 1);
  size_ = rows;
}

Batch Batch::empty(std::shared_ptr<const Schema> schema) {
  Batch batch;
  for (const auto& field : schema->fields()) batch.columns.emplace_back(field.type);
  batch.schema = std::move(schema);
  return batch;
}

size_t Batch::memory_bytes() const {
  size_t total = 0;
  for (const auto& column : columns) total += column.memory_bytes();
  return total;
}

}  // namespace rbc
