#include "graph/pipeline_keys.h"

namespace rbc {

const std::vector<ModelKey<PipelineInfo>>& pipeline_keys() {
  static const std::vector<ModelKey<PipelineInfo>> keys{
      {"version", "version", KeyType::text, &PipelineInfo::version},
      {"pipeline", "pipeline", KeyType::text, &PipelineInfo::name},
  };
  return keys;
}

const std::vector<ModelKey<StreamSpec>>& stream_keys() {
  static const std::vector<ModelKey<StreamSpec>> keys{
      {"name", "stream name", KeyType::text, &StreamSpec::name},
      {"sync_mode", "sync_mode", KeyType::enumeration, &StreamSpec::sync_mode},
      {"cursor_field", "cursor_field", KeyType::name, &StreamSpec::cursor_field},
      {"tie_breaker_field", "tie_breaker_field", KeyType::name, &StreamSpec::tie_breaker_field},
      {"partition_key", "partition_key", KeyType::name, &StreamSpec::partition_key},
      {"columns", "columns", KeyType::front_end, std::monostate{}},
      {"watermark", "watermark", KeyType::block, &StreamSpec::watermark},
  };
  return keys;
}

const std::vector<ModelKey<DestinationSpec>>& destination_keys() {
  static const std::vector<ModelKey<DestinationSpec>> keys{
      {"write_mode", "write_mode", KeyType::enumeration, &DestinationSpec::write_mode},
      {"primary_key", "primary_key", KeyType::names, &DestinationSpec::primary_key},
      {"on_data_error", "on_data_error", KeyType::enumeration, &DestinationSpec::on_data_error},
      {"schema_evolution", "schema_evolution", KeyType::enumeration, &DestinationSpec::schema_evolution},
      {"dlq_path", "dlq_path", KeyType::text, &DestinationSpec::dlq_path},
  };
  return keys;
}

const std::vector<ModelKey<ResourcesSpec>>& resources_keys() {
  static const std::vector<ModelKey<ResourcesSpec>> keys{
      {"parallelism", "parallelism", KeyType::parallelism, &ResourcesSpec::parallelism,
       KeyRange{1, kMaxParallelism, ""}},
      {"autotune", "autotune", KeyType::block, &ResourcesSpec::autotune},
      {"aggregation", "aggregation", KeyType::block, &ResourcesSpec::aggregation},
      {"max_state_bytes", "max_state_bytes", KeyType::byte_size, &ResourcesSpec::max_state_bytes,
       KeyRange{int64_t{1} << 20, INT64_MAX, " bytes"}},
      {"max_batch_bytes", "max_batch_bytes", KeyType::byte_size, &ResourcesSpec::max_batch_bytes,
       KeyRange{int64_t{64} << 10, int64_t{1} << 30, " bytes"}},
      {"max_inflight_batches", "max_inflight_batches", KeyType::integer, &ResourcesSpec::max_inflight_batches,
       KeyRange{1, 1024, ""}},
      {"checkpoint_interval_rows", "checkpoint_interval_rows", KeyType::integer,
       &ResourcesSpec::checkpoint_interval_rows, KeyRange{1, int64_t{1} << 40, ""}},
      {"checkpoint_interval_seconds", "checkpoint_interval_seconds", KeyType::duration,
       &ResourcesSpec::checkpoint_interval_seconds, KeyRange{1, 86400, " seconds"}},
      {"max_batch_lag", "max_batch_lag", KeyType::duration_ms, &ResourcesSpec::max_batch_lag,
       KeyRange{1, 86'400'000, " ms"}},
      {"max_retries", "max_retries", KeyType::integer, &ResourcesSpec::max_retries, KeyRange{0, 100, ""}},
  };
  return keys;
}

const std::vector<ModelKey<AutotuneSpec>>& autotune_keys() {
  static const std::vector<ModelKey<AutotuneSpec>> keys{
      {"enabled", "autotune.enabled", KeyType::boolean, &AutotuneSpec::enabled},
      {"mode", "autotune.mode", KeyType::enumeration, &AutotuneSpec::mode},
      {"pin_parallelism", "pin_parallelism", KeyType::integer, &AutotuneSpec::pin_parallelism,
       KeyRange{1, kMaxPinParallelism, ""}},
      {"pin_source_partition_mode", "pin_source_partition_mode", KeyType::enumeration,
       &AutotuneSpec::pin_source_partition_mode},
      {"pin_copy_flush_bytes", "pin_copy_flush_bytes", KeyType::byte_size,
       &AutotuneSpec::pin_copy_flush_bytes,
       KeyRange{kMinCopyFlushBytes, kMaxCopyFlushBytes, " bytes (1 MiB .. 32 MiB)"}},
      {"pin_node_concurrency", "pin_node_concurrency", KeyType::integer, &AutotuneSpec::pin_node_concurrency,
       KeyRange{1, kMaxPinParallelism, ""}},
  };
  return keys;
}

const std::vector<ModelKey<AggregationSpec>>& aggregation_keys() {
  static const std::vector<ModelKey<AggregationSpec>> keys{
      {"strategy", "aggregation.strategy", KeyType::enumeration, &AggregationSpec::strategy},
      {"lanes", "aggregation.lanes", KeyType::integer, &AggregationSpec::lanes, KeyRange{1, 256, ""}},
  };
  return keys;
}

const std::vector<ModelKey<WatermarkSpec>>& watermark_keys() {
  static const std::vector<ModelKey<WatermarkSpec>> keys{
      {"allowed_lateness", "watermark.allowed_lateness", KeyType::duration_ms,
       &WatermarkSpec::allowed_lateness, KeyRange{0, int64_t{1} << 40, " ms"}},
      {"idle_timeout", "watermark.idle_timeout", KeyType::duration_ms, &WatermarkSpec::idle_timeout,
       KeyRange{1, int64_t{1} << 40, " ms"}},
      {"late_rows", "watermark.late_rows", KeyType::enumeration, &WatermarkSpec::late_rows},
  };
  return keys;
}

const std::vector<ModelKey<StateSpec>>& state_keys() {
  static const std::vector<ModelKey<StateSpec>> keys{
      {"backend", "state.backend", KeyType::name, &StateSpec::backend},
      {"config", "state config", KeyType::front_end, std::monostate{}},
  };
  return keys;
}

const std::vector<std::string>& state_backend_names() {
  static const std::vector<std::string> names{"none", "file", "postgres"};
  return names;
}

}  // namespace rbc
