// Names of the pipeline model's enumerations, as written in pipelines and plans.
#include "graph/pipeline_model.h"

namespace rbc {

const char* to_string(SyncMode mode) {
  switch (mode) {
    case SyncMode::full_refresh: return "full_refresh";
    case SyncMode::incremental: return "incremental";
    case SyncMode::cdc: return "cdc";
  }
  return "?";
}

const char* to_string(WriteMode mode) {
  switch (mode) {
    case WriteMode::append: return "append";
    case WriteMode::replace: return "replace";
    case WriteMode::upsert: return "upsert";
  }
  return "?";
}

const char* to_string(OnDataError mode) {
  switch (mode) {
    case OnDataError::fail: return "fail";
    case OnDataError::skip: return "skip";
    case OnDataError::dlq: return "dlq";
  }
  return "?";
}

const char* to_string(LateRows mode) {
  switch (mode) {
    case LateRows::drop: return "drop";
    case LateRows::dlq: return "dlq";
    case LateRows::fail: return "fail";
  }
  return "?";
}

const char* to_string(AggregationStrategy strategy) {
  switch (strategy) {
    case AggregationStrategy::hash: return "hash";
    case AggregationStrategy::two_phase: return "two_phase";
    case AggregationStrategy::single: return "single";
  }
  return "?";
}

const char* to_string(PartitionMode mode) {
  switch (mode) {
    case PartitionMode::mod: return "mod";
    case PartitionMode::range: return "range";
  }
  return "?";
}

const char* to_string(AutotuneMode mode) {
  switch (mode) {
    case AutotuneMode::tune: return "tune";
    case AutotuneMode::advise: return "advise";
  }
  return "?";
}

const char* to_string(SchemaEvolution mode) {
  switch (mode) {
    case SchemaEvolution::add_columns: return "add_columns";
    case SchemaEvolution::ignore: return "ignore";
    case SchemaEvolution::fail: return "fail";
  }
  return "?";
}

std::string destination_target(const DestinationSpec& destination, const std::string& stream) {
  std::string schema = destination.connector.config.string_or("schema", "");
  if (schema.empty()) return stream;
  size_t dot = stream.rfind('.');
  return schema + "." + (dot == std::string::npos ? stream : stream.substr(dot + 1));
}

}  // namespace rbc
