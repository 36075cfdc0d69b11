// The sql transform: the expression engine (expr/query.h) behind an Operator, and what
// the compiler checks of a query (its syntax always; its columns and types, and so the
// output's schema, when the input's schema is known).
#include <variant>

#include "expr/query.h"
#include "operators/operator_specs.h"

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

Result<std::unique_ptr<Operator>> make(const Config& config, std::shared_ptr<const Schema> input,
                                       const OperatorContext& /*context*/) {
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
  return std::unique_ptr<Operator>(new SqlOperator(std::get<CompiledQuery>(std::move(compiled))));
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
    s.summary = "SELECT <expressions> FROM input [WHERE <predicate>]";
    s.config_keys = {"query"};
    s.required_keys = {"query"};
    s.make = make;
    s.check_types = check_types;
    return s;
  }();
  return spec;
}

}  // namespace rbc
