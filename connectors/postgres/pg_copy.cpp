// Binary COPY codec. Format: an 11-byte signature, int32 flags, int32 extension length
// (+ extension), then tuples (int16 field count, per field int32 length or -1 for NULL,
// then the value in the type's send/recv format), then an int16 -1 trailer. All network
// byte order.
#include "connectors/postgres/pg_copy.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>

#include "graph/value_format.h"

namespace rbc::pg {

namespace {

constexpr char kSignature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0'};

inline uint16_t load16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline uint32_t load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}
inline void put16(std::string& out, uint16_t v) {
  v = __builtin_bswap16(v);
  out.append(reinterpret_cast<const char*>(&v), 2);
}
inline void put32(std::string& out, uint32_t v) {
  v = __builtin_bswap32(v);
  out.append(reinterpret_cast<const char*>(&v), 4);
}
inline void put64(std::string& out, uint64_t v) {
  v = __builtin_bswap64(v);
  out.append(reinterpret_cast<const char*>(&v), 8);
}

using u128 = unsigned __int128;

// Tables, not arithmetic: 128-bit division is a library call, and these run for most
// numeric values.
constexpr auto kPow10 = [] {  // 10^n
  std::array<u128, 39> table{};
  table[0] = 1;
  for (int n = 1; n <= 38; ++n) table[n] = table[n - 1] * 10;
  return table;
}();
constexpr u128 kMaxDecimal = std::numeric_limits<u128>::max() >> 1;  // the __int128 maximum
constexpr auto kMaxBeforeShift = [] {  // the largest value that can be scaled up by n digits
  std::array<u128, 39> table{};
  for (int n = 0; n <= 38; ++n) table[n] = kMaxDecimal / kPow10[n];
  return table;
}();

constexpr size_t fixed_length(WireKind wire) {
  switch (wire) {
    case WireKind::boolean: return 1;
    case WireKind::int2: return 2;
    case WireKind::int4:
    case WireKind::float4:
    case WireKind::date: return 4;
    case WireKind::int8:
    case WireKind::float8:
    case WireKind::timestamp:
    case WireKind::timestamptz: return 8;
    case WireKind::uuid: return 16;
    default: return 0;
  }
}

Status field_error(const std::string& name, const std::string& what) {
  return Status::type_error("postgres: column \"" + name + "\": " + what);
}

// PostgreSQL's text of a numeric in its binary form (NaN, ±Infinity or digits), for a
// value too large for a decimal.
std::string numeric_text(const char* p, int32_t length) {
  if (length < 8) return "";
  const int ndigits = static_cast<int16_t>(load16(p));
  const int weight = static_cast<int16_t>(load16(p + 2));
  const uint16_t sign = load16(p + 4);
  const int dscale = static_cast<int16_t>(load16(p + 6));
  if (sign == 0xC000) return "NaN";
  if (sign == 0xD000) return "Infinity";
  if (sign == 0xF000) return "-Infinity";
  if (ndigits < 0 || length < 8 + 2 * ndigits || dscale < 0) return "";
  auto digit = [&](int i) { return i >= 0 && i < ndigits ? load16(p + 8 + 2 * i) : uint16_t{0}; };
  std::string out = sign == 0x4000 ? "-" : "";
  if (weight < 0) out += "0";
  for (int i = 0; i <= weight; ++i) {
    std::string group = std::to_string(digit(i));
    if (i > 0) group.insert(0, 4 - group.size(), '0');
    out += group;
  }
  if (dscale > 0) {
    std::string fraction;
    for (int i = weight + 1; static_cast<int>(fraction.size()) < dscale; ++i) {
      std::string group = std::to_string(digit(i));
      fraction += std::string(4 - group.size(), '0') + group;
    }
    out += "." + fraction.substr(0, static_cast<size_t>(dscale));
  }
  return out;
}

// The text of a field decode_field() refused, as PostgreSQL prints it where rbc knows how.
std::string undecodable_text(WireKind wire, const char* p, int32_t length) {
  if (wire == WireKind::numeric) return numeric_text(p, length);
  if ((wire == WireKind::timestamp || wire == WireKind::timestamptz) && length == 8) {
    // Past rbc's range: the date and the time of day apart, each of which fits.
    const auto micros = static_cast<int64_t>(load64(p));
    constexpr int64_t kDay = 86'400'000'000;
    const int64_t days = micros / kDay - (micros % kDay < 0);
    std::string out;
    append_date(out, static_cast<int32_t>(days + kPgEpochDays));
    std::string time;
    append_timestamp(time, micros - days * kDay);  // 1970-01-01 HH:MM:SS[.ffffff]
    out += time.substr(10);
    if (wire == WireKind::timestamptz) out += "+00";
    return out;
  }
  return "";
}

constexpr int kMaxGroups = 24;  // base-10000 digits of a 38-digit decimal, padded

// The base-10000 digits of mag * 10^-scale, most significant first: the integer part's
// groups, then ceil(scale / 4) fraction groups, the last one padded with zeros on the
// right. U is uint64_t where the magnitude fits: 128-bit division is a library call.
template <typename U>
int to_base10000(U mag, int scale, uint16_t (&groups)[kMaxGroups], int& int_groups) {
  uint16_t reversed[kMaxGroups];
  int n = 0;
  int frac_groups = (scale + 3) / 4;
  if (frac_groups > 0) {
    int lowest_digits = scale - 4 * (frac_groups - 1);  // 1..4 digits in the last group
    U unit = static_cast<U>(kPow10[lowest_digits]);
    reversed[n++] = static_cast<uint16_t>((mag % unit) * static_cast<U>(kPow10[4 - lowest_digits]));
    mag /= unit;
    for (int g = 1; g < frac_groups; ++g) {
      reversed[n++] = static_cast<uint16_t>(mag % 10000);
      mag /= 10000;
    }
  }
  int_groups = 0;
  for (; mag != 0; ++int_groups) {
    reversed[n++] = static_cast<uint16_t>(mag % 10000);
    mag /= 10000;
  }
  for (int i = 0; i < n; ++i) groups[i] = reversed[n - 1 - i];
  return n;
}

}  // namespace

