// PostgreSQL binary COPY: decoding the COPY TO stream straight into columnar batches and
// encoding batches straight into the COPY FROM stream, without per-value allocation.
//
// Conversions: timestamps and dates move between the PostgreSQL epoch (2000-01-01) and
// the rbc epoch (1970-01-01); ±infinity (INT64/INT32 min/max) passes through unshifted so
// it round-trips. Floats keep NaN and ±Infinity bit for bit. numeric → decimal (__int128
// at the column's scale); numeric NaN and ±Infinity have no decimal representation and are
// a data error naming the column (read such columns as text: declare them unconstrained
// numeric, which rbc maps to text, or cast them in a view).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/file/data_error_policy.h"
#include "connectors/postgres/pg_catalog.h"
#include "graph/batch.h"
#include "graph/status.h"

namespace rbc::pg {

inline constexpr int64_t kPgEpochMicros = 946684800000000LL;  // 2000-01-01 in Unix micros
inline constexpr int32_t kPgEpochDays = 10957;                // 2000-01-01 in Unix days

class CopyDecoder {
 public:
  // One entry per COPY column, in order; `types` are the batch column types.
  CopyDecoder(std::vector<WireKind> wires, std::vector<DataType> types, std::vector<std::string> names);

  // Consumes the next piece of the COPY stream (any split: header, tuples, trailer),
  // appending every complete tuple to `batch` (whose columns match `types`).
  Status feed(const char* data, size_t size, Batch& batch);
  bool finished() const { return finished_; }
  // Expects a new COPY stream (header first), as after construction; counters carry on.
  void restart() {
    pending_.clear();
    header_done_ = false;
    finished_ = false;
  }
  // on_data_error skip or dlq: a tuple with an undecodable value (numeric NaN into a
  // decimal) is dropped whole and handed to `rejects` (which counts it, and under dlq
  // writes it with the reason) instead of failing the read. Null: such a tuple fails.
  void set_rejects(DataErrorPolicy* rejects) { rejects_ = rejects; }
  size_t rejected_rows() const { return rejects_ ? rejects_->rejected() : 0; }
  // Bytes of tuple data decoded so far (for batch sizing and telemetry).
  uint64_t bytes_decoded() const { return bytes_; }

 private:
  // Returns bytes consumed (0 when `data` holds no complete unit), or an error.
  Result<size_t> parse(const char* data, size_t size, Batch& batch);
  Status decode_field(size_t column, const char* value, int32_t length, Batch& batch);
  std::string tuple_json(const char* tuple);

  std::vector<WireKind> wires_;
  std::vector<DataType> types_;
  std::vector<std::string> names_;
  std::string pending_;  // an incomplete unit carried over to the next feed()
  bool header_done_ = false;
  bool finished_ = false;
  DataErrorPolicy* rejects_ = nullptr;
  uint64_t bytes_ = 0;
};

class CopyEncoder {
 public:
  // One wire kind per batch column: how the destination column receives it.
  CopyEncoder(std::vector<WireKind> wires, std::vector<std::string> names);

  static void append_header(std::string& out);
  static void append_trailer(std::string& out);
  // Appends rows [begin, end) of `batch` as binary COPY tuples.
  Status append_rows(const Batch& batch, size_t begin, size_t end, std::string& out);

 private:
  std::vector<WireKind> wires_;
  std::vector<std::string> names_;
  uint16_t sent_columns_;  // the columns that are not skipped
};

// The wire kind a destination column of `dest` type receives an rbc `type` through
// directly; as_text when the value must be staged in its natural type and cast.
WireKind direct_wire(const DataType& type, const PgColumn& dest);
// The wire kind of a column created with pg_type_sql(type).
WireKind natural_wire(const DataType& type);

// Decimal helpers shared with tests: PostgreSQL numeric binary ↔ unscaled __int128.
Status numeric_to_decimal(const char* value, int32_t length, int scale, __int128& out);
void decimal_to_numeric(__int128 unscaled, int scale, std::string& out);

}  // namespace rbc::pg
