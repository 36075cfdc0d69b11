// The sql transform: the expression engine (expr/query.h) behind an Operator, and what
// the compiler checks of a query (its syntax always; its columns and types, and so the
// output's schema, when the input's schema is known).
#include <cstdio>
#include <mutex>
#include <variant>

#include "expr/query.h"
#include "graph/value_format.h"
#include "operators/operator_specs.h"

namespace rbc {
namespace {

// A plain query evaluates batches (from several threads at once); a query that keeps
// state (an aggregation, a LIMIT) runs one QueryState per copy. A windowed aggregation's
// late rows go where watermark.late_rows says: counted (drop), also written to the
// dead-letter file with the reason (dlq), or the run stops on the first (fail).
class SqlOperator final : public Operator {
 public:
  SqlOperator(CompiledQuery query, const OperatorContext& context)
      : query_(std::move(query)), schema_(query_.output_schema_ptr()), context_(context) {
    if (!query_.is_stateless())
      state_ = query_.start(context.watermark.value_or(WatermarkStep{}),
                            MergePart{context.merge_parts, context.merge_part});
  }
  ~SqlOperator() override {
    if (dlq_ != nullptr) std::fclose(dlq_);
  }
  const std::shared_ptr<const Schema>& output_schema() const override { return schema_; }
  Result<Batch> process(const Batch& batch, const BatchInfo& info) override {
    if (!state_) return query_.evaluate(batch);
    Result<Batch> out = info.progress ? state_->add(batch, *info.progress) : state_->add(batch);
    if (!out.is_ok()) return out;
    std::vector<LateRow> late = state_->take_late_rows();
    if (!late.empty()) RBC_RETURN_NOT_OK(handle_late(batch, late));
    return out;
  }
  bool stateful() const override { return state_ != nullptr; }
  Result<std::vector<Batch>> finish() override {
    return state_ ? state_->finish() : Result<std::vector<Batch>>(std::vector<Batch>{});
  }
  Status merge_from(Operator& other) override {
    auto* from = dynamic_cast<SqlOperator*>(&other);
    if (!state_ || !from || !from->state_) return Status::internal("sql: only aggregations merge");
    return state_->merge(*from->state_);
  }
  void join_copies(Operator& first) override {
    auto* to = dynamic_cast<SqlOperator*>(&first);
    if (state_ && to && to->state_) state_->join(*to->state_);
  }
  std::string lanes_note() const override { return state_ ? state_->lanes_note() : ""; }
  size_t groups() const override { return state_ ? state_->groups() : 0; }
  size_t state_bytes() const override { return state_ ? state_->state_bytes() : 0; }
  size_t open_windows() const override { return state_ ? state_->open_windows() : 0; }
  uint64_t late_rows() const override { return state_ ? state_->late_rows() : 0; }

 private:
  Status handle_late(const Batch& batch, const std::vector<LateRow>& late) {
    const LateRows mode = context_.watermark ? context_.watermark->late_rows : LateRows::drop;
    if (mode == LateRows::fail) {
      std::string record;
      append_record_json(record, batch, late.front().row);
      return Status::invalid(late.front().reason + " (watermark.late_rows: fail); the row: " + record);
    }
    if (mode == LateRows::drop) return Status::ok();
    std::lock_guard lock(dlq_mutex());
    if (dlq_ == nullptr) {
      dlq_ = std::fopen(context_.dlq_path.c_str(), "ab");
      if (dlq_ == nullptr) return Status::io_error("sql: cannot open dead-letter file " + context_.dlq_path);
    }
    std::string lines;
    for (const LateRow& row : late) {
      lines += "{\"pipeline\":";
      append_json_string(lines, context_.pipeline);
      lines += ",\"stream\":";
      append_json_string(lines, context_.stream);
      lines += ",\"record\":";
      append_record_json(lines, batch, row.row);
      lines += ",\"error\":";
      append_json_string(lines, row.reason);
      lines += "}\n";
    }
    if (std::fwrite(lines.data(), 1, lines.size(), dlq_) != lines.size() || std::fflush(dlq_) != 0)
      return Status::io_error("sql: cannot write dead-letter file " + context_.dlq_path);
    return Status::ok();
  }