// ---- numeric ---------------------------------------------------------------------------

Status numeric_to_decimal(const char* p, int32_t length, int scale, __int128& out) {
  if (length < 8) return Status::type_error("malformed numeric value");
  int ndigits = static_cast<int16_t>(load16(p));
  int weight = static_cast<int16_t>(load16(p + 2));
  uint16_t sign = load16(p + 4);
  if (sign == 0xC000) return Status::type_error("numeric NaN cannot be represented as a decimal");
  if (sign == 0xD000 || sign == 0xF000) {
    return Status::type_error("numeric Infinity cannot be represented as a decimal");
  }
  if (ndigits < 0 || length < 8 + 2 * ndigits) return Status::type_error("malformed numeric value");
  constexpr u128 kMaxBeforeGroup = kMaxBeforeShift[4];
  // Accumulate in units of 10^-scale. Group i holds the decimal exponents
  // 4*(weight-i) .. 4*(weight-i)+3; digits below 10^-scale (only present when a value
  // bypassed the typmod, or as zero padding of the last group) are rounded half away from
  // zero, as PostgreSQL does, instead of being accumulated (they could overflow).
  u128 acc = 0;
  int unit = -scale;  // exponent of acc's last digit
  bool round_up = false;
  for (int i = 0; i < ndigits; ++i) {
    uint16_t digit = load16(p + 8 + 2 * i);
    int low = 4 * (weight - i);
    if (low >= -scale) {
      if (acc > kMaxBeforeGroup || (acc == kMaxBeforeGroup && digit > kMaxDecimal % 10000))
        return Status::type_error("numeric value out of decimal range");
      acc = acc * 10000 + digit;
      unit = low;
      continue;
    }
    int keep = low + 4 + scale;  // digits of this group at or above 10^-scale: 0..3
    if (keep > 0) {
      uint32_t drop = static_cast<uint32_t>(kPow10[4 - keep]);
      if (acc > kMaxBeforeShift[keep]) return Status::type_error("numeric value out of decimal range");
      acc = acc * kPow10[keep] + digit / drop;
      unit = -scale;
      round_up = (digit % drop) * 2 >= drop;
    } else if (keep == 0) {
      // acc stays in units of 10^unit; the dropped group starts right below 10^-scale only
      // if unit == -scale, otherwise it lies further down and cannot round.
      if (unit == -scale) round_up = digit >= 5000;
    }
    break;
  }
  int shift = unit + scale;
  if (acc != 0 && shift > 0) {
    if (shift > 38 || acc > kMaxBeforeShift[shift])
      return Status::type_error("numeric value out of decimal range");
    acc *= kPow10[shift];
  }
  if (round_up) ++acc;
  __int128 value = static_cast<__int128>(acc);
  out = sign == 0x4000 ? -value : value;
  return Status::ok();
}

