// Column storage and batch helpers.
#include "graph/batch.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace rbc {

size_t Column::null_count() const {
  if (validity_.empty()) return 0;
  size_t valid = 0;
  for (size_t i = 0; i < size_ / 8; ++i) valid += std::popcount(validity_[i]);
  for (size_t row = (size_ / 8) * 8; row < size_; ++row) valid += is_null(row) ? 0 : 1;
  return size_ - valid;
}

Column::Column(const Column& other)
    : type_(other.type_),
      size_(other.size_),
      storage_(other.storage_.begin(), other.storage_.begin() + static_cast<std::ptrdiff_t>(other.used_)),
      used_(other.used_),
      validity_(other.validity_),
      offsets_(other.offsets_) {}

Column& Column::operator=(const Column& other) {
  if (this != &other) *this = Column(other);
  return *this;
}

Column::Column(Column&& other) noexcept
    : type_(std::move(other.type_)),
      size_(std::exchange(other.size_, 0)),
      storage_(std::move(other.storage_)),
      used_(std::exchange(other.used_, 0)),
      validity_(std::move(other.validity_)),
      offsets_(std::move(other.offsets_)) {}

Column& Column::operator=(Column&& other) noexcept {
  if (this != &other) {
    type_ = std::move(other.type_);
    size_ = std::exchange(other.size_, 0);
    storage_ = std::move(other.storage_);
    used_ = std::exchange(other.used_, 0);
    validity_ = std::move(other.validity_);
    offsets_ = std::move(other.offsets_);
  }
  return *this;
}

void Column::reserve(size_t rows, size_t bytes) {
  if (type_.is_variable_width()) {
    offsets_.reserve(rows + 1);
    bytes = std::max(bytes, used_);
  } else {
    bytes = std::max(rows * type_.fixed_width(), used_);
  }
  if (bytes > storage_.size()) storage_.resize(bytes, boost::container::default_init);
}

void Column::grow(size_t bytes) {
  storage_.resize(std::max({bytes, storage_.size() * 2, size_t{64}}), boost::container::default_init);
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
  if (length > 0) std::memcpy(extend(length), bytes, length);
  mark_valid();
}

void Column::append_string(std::string_view value) {
  if (!value.empty()) std::memcpy(extend(value.size()), value.data(), value.size());
  mark_valid();
}

void Column::append_null() {
  if (validity_.empty()) {
    // First NULL: materialise the bitmap with every earlier row valid.
    validity_.assign(size_ / 8 + 1, 0xff);
  }
  set_valid_bit(size_, false);
  if (type_.is_variable_width()) {
    offsets_.push_back(static_cast<uint32_t>(used_));
  } else {
    size_t width = type_.fixed_width();
    std::memset(extend(width), 0, width);
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
    append_bytes(other.storage_.data() + row * width, width);
  }
}

void Column::truncate(size_t rows) {
  if (rows >= size_) return;
  if (type_.is_variable_width()) {
    used_ = offsets_[rows];
    offsets_.resize(rows + 1);
  } else {
    used_ = rows * type_.fixed_width();
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

void BatchCapacity::remember(const Batch& batch) {
  rows_ = batch.num_rows;
  bytes_.resize(batch.columns.size());
  for (size_t i = 0; i < batch.columns.size(); ++i) bytes_[i] = batch.columns[i].data().size();
}

Batch BatchCapacity::empty_batch(std::shared_ptr<const Schema> schema) const {
  Batch batch = Batch::empty(std::move(schema));
  if (bytes_.size() != batch.columns.size()) return batch;
  for (size_t i = 0; i < batch.columns.size(); ++i) batch.columns[i].reserve(rows_, bytes_[i]);
  return batch;
}

size_t Batch::memory_bytes() const {
  size_t total = 0;
  for (const auto& column : columns) total += column.memory_bytes();
  return total;
}

}  // namespace rbc
