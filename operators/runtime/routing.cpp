// Routing kernels (routing.h).
#include "operators/runtime/routing.h"

namespace rbc {

uint64_t hash_row(const Batch& batch, const std::vector<int>& columns, size_t row) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a
  auto mix = [&hash](const void* data, size_t size) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
  };
  for (int c : columns) {
    const Column& column = batch.columns[c];
    if (column.is_null(row)) {
      uint8_t marker = 0xff;
      mix(&marker, 1);
    } else if (column.type().is_variable_width()) {
      std::string_view text = column.string_at(row);
      mix(text.data(), text.size());
    } else {
      size_t width = column.type().fixed_width();
      mix(column.data().data() + row * width, width);
    }
    uint8_t separator = 0;
    mix(&separator, 1);
  }
  return hash;
}

std::vector<std::vector<uint32_t>> rows_by_lane(const Batch& batch, const std::vector<int>& key_columns,
                                                int lanes) {
  std::vector<std::vector<uint32_t>> rows(static_cast<size_t>(lanes));
  for (size_t row = 0; row < batch.num_rows; ++row)
    rows[hash_row(batch, key_columns, row) % static_cast<uint64_t>(lanes)].push_back(
        static_cast<uint32_t>(row));
  return rows;
}

Batch take_rows(const Batch& batch, const std::vector<uint32_t>& rows) {
  Batch out = Batch::empty(batch.schema);
  for (size_t c = 0; c < batch.columns.size(); ++c) {
    out.columns[c].reserve(rows.size());
    for (uint32_t row : rows) out.columns[c].append_from(batch.columns[c], row);
  }
  out.num_rows = rows.size();
  return out;
}

}  // namespace rbc