void decimal_to_numeric(__int128 unscaled, int scale, std::string& out) {
  bool negative = unscaled < 0;
  u128 mag = negative ? static_cast<u128>(-(unscaled + 1)) + 1 : static_cast<u128>(unscaled);
  uint16_t groups[kMaxGroups];
  int int_groups = 0;
  int total = mag <= std::numeric_limits<uint64_t>::max()
                  ? to_base10000(static_cast<uint64_t>(mag), scale, groups, int_groups)
                  : to_base10000(mag, scale, groups, int_groups);
  int first = 0, last = total;
  while (first < last && groups[first] == 0) ++first;
  while (last > first && groups[last - 1] == 0) --last;
  int ndigits = last - first;
  int weight = ndigits == 0 ? 0 : int_groups - 1 - first;
  put32(out, static_cast<uint32_t>(8 + 2 * ndigits));
  put16(out, static_cast<uint16_t>(ndigits));
  put16(out, static_cast<uint16_t>(static_cast<int16_t>(weight)));
  put16(out, negative && ndigits > 0 ? 0x4000 : 0x0000);
  put16(out, static_cast<uint16_t>(scale));
  for (int g = first; g < last; ++g) put16(out, groups[g]);
}

// ---- decoding --------------------------------------------------------------------------

CopyDecoder::CopyDecoder(std::vector<WireKind> wires, std::vector<DataType> types,
                         std::vector<std::string> names)
    : wires_(std::move(wires)), types_(std::move(types)), names_(std::move(names)) {}

Status CopyDecoder::feed(const char* data, size_t size, Batch& batch) {
  if (!pending_.empty()) {
    pending_.append(data, size);
    size_t at = 0;
    while (at < pending_.size() && !finished_) {
      RBC_ASSIGN_OR_RETURN(size_t used, parse(pending_.data() + at, pending_.size() - at, batch));
      if (used == 0) break;
      at += used;
    }
    pending_.erase(0, at);
    return Status::ok();
  }
  size_t at = 0;
  while (at < size && !finished_) {
    RBC_ASSIGN_OR_RETURN(size_t used, parse(data + at, size - at, batch));
    if (used == 0) break;
    at += used;
  }
  if (at < size && !finished_) pending_.assign(data + at, size - at);
  return Status::ok();
}

