// Routing kernels (routing.h).
#include "operators/runtime/routing.h"

#include <xxhash.h>

#include <cmath>
#include <limits>
#include <string>

namespace rbc {
namespace {

// A float's bytes with -0.0 as 0.0 and every NaN as one NaN: the values an aggregation
// groups together (expr/group_key.h) must land in one lane.
template <typename Float>
void append_float(std::string& key, Float value) {
  if (value == 0) value = 0;
  if (std::isnan(value)) value = std::numeric_limits<Float>::quiet_NaN();
  key.push_back('\1');
  key.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

}  // namespace

uint64_t hash_row(const Batch& batch, const std::vector<int>& columns, size_t row) {
  thread_local std::string key;
  key.clear();
  for (int c : columns) {
    const Column& column = batch.columns[c];
    if (column.is_null(row)) {
      key.push_back('\0');
    } else if (column.type().is_variable_width()) {
      std::string_view text = column.string_at(row);
      auto size = static_cast<uint32_t>(text.size());
      key.push_back('\1');
      key.append(reinterpret_cast<const char*>(&size), sizeof(size));
      key.append(text);
    } else if (column.type().id == TypeId::float64) {
      append_float(key, column.value<double>(row));
    } else if (column.type().id == TypeId::float32) {
      append_float(key, column.value<float>(row));
    } else {
      size_t width = column.type().fixed_width();
      key.push_back('\1');
      key.append(reinterpret_cast<const char*>(column.data().data() + row * width), width);
    }
  }
  return XXH3_64bits(key.data(), key.size());
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
    const Column& from = batch.columns[c];
    // Text: room for the rows' share of the bytes, so that the copy does not regrow.
    size_t bytes = from.type().is_variable_width() && batch.num_rows > 0
                       ? from.data().size() / batch.num_rows * rows.size() + rows.size() * 8
                       : 0;
    out.columns[c].reserve(rows.size(), bytes);
    for (uint32_t row : rows) out.columns[c].append_from(from, row);
  }
  out.num_rows = rows.size();
  return out;
}

}  // namespace rbc
