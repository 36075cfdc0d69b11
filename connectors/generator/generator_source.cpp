// Synthetic rows: a splitmix64 hash of (seed, column, row) per value, appended straight
// into columns.
#include "connectors/generator/generator_source.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>

#include "graph/utf8.h"

namespace rbc::generator {

namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;
constexpr int32_t kDaysAt2000 = 10957;               // 2000-01-01
constexpr int64_t kMicrosAt2020 = 1577836800000000;  // 2020-01-01 00:00:00 UTC
constexpr uint64_t kMicrosIn5Years = 1826ull * 86400 * 1000000;

uint64_t splitmix64(uint64_t x) {
  x += kGolden;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

struct ColumnRecipe {
  bool sequential = false;   // an integer `id`: row + 1
  uint64_t salt = 0;         // distinguishes the columns' hash streams
  uint64_t cardinality = 0;  // 0 = the type's default spread
  std::string name;
};

struct GeneratorPlan {
  std::shared_ptr<const Schema> schema;
  std::vector<ColumnRecipe> recipes;
  uint64_t rows = 0;
  uint64_t seed = 0;
};

Result<uint64_t> non_negative(const Config& config, const char* key, uint64_t fallback) {
  auto it = config.values.find(key);
  if (it == config.values.end()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < 0) {
    return Status::invalid(std::string("generator source: `") + key +
                           "` must be a non-negative integer, not " + it->dump());
  }
  return it->get<uint64_t>();
}

Result<Schema> schema_from_config(const Config& config) {
  auto it = config.values.find("columns");
  if (it == config.values.end()) {
    return Schema({Field{"id", DataType{TypeId::int64}}, Field{"value", DataType{TypeId::float64}},
                   Field{"name", DataType{TypeId::text}}});
  }
  Schema schema;
  auto add = [&](const std::string& name, const nlohmann::json& type_name) -> Status {
    auto type = type_name.is_string() ? parse_data_type(type_name.get<std::string>()) : std::nullopt;
    if (!type)
      return Status::invalid("generator source: column \"" + name + "\" has unknown type " +
                             json_text(type_name));
    schema.add(Field{name, *type});
    return Status::ok();
  };
  // A list, not a map: a JSON object would not keep the columns in written order.
  if (it->is_array()) {
    for (const auto& entry : *it) {
      if (!entry.is_object() || entry.size() != 1) {
        return Status::invalid("generator source: each entry of `columns` must be {name: type}, not " +
                               json_text(entry));
      }
      RBC_RETURN_NOT_OK(add(entry.begin().key(), entry.begin().value()));
    }
  } else {
    return Status::invalid("generator source: `columns` must be a list of {name: type}");
  }
  return schema;
}

Result<GeneratorPlan> plan_generation(const StreamRequest& request) {
  GeneratorPlan plan;
  RBC_ASSIGN_OR_RETURN(plan.rows, non_negative(request.config, "rows", 1000));
  RBC_ASSIGN_OR_RETURN(plan.seed, non_negative(request.config, "seed", 0));
  Schema full;
  if (request.declared_schema) {
    full = *request.declared_schema;
  } else {
    RBC_ASSIGN_OR_RETURN(full, schema_from_config(request.config));
  }
  const nlohmann::json* cardinality = nullptr;
  if (auto it = request.config.values.find("cardinality"); it != request.config.values.end()) {
    if (!it->is_object())
      return Status::invalid("generator source: `cardinality` must be a map {column: count}");
    cardinality = &*it;
  }
  std::vector<std::string> names = request.columns.empty() ? full.names() : request.columns;
  Schema output;
  for (const auto& name : names) {
    int at = full.index_of(name);
    if (at < 0)
      return Status::invalid("generator source: stream \"" + request.stream + "\" has no column \"" + name +
                             "\"");
    const Field& field = full.field(static_cast<size_t>(at));
    ColumnRecipe recipe;
    recipe.name = field.name;
    recipe.sequential = field.type.is_integer() && field.name == "id";
    // Salted by position in the full schema, so that projection does not change values.
    recipe.salt = splitmix64(static_cast<uint64_t>(at) + 1);
    if (cardinality != nullptr && cardinality->contains(name)) {
      const auto& count = (*cardinality)[name];
      if (!count.is_number_integer() || count.get<int64_t>() < 1) {
        return Status::invalid("generator source: cardinality of \"" + name +
                               "\" must be a positive integer");
      }
      recipe.cardinality = count.get<uint64_t>();
    }
    output.add(field);
    plan.recipes.push_back(std::move(recipe));
  }
  plan.schema = std::make_shared<const Schema>(std::move(output));
  return plan;
}

void append_generated(Column& column, const ColumnRecipe& recipe, uint64_t row, uint64_t hash) {
  const DataType& type = column.type();
  const uint64_t pick = recipe.cardinality != 0 ? hash % recipe.cardinality : hash;
  switch (type.id) {
    case TypeId::boolean: column.append<uint8_t>(static_cast<uint8_t>(pick & 1)); return;
    case TypeId::int16:
      column.append<int16_t>(static_cast<int16_t>(recipe.sequential ? row + 1 : pick % 10000));
      return;
    case TypeId::int32:
      column.append<int32_t>(static_cast<int32_t>(recipe.sequential ? row + 1 : pick % 1000000));
      return;
    case TypeId::int64:
      column.append<int64_t>(static_cast<int64_t>(recipe.sequential ? row + 1 : pick % 1000000000));
      return;
    case TypeId::float32:
    case TypeId::float64: {
      // Two decimals in [-1000, 1000]: prints short, like measured values.
      double value = (static_cast<double>(pick % 200001) - 100000.0) / 100.0;
      if (type.id == TypeId::float32) {
        column.append<float>(static_cast<float>(value));
      } else {
        column.append<double>(value);
      }
      return;
    }
    case TypeId::decimal: {
      int digits = type.precision != 0 ? std::min<int>(type.precision, 18) : 12;
      uint64_t limit = 1;
      for (int i = 0; i < digits; ++i) limit *= 10;
      column.append<__int128>(static_cast<__int128>(pick % limit));
      return;
    }
    case TypeId::date: column.append<int32_t>(kDaysAt2000 + static_cast<int32_t>(pick % 10000)); return;
    case TypeId::timestamp:
    case TypeId::timestamptz:
      column.append<int64_t>(kMicrosAt2020 + static_cast<int64_t>(pick % kMicrosIn5Years));
      return;
    case TypeId::uuid: {
      uint8_t bytes[16];
      uint64_t high = splitmix64(pick), low = splitmix64(pick ^ kGolden);
      for (int i = 0; i < 8; ++i) {
        bytes[i] = static_cast<uint8_t>(high >> (56 - 8 * i));
        bytes[8 + i] = static_cast<uint8_t>(low >> (56 - 8 * i));
      }
      bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);  // version 4
      bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
      column.append_bytes(bytes, 16);
      return;
    }
    case TypeId::text: {
      char buffer[96];
      size_t length = std::min<size_t>(recipe.name.size(), 64);
      std::memcpy(buffer, recipe.name.data(), length);
      buffer[length++] = '_';
      uint64_t value = recipe.cardinality != 0 ? pick : pick % 1000000;
      char* end = std::to_chars(buffer + length, buffer + sizeof buffer, value).ptr;
      column.append_string({buffer, static_cast<size_t>(end - buffer)});
      return;
    }
    case TypeId::bytes: {
      uint8_t bytes[8];
      for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(pick >> (56 - 8 * i));
      column.append_string({reinterpret_cast<const char*>(bytes), 8});
      return;
    }
    case TypeId::json: {
      char buffer[40] = "{\"k\":";
      char* end = std::to_chars(buffer + 5, buffer + sizeof buffer - 1, pick % 1000).ptr;
      *end++ = '}';
      column.append_string({buffer, static_cast<size_t>(end - buffer)});
      return;
    }
  }
}

class GeneratorReader final : public PartitionReader {
 public:
  GeneratorReader(GeneratorPlan plan, const StreamRequest& request, int index)
      : plan_(std::move(plan)),
        max_rows_(std::max<size_t>(1, request.max_batch_rows)),
        batch_rows_(max_rows_) {
    if (request.sliced_readers > 0) return;  // nothing until start_slice()
    const auto count = static_cast<uint64_t>(request.partition_count);
    const auto i = static_cast<uint64_t>(index);
    if (request.partition_mode == PartitionMode::range) {
      // Contiguous slices; 128-bit products so that huge row counts do not overflow.
      next_ = static_cast<uint64_t>(static_cast<unsigned __int128>(plan_.rows) * i / count);
      end_ = static_cast<uint64_t>(static_cast<unsigned __int128>(plan_.rows) * (i + 1) / count);
      step_ = 1;
    } else {
      next_ = i;
      end_ = plan_.rows;
      step_ = count;
    }
  }