Result<size_t> CopyDecoder::parse(const char* data, size_t size, Batch& batch) {
  if (!header_done_) {
    if (size < 19) return size_t{0};
    if (std::memcmp(data, kSignature, sizeof kSignature) != 0) {
      return Status::io_error("postgres: COPY stream has no binary signature");
    }
    uint32_t ext = load32(data + 15);
    if (size < 19 + size_t{ext}) return size_t{0};
    header_done_ = true;
    return size_t{19} + ext;
  }
  if (size < 2) return size_t{0};
  int16_t fields = static_cast<int16_t>(load16(data));
  if (fields == -1) {
    finished_ = true;
    return size_t{2};
  }
  if (static_cast<size_t>(fields) != wires_.size()) {
    return Status::io_error("postgres: COPY tuple has " + std::to_string(fields) + " fields, expected " +
                            std::to_string(wires_.size()));
  }
  // First pass: is the whole tuple here?
  size_t at = 2;
  for (int f = 0; f < fields; ++f) {
    if (size < at + 4) return size_t{0};
    int32_t length = static_cast<int32_t>(load32(data + at));
    at += 4 + (length > 0 ? length : 0);
  }
  if (size < at) return size_t{0};
  size_t tuple_size = at;
  // Second pass: decode into the columns.
  at = 2;
  for (int f = 0; f < fields; ++f) {
    int32_t length = static_cast<int32_t>(load32(data + at));
    at += 4;
    if (length < 0) {
      batch.columns[f].append_null();
    } else {
      Status status = decode_field(f, data + at, length, batch);
      if (!status.is_ok()) {
        if (rejects_ == nullptr) return status;
        // Undo the fields of this tuple already appended, then hand the whole tuple over.
        for (auto& column : batch.columns) column.truncate(batch.num_rows);
        RBC_RETURN_NOT_OK(rejects_->reject(0, tuple_json(data), status.message()));
        return tuple_size;
      }
      at += length;
    }
  }
  ++batch.num_rows;
  bytes_ += at;
  return at;
}

// A rejected tuple as a JSON object of its columns' text forms, for the dead letter: the
// value that could not be decoded as PostgreSQL prints it (NaN, Infinity, a timestamp past
// rbc's range), the others as rbc prints them.
std::string CopyDecoder::tuple_json(const char* data) {
  Batch scratch;
  for (const DataType& type : types_) scratch.columns.emplace_back(type);
  std::string out = "{";
  size_t at = 2;
  for (size_t f = 0; f < wires_.size(); ++f) {
    const int32_t length = static_cast<int32_t>(load32(data + at));
    at += 4;
    if (f > 0) out.push_back(',');
    append_json_string(out, names_[f]);
    out.push_back(':');
    if (length < 0) {
      out += "null";
      continue;
    }
    const char* p = data + at;
    at += static_cast<size_t>(length);
    std::string text;
    if (decode_field(f, p, length, scratch).is_ok()) {
      Column& column = scratch.columns[f];
      append_formatted_value(text, column, column.size() - 1);
    } else {
      text = undecodable_text(wires_[f], p, length);
    }
    append_json_string(out, text);
  }
  out.push_back('}');
  return out;
}

