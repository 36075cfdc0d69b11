// Routing kernels: which lane a row goes to, and the rows of a batch a lane gets.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/batch.h"

namespace rbc {

// Hash (XXH3) of one row's key columns over their stored bytes, stable across runs and
// machines. Each value is tagged (NULL or not) and a variable-width one carries its
// length, so different key tuples never hash the same bytes: ("ab","c") is not ("a","bc").
// Floats hash -0.0 as 0.0 and every NaN alike, as an aggregation groups them.
uint64_t hash_row(const Batch& batch, const std::vector<int>& columns, size_t row);

// For each of `lanes` lanes, the rows whose key hashes to it, in row order.
std::vector<std::vector<uint32_t>> rows_by_lane(const Batch& batch, const std::vector<int>& key_columns,
                                                int lanes);

// A batch of the given rows of `batch`, in that order.
Batch take_rows(const Batch& batch, const std::vector<uint32_t>& rows);

}  // namespace rbc