  // The lanes of one aggregation append to one dead-letter file.
  static std::mutex& dlq_mutex() {
    static std::mutex mutex;
    return mutex;
  }

  CompiledQuery query_;
  std::shared_ptr<const Schema> schema_;
  OperatorContext context_;
  std::unique_ptr<QueryState> state_;
  std::FILE* dlq_ = nullptr;
};

std::optional<QueryShape> shape_of(const Config& config) {
  auto query = config.values.find("query");
  if (query == config.values.end() || !query->is_string()) return std::nullopt;
  auto shape = describe_query(query->get<std::string>());
  if (auto* ok = std::get_if<QueryShape>(&shape)) return *ok;
  return std::nullopt;
}

std::optional<QueryShape> aggregation(const Config& config) {
  auto shape = shape_of(config);
  if (shape && shape->aggregate) return shape;
  return std::nullopt;
}

std::string keeps_state(const Config& config) {
  auto shape = shape_of(config);
  if (!shape) return "";
  if (!shape->window.empty()) return "it aggregates per window: each copy keeps its open windows' groups";
  if (shape->aggregate) return "it aggregates: each copy keeps its groups";
  if (shape->limit) return "LIMIT counts the rows it lets through";
  return "";
}

Result<std::unique_ptr<Operator>> make(const Config& config, std::shared_ptr<const Schema> input,
                                       const OperatorContext& context) {
  auto query = config.values.find("query");
  if (query == config.values.end() || !query->is_string()) {
    return Status::invalid("sql: config.query must be a string");
  }
  const std::string text = query->get<std::string>();
  SqlCompileResult compiled = compile_sql(text, *input);
  if (auto* errors = std::get_if<std::vector<SqlError>>(&compiled)) {
    std::string message = "sql: ";
    for (const auto& error : *errors) message += format_sql_error(text, error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Status::invalid(message);
  }
  return std::unique_ptr<Operator>(new SqlOperator(std::get<CompiledQuery>(std::move(compiled)), context));
}

TypeCheck check_types(const Config& config, const std::optional<Schema>& input) {
  auto value = config.values.find("query");
  if (value == config.values.end()) return {input, {}};  // validate reports the missing key
  if (!value->is_string()) return {std::nullopt, {{"query", std::nullopt, "sql query must be a string", ""}}};
  std::string query = value->get<std::string>();
  std::vector<SqlError> errors;
  TypeCheck checked;
  if (input) {
    SqlCompileResult compiled = compile_sql(query, *input);
    if (auto* ok = std::get_if<CompiledQuery>(&compiled)) {
      checked.output = ok->output_schema();
    } else {
      errors = std::get<std::vector<SqlError>>(compiled);
    }
  } else if (auto error = check_sql_syntax(query)) {
    errors.push_back(*error);
  }
  for (const SqlError& error : errors) {
    checked.errors.push_back({"query", error.offset, "in sql query: " + error.message,
                              "at offset " + std::to_string(error.offset) + " of the query"});
  }
  return checked;
}

}  // namespace

const OperatorSpec& sql_operator_spec() {
  static const OperatorSpec spec = [] {
    OperatorSpec s;
    s.name = "sql";
    s.summary =
        "SELECT <expressions> FROM input [WHERE <predicate>] [GROUP BY <expressions>] "
        "[WINDOW TUMBLING|HOPPING|SESSION(...)] [HAVING <predicate>] "
        "[EMIT FINAL|CHANGES] [LIMIT n]";
    s.config_keys = {"query", "watermark"};
    s.required_keys = {"query"};
    s.make = make;
    s.check_types = check_types;
    s.keeps_state = keeps_state;
    s.aggregation = aggregation;
    return s;
  }();
  return spec;
}

}  // namespace rbc
