// Group keys as bytes (group_key.h).
#include "expr/group_key.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace rbc::sql {
namespace {

template <typename T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

template <typename T>
T take(std::string_view key, size_t& pos) {
  T value;
  std::memcpy(&value, key.data() + pos, sizeof(T));
  pos += sizeof(T);
  return value;
}

}  // namespace

void append_key(std::string& out, const Vec& v, size_t i) {
  const size_t j = v.constant ? 0 : i;
  if (!v.is_valid(j)) {
    out.push_back('\0');
    return;
  }
  out.push_back('\1');
  switch (v.physical()) {
    case Physical::boolean: out.push_back(static_cast<char>(v.bools[j] != 0)); break;
    case Physical::int64: put(out, v.ints[j]); break;
    case Physical::float64: {
      double value = v.floats[j];
      if (value == 0.0) value = 0.0;  // -0.0 groups with 0.0
      if (std::isnan(value)) value = std::numeric_limits<double>::quiet_NaN();
      put(out, value);
      break;
    }
    case Physical::decimal: put(out, v.decimals[j]); break;
    case Physical::string:
      put(out, static_cast<uint32_t>(v.strings[j].size()));
      out.append(v.strings[j]);
      break;
  }
}

void decode_keys(const std::vector<std::string_view>& keys, std::vector<Vec>& into) {
  for (Vec& v : into) {
    v.constant = false;
    v.allocate(keys.size());
    v.valid.assign(keys.size(), 1);
  }
  for (size_t row = 0; row < keys.size(); ++row) {
    std::string_view key = keys[row];
    size_t pos = 0;
    for (Vec& v : into) {
      if (key[pos++] == '\0') {
        v.valid[row] = 0;
        continue;
      }
      switch (v.physical()) {
        case Physical::boolean: v.bools[row] = static_cast<uint8_t>(key[pos++]); break;
        case Physical::int64: v.ints[row] = take<int64_t>(key, pos); break;
        case Physical::float64: v.floats[row] = take<double>(key, pos); break;
        case Physical::decimal: v.decimals[row] = take<__int128>(key, pos); break;
        case Physical::string: {
          auto size = take<uint32_t>(key, pos);
          v.strings[row] = key.substr(pos, size);
          pos += size;
          break;
        }
      }
    }
  }
}

}  // namespace rbc::sql
