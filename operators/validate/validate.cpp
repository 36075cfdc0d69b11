// The validate operator: rules are bound to column indexes once, then checked row by row.
#include "operators/validate/validate.h"

#include <cmath>
#include <cstdio>
#include <mutex>
#include <optional>
#include <regex>
#include <unordered_set>
#include <variant>
#include <vector>

#include "graph/utf8.h"
#include "graph/value_format.h"

namespace rbc {

namespace {

struct NotNullRule {
  std::vector<int> columns;
};
struct RegexRule {
  int column = -1;
  std::string pattern;
  std::regex regex;
};
// A bound compared as a number (numeric columns), as an integer in the column's own
// encoding (date, timestamp), or as text (everything else).
struct Bound {
  double number = 0;
  int64_t integer = 0;
  std::string text;
  std::string written;
};
struct RangeRule {
  int column = -1;
  std::optional<Bound> min, max;
};
struct UniqueRule {
  std::vector<int> columns;
};
struct Rule {
  std::string name;  // "assert_not_null(id)", for messages and dead letters
  std::variant<NotNullRule, RegexRule, RangeRule, UniqueRule> body;
};

double numeric_value(const Column& column, size_t row) {
  switch (column.type().id) {
    case TypeId::int16: return column.value<int16_t>(row);
    case TypeId::int32: return column.value<int32_t>(row);
    case TypeId::int64: return static_cast<double>(column.value<int64_t>(row));
    case TypeId::float32: return column.value<float>(row);
    case TypeId::float64: return column.value<double>(row);
    case TypeId::decimal:
      return static_cast<double>(column.value<__int128>(row)) / std::pow(10.0, column.type().scale);
    default: return 0;
  }
}

enum class CompareAs { number, integer, text };

CompareAs compare_kind(const DataType& type) {
  if (type.is_numeric()) return CompareAs::number;
  if (type.id == TypeId::date || type.id == TypeId::timestamp || type.id == TypeId::timestamptz) {
    return CompareAs::integer;
  }
  return CompareAs::text;
}

std::string value_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : json_text(value);
}

Result<Bound> bind_bound(const nlohmann::json& value, const Field& field, const std::string& rule) {
  Bound bound;
  bound.written = value_text(value);
  switch (compare_kind(field.type)) {
    case CompareAs::number:
      if (value.is_number()) {
        bound.number = value.get<double>();
      } else if (!value.is_string() || !parse_float64(value.get<std::string>(), &bound.number)) {
        return Status::invalid(rule + ": bound " + bound.written + " is not a number");
      }
      return bound;
    case CompareAs::integer: {
      std::string text = value_text(value);
      bool ok = false;
      if (field.type.id == TypeId::date) {
        int32_t days = 0;
        ok = parse_date(text, &days);
        bound.integer = days;
      } else if (field.type.id == TypeId::timestamp) {
        ok = parse_timestamp(text, &bound.integer);
      } else {
        ok = parse_timestamptz(text, &bound.integer);
      }
      if (!ok)
        return Status::invalid(rule + ": bound " + bound.written + " is not a " + field.type.to_string());
      return bound;
    }
    case CompareAs::text: bound.text = value_text(value); return bound;
  }
  return bound;
}

Result<std::vector<int>> bind_columns(const nlohmann::json& names, const Schema& schema,
                                      const std::string& rule) {
  std::vector<int> columns;
  if (names.is_string()) return bind_columns(nlohmann::json::array({names}), schema, rule);
  if (!names.is_array() || names.empty()) return Status::invalid(rule + " takes a list of column names");
  for (const auto& name : names) {
    if (!name.is_string()) return Status::invalid(rule + " takes a list of column names");
    int index = schema.index_of(name.get<std::string>());
    if (index < 0)
      return Status::invalid(rule + ": no column '" + name.get<std::string>() + "' in the input");
    columns.push_back(index);
  }
  return columns;
}

std::string join_names(const nlohmann::json& names) {
  if (names.is_string()) return names.get<std::string>();
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += value_text(name);
  }
  return out;
}

Result<int> bind_field(const nlohmann::json& body, const Schema& schema, const std::string& rule) {
  if (!body.is_object() || !body.contains("field") || !body["field"].is_string()) {
    return Status::invalid(rule + " needs {field: COLUMN, ...}");
  }
  int index = schema.index_of(body["field"].get<std::string>());
  if (index < 0)
    return Status::invalid(rule + ": no column '" + body["field"].get<std::string>() + "' in the input");
  return index;
}

