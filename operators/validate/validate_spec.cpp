// The validate transform: the rule checker (validate.h) behind an Operator, and its spec.
#include "operators/operator_specs.h"
#include "operators/validate/validate.h"

namespace rbc {
namespace {

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

Result<std::unique_ptr<Operator>> make(const Config& config, std::shared_ptr<const Schema> input,
                                       const OperatorContext& context) {
  ValidateOptions options{context.on_data_error, context.dlq_path, context.pipeline, context.stream};
  RBC_ASSIGN_OR_RETURN(auto validator, Validator::make(config.values, input, options));
  return std::unique_ptr<Operator>(new ValidateOperator(std::move(validator), std::move(input)));
}

std::string keeps_state(const Config& config) {
  auto rules = config.values.find("rules");
  if (rules == config.values.end() || !rules->is_array()) return {};
  for (const auto& rule : *rules) {
    if (rule.is_object() && rule.contains("assert_unique")) return "assert_unique keeps state across batches";
  }
  return {};
}

}  // namespace

const OperatorSpec& validate_operator_spec() {
  static const OperatorSpec spec = [] {
    OperatorSpec s;
    s.name = "validate";
    s.summary = "assert_not_null, assert_regex, assert_range, assert_unique rules";
    s.config_keys = {"rules"};
    s.required_keys = {"rules"};
    s.make = make;
    s.keeps_state = keeps_state;
    return s;
  }();
  return spec;
}

}  // namespace rbc