  Result<std::optional<Batch>> next() override {
    if (next_ >= end_) return std::optional<Batch>();
    Batch batch = Batch::empty(plan_.schema);
    const uint64_t remaining = (end_ - next_ + step_ - 1) / step_;
    const size_t rows = static_cast<size_t>(std::min<uint64_t>(remaining, batch_rows_));
    for (auto& column : batch.columns) {
      column.reserve(rows, column.type().is_variable_width() ? rows * 16 : 0);
    }
    for (size_t c = 0; c < batch.columns.size(); ++c) {
      Column& column = batch.columns[c];
      const ColumnRecipe& recipe = plan_.recipes[c];
      const uint64_t seed = plan_.seed * kGolden ^ recipe.salt;
      uint64_t row = next_;
      for (size_t i = 0; i < rows; ++i, row += step_) {
        append_generated(column, recipe, row, splitmix64(seed ^ splitmix64(row)));
      }
    }
    next_ += rows * step_;
    batch.num_rows = rows;
    return std::optional<Batch>(std::move(batch));
  }

  // The key is `id`, row + 1 (KeySpan 1..rows).
  Status start_slice(const KeySlice& slice, size_t max_batch_rows) override {
    if (next_ < end_) return Status::internal("generator source: start_slice() while reading");
    auto row_of = [&](int64_t key) { return static_cast<uint64_t>(std::clamp<int64_t>(key - 1, 0, rows())); };
    next_ = slice.lo ? row_of(*slice.lo) : 0;
    end_ = slice.hi ? row_of(*slice.hi) : plan_.rows;
    step_ = static_cast<uint64_t>(std::max(1, slice.mod_count));
    if (step_ > 1) {
      // The first row at or after next_ whose key (row + 1) is mod_index modulo step_.
      uint64_t wanted = (static_cast<uint64_t>(slice.mod_index) + step_ - 1) % step_;
      next_ += (wanted + step_ - next_ % step_) % step_;
    }
    batch_rows_ = max_batch_rows > 0 ? std::min(max_batch_rows, max_rows_) : max_rows_;
    return Status::ok();
  }

