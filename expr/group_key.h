// Group keys as bytes: a row's key values, each typed and self-delimiting, so that equal
// keys have equal bytes and different keys never do (("ab","c") and ("a","bc") differ
// by their lengths; NULL has a tag of its own; -0.0 is 0.0 and every NaN is one NaN, as
// PostgreSQL groups them). Aggregation hashes these bytes into its groups, COUNT(DISTINCT)
// into its sets, APPROX_COUNT_DISTINCT into its sketch.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "expr/vector.h"

namespace rbc::sql {

// Appends value i of `v` (index 0 when constant) to `out`.
void append_key(std::string& out, const Vec& v, size_t i);

// Reads the values of `keys` (each made by append_key over one value per vector of
// `into`) back into `into`, one row per key; strings point into the keys' bytes.
void decode_keys(const std::vector<std::string_view>& keys, std::vector<Vec>& into);

}  // namespace rbc::sql