Status CopyDecoder::decode_field(size_t f, const char* p, int32_t length, Batch& batch) {
  Column& column = batch.columns[f];
  WireKind wire = wires_[f];
  size_t expected = fixed_length(wire);
  if (expected != 0 && static_cast<size_t>(length) != expected) {
    return field_error(names_[f], "unexpected binary length " + std::to_string(length));
  }
  switch (wire) {
    case WireKind::boolean: column.append<uint8_t>(*p != 0 ? 1 : 0); break;
    case WireKind::int2: column.append<int16_t>(static_cast<int16_t>(load16(p))); break;
    case WireKind::int4: column.append<int32_t>(static_cast<int32_t>(load32(p))); break;
    case WireKind::int8: column.append<int64_t>(static_cast<int64_t>(load64(p))); break;
    case WireKind::float4: column.append<float>(std::bit_cast<float>(load32(p))); break;
    case WireKind::float8: column.append<double>(std::bit_cast<double>(load64(p))); break;
    case WireKind::numeric: {
      __int128 value;
      Status status = numeric_to_decimal(p, length, types_[f].scale, value);
      if (!status.is_ok()) return field_error(names_[f], status.message());
      column.append<__int128>(value);
      break;
    }
    case WireKind::date: {
      int32_t days = static_cast<int32_t>(load32(p));
      bool infinite =
          days == std::numeric_limits<int32_t>::min() || days == std::numeric_limits<int32_t>::max();
      int32_t unix_days = days;
      // rbc counts from 1970, PostgreSQL from 2000: the last years of its range do not fit.
      if (!infinite && __builtin_add_overflow(days, kPgEpochDays, &unix_days))
        return field_error(names_[f], "date out of rbc's range");
      column.append<int32_t>(unix_days);
      break;
    }
    case WireKind::timestamp:
    case WireKind::timestamptz: {
      int64_t micros = static_cast<int64_t>(load64(p));
      bool infinite =
          micros == std::numeric_limits<int64_t>::min() || micros == std::numeric_limits<int64_t>::max();
      int64_t unix_micros = micros;
      // PostgreSQL's last 30 years (to 294276) overflowed into the year -290278.
      if (!infinite && __builtin_add_overflow(micros, kPgEpochMicros, &unix_micros))
        return field_error(names_[f], "timestamp out of rbc's range (it ends in the year 294247)");
      column.append<int64_t>(unix_micros);
      break;
    }
    case WireKind::uuid: column.append_bytes(p, 16); break;
    case WireKind::jsonb:
      if (length < 1 || *p != 1) return field_error(names_[f], "unsupported jsonb binary version");
      column.append_string({p + 1, static_cast<size_t>(length - 1)});
      break;
    case WireKind::text:
    case WireKind::bytea:
    case WireKind::json:
    case WireKind::as_text: column.append_string({p, static_cast<size_t>(length)}); break;
    case WireKind::skip: return Status::internal("postgres: a source column cannot be skipped");
  }
  return Status::ok();
}

// ---- encoding --------------------------------------------------------------------------

WireKind natural_wire(const DataType& type) {
  switch (type.id) {
    case TypeId::boolean: return WireKind::boolean;
    case TypeId::int16: return WireKind::int2;
    case TypeId::int32: return WireKind::int4;
    case TypeId::int64: return WireKind::int8;
    case TypeId::float32: return WireKind::float4;
    case TypeId::float64: return WireKind::float8;
    case TypeId::decimal: return WireKind::numeric;
    case TypeId::text: return WireKind::text;
    case TypeId::bytes: return WireKind::bytea;
    case TypeId::date: return WireKind::date;
    case TypeId::timestamp: return WireKind::timestamp;
    case TypeId::timestamptz: return WireKind::timestamptz;
    case TypeId::uuid: return WireKind::uuid;
    case TypeId::json: return WireKind::jsonb;
  }
  return WireKind::text;
}

WireKind direct_wire(const DataType& type, const PgColumn& dest) {
  uint32_t o = dest.type_oid;
  switch (type.id) {
    case TypeId::boolean: return o == oid::kBool ? WireKind::boolean : WireKind::as_text;
    case TypeId::int16: return o == oid::kInt2 ? WireKind::int2 : WireKind::as_text;
    case TypeId::int32: return o == oid::kInt4 ? WireKind::int4 : WireKind::as_text;
    case TypeId::int64: return o == oid::kInt8 ? WireKind::int8 : WireKind::as_text;
    case TypeId::float32: return o == oid::kFloat4 ? WireKind::float4 : WireKind::as_text;
    case TypeId::float64: return o == oid::kFloat8 ? WireKind::float8 : WireKind::as_text;
    case TypeId::decimal: return o == oid::kNumeric ? WireKind::numeric : WireKind::as_text;
    case TypeId::text:
    case TypeId::json:
      // The receive functions of these types take (and validate) the text itself.
      if (o == oid::kText || o == oid::kVarchar || o == oid::kBpchar || o == oid::kName)
        return WireKind::text;
      if (o == oid::kJson) return WireKind::json;
      if (o == oid::kJsonb) return WireKind::jsonb;
      return WireKind::as_text;
    case TypeId::bytes: return o == oid::kBytea ? WireKind::bytea : WireKind::as_text;
    case TypeId::date: return o == oid::kDate ? WireKind::date : WireKind::as_text;
    case TypeId::timestamp: return o == oid::kTimestamp ? WireKind::timestamp : WireKind::as_text;
    case TypeId::timestamptz: return o == oid::kTimestamptz ? WireKind::timestamptz : WireKind::as_text;
    case TypeId::uuid: return o == oid::kUuid ? WireKind::uuid : WireKind::as_text;
  }
  return WireKind::as_text;
}