 private:
  int64_t rows() const { return static_cast<int64_t>(std::min<uint64_t>(plan_.rows, INT64_MAX)); }

  GeneratorPlan plan_;
  size_t max_rows_, batch_rows_;
  uint64_t next_ = 0, end_ = 0, step_ = 1;
};

class GeneratorSource final : public Source {
 public:
  Result<std::shared_ptr<const Schema>> prepare(const StreamRequest& request) override {
    RBC_ASSIGN_OR_RETURN(GeneratorPlan plan, plan_generation(request));
    return plan.schema;
  }

  std::optional<KeySpan> key_span(const StreamRequest& request) override {
    auto plan = plan_generation(request);
    if (!plan.is_ok()) return std::nullopt;
    KeySpan span;
    span.empty = plan->rows == 0;
    span.min = 1;
    span.max = static_cast<int64_t>(std::min<uint64_t>(plan->rows, INT64_MAX));
    span.estimated_rows = static_cast<double>(plan->rows);
    return span;
  }

  Result<std::unique_ptr<PartitionReader>> open(const StreamRequest& request, int index) override {
    int readers = request.sliced_readers > 0 ? request.sliced_readers : request.partition_count;
    if (readers < 1 || index < 0 || index >= readers) {
      return Status::invalid("generator source: partition " + std::to_string(index) + " of " +
                             std::to_string(readers));
    }
    RBC_ASSIGN_OR_RETURN(GeneratorPlan plan, plan_generation(request));
    return std::unique_ptr<PartitionReader>(
        std::make_unique<GeneratorReader>(std::move(plan), request, index));
  }
};

}  // namespace

std::unique_ptr<Source> make_generator_source() { return std::make_unique<GeneratorSource>(); }

}  // namespace rbc::generator