Result<Rule> bind_rule(const nlohmann::json& entry, const Schema& schema) {
  if (!entry.is_object() || entry.size() != 1) {
    return Status::invalid("each validate rule is a map with one key (assert_not_null, assert_regex, ...)");
  }
  const std::string kind = entry.begin().key();
  const nlohmann::json& body = entry.begin().value();
  if (kind == "assert_not_null" || kind == "assert_unique") {
    RBC_ASSIGN_OR_RETURN(std::vector<int> columns, bind_columns(body, schema, kind));
    std::string name = kind + "(" + join_names(body) + ")";
    if (kind == "assert_not_null") return Rule{name, NotNullRule{std::move(columns)}};
    return Rule{name, UniqueRule{std::move(columns)}};
  }
  if (kind == "assert_regex") {
    RBC_ASSIGN_OR_RETURN(int column, bind_field(body, schema, kind));
    if (!body.contains("pattern") || !body["pattern"].is_string()) {
      return Status::invalid("assert_regex needs {field: COLUMN, pattern: REGEX}");
    }
    RegexRule rule;
    rule.column = column;
    rule.pattern = body["pattern"].get<std::string>();
    try {
      rule.regex = std::regex(rule.pattern, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return Status::invalid("assert_regex: pattern '" + rule.pattern + "' does not compile: " + e.what());
    }
    std::string name = "assert_regex(" + schema.field(column).name + " ~ '" + rule.pattern + "')";
    return Rule{name, std::move(rule)};
  }
  if (kind == "assert_range") {
    RBC_ASSIGN_OR_RETURN(int column, bind_field(body, schema, kind));
    RangeRule rule;
    rule.column = column;
    const Field& field = schema.field(column);
    std::string name = "assert_range(" + field.name;
    if (body.contains("min")) {
      RBC_ASSIGN_OR_RETURN(rule.min, bind_bound(body["min"], field, kind));
      name += " >= " + rule.min->written;
    }
    if (body.contains("max")) {
      RBC_ASSIGN_OR_RETURN(rule.max, bind_bound(body["max"], field, kind));
      name += std::string(rule.min ? "," : "") + " <= " + rule.max->written;
    }
    if (!rule.min && !rule.max) return Status::invalid("assert_range needs min, max or both");
    return Rule{name + ")", std::move(rule)};
  }
  return Status::invalid("unknown validate rule '" + kind +
                         "' (rules: assert_not_null, assert_regex, assert_range, assert_unique)");
}

class RuleValidator final : public Validator {
 public:
  RuleValidator(std::vector<Rule> rules, std::shared_ptr<const Schema> schema, ValidateOptions options)
      : rules_(std::move(rules)), schema_(std::move(schema)), options_(std::move(options)) {
    for (const auto& rule : rules_) stateful_ = stateful_ || std::holds_alternative<UniqueRule>(rule.body);
    seen_.resize(rules_.size());
  }
  ~RuleValidator() override {
    if (dlq_ != nullptr) std::fclose(dlq_);
  }

  bool stateful() const override { return stateful_; }
  size_t rejected_rows() const override {
    std::lock_guard lock(io_mutex_);
    return rejected_;
  }

  Result<Batch> process(const Batch& batch, uint64_t batch_index) override {
    // Stateless rule sets may run on several batches at once; the lock only guards the
    // unique-key sets, the dead-letter file and the counters.
    std::unique_lock<std::mutex> state_lock(state_mutex_, std::defer_lock);
    if (stateful_) state_lock.lock();
    std::vector<uint8_t> keep;
    size_t dropped = 0;
    std::string scratch;
    std::vector<const Rule*> failed;
    for (size_t row = 0; row < batch.num_rows; ++row) {
      failed.clear();
      for (size_t r = 0; r < rules_.size(); ++r) {
        if (!check(r, batch, row, scratch)) {
          failed.push_back(&rules_[r]);
          if (options_.on_data_error == OnDataError::fail) break;
        }
      }
      if (failed.empty()) continue;
      if (options_.on_data_error == OnDataError::fail) {
        std::string record;
        append_record_json(record, batch, row);
        return Status::invalid("validate: " + failed.front()->name + " failed at batch " +
                               std::to_string(batch_index) + " row " + std::to_string(row) + ": " + record);
      }
      if (keep.empty()) keep.assign(batch.num_rows, 1);
      keep[row] = 0;
      ++dropped;
      if (options_.on_data_error == OnDataError::dlq) {
        std::lock_guard io_lock(io_mutex_);
        RBC_RETURN_NOT_OK(write_dead_letter(batch, row, failed));
      }
    }
    if (dropped == 0) return batch;
    {
      std::lock_guard io_lock(io_mutex_);
      rejected_ += dropped;
    }
    Batch out = Batch::empty(batch.schema);
    for (size_t c = 0; c < batch.columns.size(); ++c) {
      out.columns[c].reserve(batch.num_rows - dropped);
      for (size_t row = 0; row < batch.num_rows; ++row) {
        if (keep[row]) out.columns[c].append_from(batch.columns[c], row);
      }
    }
    out.num_rows = batch.num_rows - dropped;
    return out;
  }

 private:
  bool check(size_t index, const Batch& batch, size_t row, std::string& scratch) {
    const Rule& rule = rules_[index];
    if (const auto* not_null = std::get_if<NotNullRule>(&rule.body)) {
      for (int c : not_null->columns) {
        if (batch.columns[c].is_null(row)) return false;
      }
      return true;
    }
    if (const auto* regex = std::get_if<RegexRule>(&rule.body)) {
      const Column& column = batch.columns[regex->column];
      if (column.is_null(row)) return true;
      scratch.clear();
      append_formatted_value(scratch, column, row);
      return std::regex_match(scratch, regex->regex);
    }
    if (const auto* range = std::get_if<RangeRule>(&rule.body)) {
      const Column& column = batch.columns[range->column];
      if (column.is_null(row)) return true;
      switch (compare_kind(column.type())) {
        case CompareAs::number: {
          double v = numeric_value(column, row);
          if (std::isnan(v)) return false;
          return (!range->min || v >= range->min->number) && (!range->max || v <= range->max->number);
        }
        case CompareAs::integer: {
          int64_t v =
              column.type().id == TypeId::date ? column.value<int32_t>(row) : column.value<int64_t>(row);
          return (!range->min || v >= range->min->integer) && (!range->max || v <= range->max->integer);
        }
        case CompareAs::text: {
          scratch.clear();
          append_formatted_value(scratch, column, row);
          return (!range->min || scratch >= range->min->text) && (!range->max || scratch <= range->max->text);
        }
      }
      return true;
    }
    const auto& unique = std::get<UniqueRule>(rule.body);
    std::string key;
    for (int c : unique.columns) {
      const Column& column = batch.columns[c];
      if (column.is_null(row)) return true;
      scratch.clear();
      append_formatted_value(scratch, column, row);
      // Length-prefixed so that ("a,b", "c") and ("a", "b,c") stay different keys.
      key += std::to_string(scratch.size());
      key += ':';
      key += scratch;
    }
    return seen_[index].insert(std::move(key)).second;
  }

  Status write_dead_letter(const Batch& batch, size_t row, const std::vector<const Rule*>& failed) {
    if (dlq_ == nullptr) {
      dlq_ = std::fopen(options_.dlq_path.c_str(), "ab");
      if (dlq_ == nullptr)
        return Status::io_error("validate: cannot open dead-letter file " + options_.dlq_path);
    }
    std::string line = "{\"pipeline\":";
    append_json_string(line, options_.pipeline);
    line += ",\"stream\":";
    append_json_string(line, options_.stream);
    line += ",\"record\":";
    append_record_json(line, batch, row);
    line += ",\"errors\":[";
    for (size_t i = 0; i < failed.size(); ++i) {
      if (i > 0) line += ',';
      line += "{\"rule\":";
      append_json_string(line, failed[i]->name);
      line += '}';
    }
    line += "]}\n";
    if (std::fwrite(line.data(), 1, line.size(), dlq_) != line.size() || std::fflush(dlq_) != 0) {
      return Status::io_error("validate: cannot write dead-letter file " + options_.dlq_path);
    }
    return Status::ok();
  }

  std::vector<Rule> rules_;
  std::shared_ptr<const Schema> schema_;
  ValidateOptions options_;
  bool stateful_ = false;
  std::mutex state_mutex_;                             // held for a whole batch when a rule keeps state
  mutable std::mutex io_mutex_;                        // the dead-letter file and the counter
  std::vector<std::unordered_set<std::string>> seen_;  // per rule; only assert_unique uses it
  std::FILE* dlq_ = nullptr;
  size_t rejected_ = 0;
};

}  // namespace

Result<std::unique_ptr<Validator>> Validator::make(const nlohmann::json& config,
                                                   std::shared_ptr<const Schema> input,
                                                   const ValidateOptions& options) {
  auto rules_it = config.find("rules");
  if (rules_it == config.end() || !rules_it->is_array()) {
    return Status::invalid("validate: config.rules must be a list of rules");
  }
  std::vector<Rule> rules;
  for (const auto& entry : *rules_it) {
    auto rule = bind_rule(entry, *input);
    if (!rule.is_ok()) return Status::invalid("validate: " + rule.status().message());
    rules.push_back(std::move(rule).value());
  }
  if (options.on_data_error == OnDataError::dlq && options.dlq_path.empty()) {
    return Status::invalid("validate: on_data_error dlq needs a dead-letter path");
  }
  return std::unique_ptr<Validator>(new RuleValidator(std::move(rules), std::move(input), options));
}

}  // namespace rbc
