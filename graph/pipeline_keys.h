// The one table of the pipeline model's keys: for every option of a stream, a
// destination, the resources, the autotuner, the state and the pipeline itself, its
// name, how messages call it, its type (how a front-end reads it and the formatter
// writes it), the model field it fills and the range the validate pass checks. The
// model's defaults are the field initializers in graph/pipeline_model.h. The YAML
// loader and the .rbc lowering read through dsl/model_reader.h, `--emit rbc` prints
// through it, and "did you mean" suggests its names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "graph/pipeline_model.h"

namespace rbc {

// resources.parallelism: copies are counted in int, so larger numbers are refused.
constexpr int64_t kMaxParallelism = 4096;

enum class KeyType {
  name,  // text that is a name (a column, a backend): printed bare when it can be
  text,  // any text (a path, a version): printed quoted
  integer,
  byte_size,    // 4194304, 64mb, 1gb
  duration,     // seconds: 60, 90s, 5m
  duration_ms,  // milliseconds, written 500ms, 30s, 5m, 1h, 1d (a bare number is seconds)
  boolean,
  parallelism,  // 'auto' (left not present) or an integer
  enumeration,  // one of the field's enum_values(), by their to_string() spelling
  names,        // a list of names; a single name is a list of one
  block,        // a nested section with its own table (resources.autotune)
  front_end,    // read by each front-end itself (a connector config, a stream's columns)
};

// An inclusive range the validate pass checks, with the unit its message names.
struct KeyRange {
  int64_t low = 0;
  int64_t high = 0;
  const char* unit = "";  // appended to the bounds: " bytes", " seconds"
};

// The model field a key fills, as a member of the section's struct.
template <typename Model>
using KeyField = std::variant<
    std::monostate, Located<std::string> Model::*, Located<int64_t> Model::*, Located<bool> Model::*,
    Located<std::vector<std::string>> Model::*, Located<SyncMode> Model::*, Located<WriteMode> Model::*,
    Located<OnDataError> Model::*, Located<SchemaEvolution> Model::*, Located<PartitionMode> Model::*,
    Located<AutotuneMode> Model::*, Located<AggregationStrategy> Model::*, Located<LateRows> Model::*,
    AutotuneSpec Model::*, AggregationSpec Model::*, WatermarkSpec Model::*>;

template <typename Model>
struct ModelKey {
  const char* name;  // as written in YAML and .rbc
  const char* what;  // how messages name it ("autotune.enabled")
  KeyType type;
  KeyField<Model> field;
  std::optional<KeyRange> range = std::nullopt;
};

// The sections, in the order messages list their keys and the formatter prints them.
const std::vector<ModelKey<PipelineInfo>>& pipeline_keys();  // version, pipeline (the name)
const std::vector<ModelKey<StreamSpec>>& stream_keys();
const std::vector<ModelKey<DestinationSpec>>& destination_keys();
const std::vector<ModelKey<ResourcesSpec>>& resources_keys();
const std::vector<ModelKey<AutotuneSpec>>& autotune_keys();
const std::vector<ModelKey<AggregationSpec>>& aggregation_keys();
const std::vector<ModelKey<WatermarkSpec>>& watermark_keys();
const std::vector<ModelKey<StateSpec>>& state_keys();

// The names of a section's keys, for key checks and "did you mean".
template <typename Model>
std::vector<std::string> key_names(const std::vector<ModelKey<Model>>& keys) {
  std::vector<std::string> names;
  for (const auto& key : keys) names.emplace_back(key.name);
  return names;
}

template <typename Model>
const ModelKey<Model>* find_key(const std::vector<ModelKey<Model>>& keys, const std::string& name) {
  for (const auto& key : keys) {
    if (name == key.name) return &key;
  }
  return nullptr;
}

// The state backends a pipeline may name (state.backend).
const std::vector<std::string>& state_backend_names();

// The pipeline versions this rbc reads.
inline constexpr const char* kPipelineVersion = "1.0";

}  // namespace rbc
