// compile_sql and CompiledQuery: parse, bind, then evaluate WHERE into a selection
// vector and project only the selected rows.
#include "expr/query.h"

#include <algorithm>

#include "expr/binder.h"
#include "expr/expr.h"
#include "expr/functions.h"
#include "expr/parser.h"

namespace rbc {

namespace sql {

struct Plan {
  Schema input;
  std::shared_ptr<const Schema> output;
  std::vector<ExprPtr> projections;
  ExprPtr where;
};

namespace {

const char* compare_name(CompareOp op) {
  switch (op) {
    case CompareOp::equal: return "=";
    case CompareOp::not_equal: return "<>";
    case CompareOp::less: return "<";
    case CompareOp::less_equal: return "<=";
    case CompareOp::greater: return ">";
    case CompareOp::greater_equal: return ">=";
  }
  return "?";
}

const char* arith_name(ArithOp op) {
  switch (op) {
    case ArithOp::add: return "+";
    case ArithOp::subtract: return "-";
    case ArithOp::multiply: return "*";
    case ArithOp::divide: return "/";
    case ArithOp::modulo: return "%";
  }
  return "?";
}

std::string constant_to_string(const Expr& expr) {
  if (!expr.value.is_valid(0)) return "NULL";
  auto text = cast_vec(expr.value, DataType{TypeId::text}, expr);
  if (!text.is_ok()) return "?";
  std::string value(text->strings[0]);
  if (expr.type.id == TypeId::text || expr.type.id == TypeId::json) {
    std::string quoted = "'";
    for (char c : value) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    return quoted + "'";
  }
  if (expr.type.is_numeric() || expr.type.id == TypeId::boolean) return value;
  return "'" + value + "'::" + expr.type.to_string();
}

}  // namespace

std::string expr_to_string(const Expr& e, const Schema& input) {
  auto child = [&](size_t i) { return expr_to_string(*e.children[i], input); };
  auto list = [&](size_t from) {
    std::string out;
    for (size_t i = from; i < e.children.size(); ++i) out += (i > from ? ", " : "") + child(i);
    return out;
  };
  std::string is_not = e.negated ? " NOT" : "";
  switch (e.kind) {
    case ExprKind::column: return input.field(e.column).name;
    case ExprKind::constant: return constant_to_string(e);
    case ExprKind::negate: return "(-" + child(0) + ")";
    case ExprKind::arithmetic: return "(" + child(0) + " " + arith_name(e.arith) + " " + child(1) + ")";
    case ExprKind::compare: return "(" + child(0) + " " + compare_name(e.compare) + " " + child(1) + ")";
    case ExprKind::logical_and: return "(" + child(0) + " AND " + child(1) + ")";
    case ExprKind::logical_or: return "(" + child(0) + " OR " + child(1) + ")";
    case ExprKind::logical_not: return "(NOT " + child(0) + ")";
    case ExprKind::is_null: return "(" + child(0) + " IS" + is_not + " NULL)";
    case ExprKind::in_list: return "(" + child(0) + is_not + " IN (" + list(1) + "))";
    case ExprKind::between:
      return "(" + child(0) + is_not + " BETWEEN " + child(1) + " AND " + child(2) + ")";
    case ExprKind::like: return "(" + child(0) + is_not + " LIKE " + child(1) + ")";
    case ExprKind::case_when: {
      std::string out = "CASE";
      size_t pairs = (e.children.size() - (e.has_else ? 1 : 0)) / 2;
      for (size_t p = 0; p < pairs; ++p) out += " WHEN " + child(2 * p) + " THEN " + child(2 * p + 1);
      if (e.has_else) out += " ELSE " + child(e.children.size() - 1);
      return out + " END";
    }
    case ExprKind::cast: return "CAST(" + child(0) + " AS " + e.type.to_string() + ")";
    case ExprKind::call: return e.function->name + "(" + list(0) + ")";
    case ExprKind::concat_op: return "(" + child(0) + " || " + child(1) + ")";
  }
  return "?";
}

}  // namespace sql

std::string format_sql_error(std::string_view query, const SqlError& error) {
  size_t offset = std::min(error.offset, query.size());
  size_t line_start = query.rfind('\n', offset == 0 ? 0 : offset - 1);
  line_start = line_start == std::string_view::npos || line_start >= offset ? 0 : line_start + 1;
  if (offset > 0 && query[offset - 1] == '\n') line_start = offset;
  size_t line_end = query.find('\n', offset);
  if (line_end == std::string_view::npos) line_end = query.size();
  size_t line = 1 + static_cast<size_t>(std::count(query.begin(), query.begin() + line_start, '\n'));
  size_t column = offset - line_start + 1;
  std::string out = std::to_string(line) + ":" + std::to_string(column) + ": error: " + error.message + "\n";
  out += std::string(query.substr(line_start, line_end - line_start)) + "\n";
  out += std::string(column - 1, ' ') + "^\n";
  return out;
}

CompiledQuery::CompiledQuery(std::shared_ptr<const sql::Plan> plan) : plan_(std::move(plan)) {}

const Schema& CompiledQuery::output_schema() const { return *plan_->output; }
std::shared_ptr<const Schema> CompiledQuery::output_schema_ptr() const { return plan_->output; }

std::string CompiledQuery::to_string() const {
  std::string out = "SELECT ";
  for (size_t i = 0; i < plan_->projections.size(); ++i) {
    const Field& field = plan_->output->field(i);
    if (i) out += ", ";
    out += sql::expr_to_string(*plan_->projections[i], plan_->input) + " AS " + field.name + ":" +
           field.type.to_string();
  }
  out += " FROM input";
  if (plan_->where) out += " WHERE " + sql::expr_to_string(*plan_->where, plan_->input);
  return out;
}

Result<Batch> CompiledQuery::evaluate(const Batch& input) const {
  const sql::Plan& plan = *plan_;
  if (input.columns.size() != plan.input.size()) {
    return Status::invalid("sql: batch has " + std::to_string(input.columns.size()) +
                           " columns, the query expects " + std::to_string(plan.input.size()));
  }
  for (size_t i = 0; i < input.columns.size(); ++i) {
    if (input.columns[i].type() != plan.input.field(i).type || input.columns[i].size() != input.num_rows) {
      return Status::invalid("sql: column '" + plan.input.field(i).name +
                             "' does not match the compiled schema");
    }
  }
  const size_t n = input.num_rows;
  std::vector<uint32_t> selection;
  bool filtered = false;
  if (plan.where) {
    RBC_ASSIGN_OR_RETURN(sql::Vec keep, sql::evaluate(*plan.where, sql::EvalContext{&input, nullptr, n}));
    selection.reserve(n);
    // WHERE keeps only TRUE rows; NULL slots hold false (see compare()/logical()).
    if (keep.constant) {
      if (keep.is_valid(0) && keep.bools[0]) {
        for (size_t i = 0; i < n; ++i) selection.push_back(static_cast<uint32_t>(i));
      }
    } else {
      const uint8_t* b = keep.bools.data();
      const uint8_t* v = keep.valid.empty() ? nullptr : keep.valid.data();
      for (size_t i = 0; i < n; ++i) {
        if (b[i] && (!v || v[i])) selection.push_back(static_cast<uint32_t>(i));
      }
    }
    filtered = selection.size() != n;
  }
  const size_t count = filtered ? selection.size() : n;
  sql::EvalContext context{&input, filtered ? selection.data() : nullptr, count};

  Batch out;
  out.schema = plan.output;
  out.num_rows = count;
  out.columns.reserve(plan.projections.size());
  for (size_t i = 0; i < plan.projections.size(); ++i) {
    const sql::Expr& expr = *plan.projections[i];
    if (expr.kind == sql::ExprKind::column) {
      const Column& source = input.columns[expr.column];
      if (!filtered) {
        out.columns.push_back(source);
        continue;
      }
      Column column(source.type());
      column.reserve(count, source.type().is_variable_width() ? source.data().size() : 0);
      for (uint32_t row : selection) column.append_from(source, row);
      out.columns.push_back(std::move(column));
      continue;
    }
    RBC_ASSIGN_OR_RETURN(sql::Vec value, sql::evaluate(expr, context));
    out.columns.push_back(sql::to_column(value, plan.output->field(i).type, count));
  }
  return out;
}

std::optional<SqlError> check_sql_syntax(std::string_view query) {
  auto parsed = sql::parse_query(query);
  if (auto* error = std::get_if<SqlError>(&parsed)) return *error;
  return std::nullopt;
}

SqlCompileResult compile_sql(std::string_view query, const Schema& input) {
  auto parsed = sql::parse_query(query);
  if (auto* error = std::get_if<SqlError>(&parsed)) return std::vector<SqlError>{*error};
  std::vector<SqlError> errors;
  sql::BoundQuery bound = sql::bind_query(query, std::get<sql::ParsedQuery>(parsed), input, errors);
  if (!errors.empty()) {
    std::stable_sort(errors.begin(), errors.end(),
                     [](const SqlError& a, const SqlError& b) { return a.offset < b.offset; });
    return errors;
  }
  auto plan = std::make_shared<sql::Plan>();
  plan->input = input;
  Schema output;
  for (size_t i = 0; i < bound.projections.size(); ++i) {
    output.add(Field{bound.names[i], bound.projections[i]->type, bound.projections[i]->nullable});
  }
  plan->output = std::make_shared<const Schema>(std::move(output));
  plan->projections = std::move(bound.projections);
  plan->where = std::move(bound.where);
  return CompiledQuery(std::move(plan));
}

}  // namespace rbc
