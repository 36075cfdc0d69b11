// The operator factory and the adapters from each engine to Operator.
#include "operators/runtime/operator.h"

#include <variant>

#include "expr/query.h"
#include "operators/validate/validate.h"

namespace rbc {

namespace {

class SqlOperator final : public Operator {
 public:
  explicit SqlOperator(CompiledQuery query) : query_(std::move(query)), schema_(query_.output_schema_ptr()) {}
  const std::shared_ptr<const Schema>& output_schema() const override { return schema_; }
  Result<Batch> process(const Batch& batch, const BatchInfo& /*info*/) override {
    return query_.evaluate(batch);
  }
  bool stateful() const override { return !query_.is_stateless(); }

 private:
  CompiledQuery query_;
  std::shared_ptr<const Schema> schema_;
};

class ValidateOperator final : public Operator {
 public:
  ValidateOperator(std::unique_ptr<Validator> validator, std::shared_ptr<const Schema> schema)
      : validator_(std::move(validator)), schema_(std::move(schema)) {}
  const std::shared_ptr<const Schema>& output_schema() const override { return schema_; }
  Result<Batch> process(const Batch& batch, const BatchInfo& info) override {
    return validator_->process(batch, info.seq);
  }
  bool stateful() const override { return validator_->stateful(); }
  size_t rejected_rows() const override { return validator_->rejected_rows(); }

 private:
  std::unique_ptr<Validator> validator_;
  std::shared_ptr<const Schema> schema_;
};

Result<std::unique_ptr<Operator>> make_sql(const Config& config, const Schema& input) {
  auto query = config.values.find("query");
  if (query == config.values.end() || !query->is_string()) {
    return Status::invalid("sql: config.query must be a string");
  }
  const std::string text = query->get<std::string>();
  SqlCompileResult compiled = compile_sql(text, input);
  if (auto* errors = std::get_if<std::vector<SqlError>>(&compiled)) {
    std::string message = "sql: ";
    for (const auto& error : *errors) message += format_sql_error(text, error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Status::invalid(message);
  }
  return std::unique_ptr<Operator>(new SqlOperator(std::get<CompiledQuery>(std::move(compiled))));
}

}  // namespace

Result<std::unique_ptr<Operator>> make_operator(const std::string& use, const Config& config,
                                                std::shared_ptr<const Schema> input,
                                                const OperatorContext& context) {
  if (use == "sql") return make_sql(config, *input);
  if (use == "validate") {
    ValidateOptions options{context.on_data_error, context.dlq_path, context.pipeline, context.stream};
    RBC_ASSIGN_OR_RETURN(auto validator, Validator::make(config.values, input, options));
    return std::unique_ptr<Operator>(new ValidateOperator(std::move(validator), std::move(input)));
  }
  return Status::invalid("unknown transform '" + use + "'");
}

}  // namespace rbc
