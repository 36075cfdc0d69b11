// Intermediate results of expression evaluation: one typed array per expression,
// covering the rows being evaluated, or a single value standing for all of them.
// Integer-like types (int16/32/64, date, timestamps) are held widened to int64 and
// floats as double, so each kernel exists once per physical kind.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "graph/types.h"

namespace rbc::sql {

enum class Physical : uint8_t { boolean, int64, float64, decimal, string };

inline Physical physical_of(const DataType& type) {
  switch (type.id) {
    case TypeId::boolean: return Physical::boolean;
    case TypeId::int16:
    case TypeId::int32:
    case TypeId::int64:
    case TypeId::date:
    case TypeId::timestamp:
    case TypeId::timestamptz: return Physical::int64;
    case TypeId::float32:
    case TypeId::float64: return Physical::float64;
    case TypeId::decimal: return Physical::decimal;
    case TypeId::text:
    case TypeId::bytes:
    case TypeId::json:
    case TypeId::uuid: return Physical::string;
  }
  return Physical::string;
}

struct Vec {
  DataType type;
  size_t size = 0;
  bool constant = false;       // one value (size 1) standing for every row
  std::vector<uint8_t> valid;  // 1 byte per value, 1 = not NULL; empty = all valid
  std::vector<uint8_t> bools;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<__int128> decimals;
  std::vector<std::string_view> strings;  // into the input batch, a constant or `arenas`
  std::vector<std::shared_ptr<const std::string>> arenas;

  Physical physical() const { return physical_of(type); }
  bool is_valid(size_t i) const { return valid.empty() || valid[constant ? 0 : i] != 0; }
  bool all_valid() const { return valid.empty(); }
  size_t rows(size_t n) const { return constant ? 1 : n; }

  // Allocates `n` values (not initialised beyond zero) of this Vec's physical kind.
  void allocate(size_t n) {
    size = n;
    switch (physical()) {
      case Physical::boolean: bools.assign(n, 0); break;
      case Physical::int64: ints.assign(n, 0); break;
      case Physical::float64: floats.assign(n, 0.0); break;
      case Physical::decimal: decimals.assign(n, 0); break;
      case Physical::string: strings.assign(n, std::string_view()); break;
    }
  }
};

}  // namespace rbc::sql
