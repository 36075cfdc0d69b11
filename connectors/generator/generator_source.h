// The `generator` source: deterministic synthetic rows for benchmarks and tests.
//
// Config: rows (count, default 1000), seed (default 0), and optionally
// cardinality: {column: N} to draw that column from N distinct values (keyed workloads).
// Columns come from StreamRequest::declared_schema, else from config `columns` (a list
// of {name: type}), else are `id int64, value float64, name text`.
//
// Row r (from 0) is a pure function of (seed, r): an integer column named `id` holds
// r + 1; every other value derives from a hash of seed, column position and r. So the
// rows never depend on batch size or partitioning: partition i of N produces the rows
// with r % N == i (mode mod) or the i-th contiguous slice (mode range), and the union
// over partitions equals the single-partition output for any N.
#pragma once

#include <memory>

#include "connectors/connector.h"

namespace rbc::generator {

std::unique_ptr<Source> make_generator_source();

}  // namespace rbc::generator
