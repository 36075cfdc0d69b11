// The typed pipeline model (docs/pipeline.md) that every front-end produces and the
// compiler passes check: streams, destination, resources, state. Every value keeps
// where it was written so that a pass can report a located error about it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "graph/config.h"
#include "graph/diagnostic.h"
#include "graph/types.h"

namespace rbc {

enum class SyncMode { full_refresh, incremental, cdc };
enum class WriteMode { append, replace, upsert };
enum class OnDataError { fail, skip, dlq };
enum class PartitionMode { mod, range };
// autotune.mode: tune (probe, then run the winner) or advise (probe, report, run the baseline).
enum class AutotuneMode { tune, advise };
enum class SchemaEvolution { add_columns, ignore, fail };
enum class AggregationStrategy { hash, two_phase, single };
// What a windowed aggregation does with a row whose windows had closed (watermark.late_rows).
enum class LateRows { drop, dlq, fail };

const char* to_string(SyncMode mode);
const char* to_string(WriteMode mode);
const char* to_string(OnDataError mode);
const char* to_string(PartitionMode mode);
const char* to_string(AutotuneMode mode);
const char* to_string(SchemaEvolution mode);
const char* to_string(AggregationStrategy strategy);
const char* to_string(LateRows mode);

// Every value of an option's enum, in the order messages list them; the front-ends parse
// a value by matching its to_string() spelling.
template <typename Enum>
const std::vector<Enum>& enum_values();
template <>
inline const std::vector<SyncMode>& enum_values() {
  static const std::vector<SyncMode> values{SyncMode::full_refresh, SyncMode::incremental, SyncMode::cdc};
  return values;
}
template <>
inline const std::vector<WriteMode>& enum_values() {
  static const std::vector<WriteMode> values{WriteMode::append, WriteMode::replace, WriteMode::upsert};
  return values;
}
template <>
inline const std::vector<OnDataError>& enum_values() {
  static const std::vector<OnDataError> values{OnDataError::fail, OnDataError::skip, OnDataError::dlq};
  return values;
}
template <>
inline const std::vector<PartitionMode>& enum_values() {
  static const std::vector<PartitionMode> values{PartitionMode::mod, PartitionMode::range};
  return values;
}
template <>
inline const std::vector<AutotuneMode>& enum_values() {
  static const std::vector<AutotuneMode> values{AutotuneMode::tune, AutotuneMode::advise};
  return values;
}
template <>
inline const std::vector<LateRows>& enum_values() {
  static const std::vector<LateRows> values{LateRows::drop, LateRows::dlq, LateRows::fail};
  return values;
}
template <>
inline const std::vector<AggregationStrategy>& enum_values() {
  static const std::vector<AggregationStrategy> values{
      AggregationStrategy::hash, AggregationStrategy::two_phase, AggregationStrategy::single};
  return values;
}
template <>
inline const std::vector<SchemaEvolution>& enum_values() {
  static const std::vector<SchemaEvolution> values{SchemaEvolution::add_columns, SchemaEvolution::ignore,
                                                   SchemaEvolution::fail};
  return values;
}

// A value together with where the user wrote it; `present` is false for defaults.
template <typename T>
struct Located {
  Located() = default;
  Located(T default_value) : value(std::move(default_value)) {}  // NOLINT(google-explicit-constructor)

  T value{};
  SourceRange where;
  bool present = false;

  void set(T new_value, SourceRange at) {
    value = std::move(new_value);
    where = std::move(at);
    present = true;
  }
};

struct ConnectorRef {
  Located<std::string> use;  // "postgres", "file", "generator"
  Config config;
};

// A stream's (or an aggregation's) `watermark:`: when a windowed aggregation's windows close
// (docs/pipeline.md, Windows and time). Durations in milliseconds.
struct WatermarkSpec {
  Located<int64_t> allowed_lateness;
  Located<int64_t> idle_timeout;
  Located<LateRows> late_rows{LateRows::drop};
  bool present() const { return allowed_lateness.present || idle_timeout.present || late_rows.present; }
};

struct StreamSpec {
  SourceRange where;
  Located<std::string> name;
  Located<SyncMode> sync_mode{SyncMode::full_refresh};
  Located<std::string> cursor_field;
  Located<std::string> tie_breaker_field;
  Located<std::string> partition_key;
  Located<std::vector<std::string>> columns;  // projection; empty = every column
  std::optional<Schema> declared_schema;      // when every column also names its type
  WatermarkSpec watermark;
};

struct TransformSpec {
  SourceRange where;
  Located<std::string> use;  // "sql", "validate"
  Config config;
};

struct DestinationSpec {
  SourceRange where;
  ConnectorRef connector;
  Located<WriteMode> write_mode{WriteMode::append};
  Located<std::vector<std::string>> primary_key;
  Located<OnDataError> on_data_error{OnDataError::fail};
  Located<SchemaEvolution> schema_evolution{SchemaEvolution::add_columns};
  Located<std::string> dlq_path;
};

struct AutotuneSpec {
  Located<bool> enabled{true};
  Located<AutotuneMode> mode{AutotuneMode::tune};
  Located<int64_t> pin_parallelism;
  Located<PartitionMode> pin_source_partition_mode;
  Located<int64_t> pin_copy_flush_bytes;
  Located<int64_t> pin_node_concurrency;
};

constexpr int64_t kMinCopyFlushBytes = int64_t{1} << 20;
constexpr int64_t kMaxCopyFlushBytes = int64_t{32} << 20;
constexpr int64_t kDefaultCopyFlushBytes = int64_t{4} << 20;
constexpr int64_t kMaxPinParallelism = 256;

// resources.aggregation: pins how every aggregation runs in parallel (docs/passes.md).
struct AggregationSpec {
  Located<AggregationStrategy> strategy;
  Located<int64_t> lanes;
};

struct ResourcesSpec {
  // `auto` leaves `parallelism` not present; a number is kept as written so that the
  // validate pass can reject 0 and negatives with their location.
  Located<int64_t> parallelism;
  AutotuneSpec autotune;
  AggregationSpec aggregation;
  // What every aggregation's groups may hold in memory together; 0: half the machine's memory.
  Located<int64_t> max_state_bytes;
  // A writer gets nothing until a whole batch is read, and the last batch is written
  // after the read ends, so a batch is a run's fill and drain latency; 2 MiB keeps that
  // short while the in-flight batches (4 x 2 MiB) let a reader go on during a 4 MiB COPY
  // flush.
  Located<int64_t> max_batch_bytes{int64_t{2} << 20};
  Located<int64_t> max_inflight_batches{4};
  Located<int64_t> checkpoint_interval_rows{1'000'000};
  Located<int64_t> checkpoint_interval_seconds{60};
  Located<int64_t> max_batch_lag{500};  // ms: cdc commits what waits at least this often
  Located<int64_t> max_retries{3};
};

struct StateSpec {
  Located<std::string> backend{"none"};  // none | file | postgres
  Config config;
};

// Where a stream lands: "<schema>.<table>" when the destination config names a
// schema (the stream's own schema prefix is replaced), else the stream name itself.
std::string destination_target(const DestinationSpec& destination, const std::string& stream);

// Pipeline-wide facts, carried by the LogicalGraph.
struct PipelineInfo {
  std::string file;  // the pipeline file as given on the command line
  Located<std::string> version;
  Located<std::string> name;
  ResourcesSpec resources;
  StateSpec state;
};

}  // namespace rbc
