// Routing kernels: which lane a row goes to, and the rows of a batch a lane gets.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/batch.h"

namespace rbc {

// Hash of one row's key columns over their stored bytes (stable across runs and
// machines). Each column is followed by a separator and a NULL hashes as a marker of its
// own, so different key tuples do not collide by concatenation.
uint64_t hash_row(const Batch& batch, const std::vector<int>& columns, size_t row);

// For each of `lanes` lanes, the rows whose key hashes to it, in row order.
std::vector<std::vector<uint32_t>> rows_by_lane(const Batch& batch, const std::vector<int>& key_columns,
                                                int lanes);

// A batch of the given rows of `batch`, in that order.
Batch take_rows(const Batch& batch, const std::vector<uint32_t>& rows);

}  // namespace rbc