CopyEncoder::CopyEncoder(std::vector<WireKind> wires, std::vector<std::string> names)
    : wires_(std::move(wires)),
      names_(std::move(names)),
      sent_columns_(static_cast<uint16_t>(
          std::count_if(wires_.begin(), wires_.end(), [](WireKind w) { return w != WireKind::skip; }))) {}

void CopyEncoder::append_header(std::string& out) {
  out.append(kSignature, sizeof kSignature);
  put32(out, 0);  // flags: no OIDs
  put32(out, 0);  // no header extension
}

void CopyEncoder::append_trailer(std::string& out) { put16(out, 0xffff); }

Status CopyEncoder::append_rows(const Batch& batch, size_t begin, size_t end, std::string& out) {
  size_t ncols = batch.columns.size();
  if (ncols != wires_.size()) return Status::internal("postgres: batch has an unexpected number of columns");
  for (size_t row = begin; row < end; ++row) {
    put16(out, sent_columns_);
    for (size_t c = 0; c < ncols; ++c) {
      const Column& column = batch.columns[c];
      if (wires_[c] == WireKind::skip) continue;
      if (column.is_null(row)) {
        put32(out, 0xffffffffu);
        continue;
      }
      switch (wires_[c]) {
        case WireKind::boolean:
          put32(out, 1);
          out.push_back(column.value<uint8_t>(row) != 0 ? 1 : 0);
          break;
        case WireKind::int2:
          put32(out, 2);
          put16(out, static_cast<uint16_t>(column.value<int16_t>(row)));
          break;
        case WireKind::int4:
          put32(out, 4);
          put32(out, static_cast<uint32_t>(column.value<int32_t>(row)));
          break;
        case WireKind::int8:
          put32(out, 8);
          put64(out, static_cast<uint64_t>(column.value<int64_t>(row)));
          break;
        case WireKind::float4:
          put32(out, 4);
          put32(out, std::bit_cast<uint32_t>(column.value<float>(row)));
          break;
        case WireKind::float8:
          put32(out, 8);
          put64(out, std::bit_cast<uint64_t>(column.value<double>(row)));
          break;
        case WireKind::numeric:
          decimal_to_numeric(column.value<__int128>(row), column.type().scale, out);
          break;
        case WireKind::date: {
          int32_t days = column.value<int32_t>(row);
          bool infinite =
              days == std::numeric_limits<int32_t>::min() || days == std::numeric_limits<int32_t>::max();
          put32(out, 4);
          put32(out, static_cast<uint32_t>(infinite ? days : days - kPgEpochDays));
          break;
        }
        case WireKind::timestamp:
        case WireKind::timestamptz: {
          int64_t micros = column.value<int64_t>(row);
          bool infinite =
              micros == std::numeric_limits<int64_t>::min() || micros == std::numeric_limits<int64_t>::max();
          put32(out, 8);
          put64(out, static_cast<uint64_t>(infinite ? micros : micros - kPgEpochMicros));
          break;
        }
        case WireKind::uuid:
          put32(out, 16);
          out.append(reinterpret_cast<const char*>(column.data().data()) + row * 16, 16);
          break;
        case WireKind::jsonb: {
          std::string_view s = column.string_at(row);
          put32(out, static_cast<uint32_t>(s.size() + 1));
          out.push_back(1);
          out.append(s);
          break;
        }
        case WireKind::text:
        case WireKind::bytea:
        case WireKind::json:
        case WireKind::as_text: {
          std::string_view s = column.string_at(row);
          put32(out, static_cast<uint32_t>(s.size()));
          out.append(s);
          break;
        }
        case WireKind::skip: break;
      }
    }
  }
  return Status::ok();
}

}  // namespace rbc::pg
