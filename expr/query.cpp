// compile_sql and CompiledQuery: parse, bind, then evaluate WHERE into a selection
// vector and project only the selected rows (aggregations: aggregation.cpp).
#include "expr/query.h"

#include <pthread.h>

#include <algorithm>
#include <exception>
#include <optional>

#include "expr/binder.h"
#include "expr/expr.h"
#include "expr/functions.h"
#include "expr/parser.h"
#include "expr/plan.h"

namespace rbc {

namespace sql {

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
    case ExprKind::logical_and:
    case ExprKind::logical_or: {
      std::string out = "(" + child(0);
      for (size_t i = 1; i < e.children.size(); ++i)
        out += (e.kind == ExprKind::logical_and ? " AND " : " OR ") + child(i);
      return out + ")";
    }
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

const Schema& CompiledQuery::output_schema() const { return *plan_->select.output; }
std::shared_ptr<const Schema> CompiledQuery::output_schema_ptr() const { return plan_->select.output; }
const QueryShape& CompiledQuery::shape() const { return plan_->shape; }
bool CompiledQuery::is_stateless() const { return !plan_->shape.aggregate && !plan_->shape.limit; }

std::string CompiledQuery::to_string() const {
  const sql::Plan& plan = *plan_;
  std::string out = "SELECT ";
  for (size_t i = 0; i < plan.select.items.size(); ++i) {
    const Field& field = plan.select.output->field(i);
    if (i) out += ", ";
    out += sql::expr_to_string(*plan.select.items[i], plan.select.input) + " AS " + field.name + ":" +
           field.type.to_string();
  }
  out += " FROM input";
  if (plan.where) out += " WHERE " + sql::expr_to_string(*plan.where, plan.input);
  if (plan.shape.aggregate) {
    for (size_t k = 0; k < plan.keys.size(); ++k)
      out += (k ? ", " : " GROUP BY ") + sql::expr_to_string(*plan.keys[k], plan.input);
    if (plan.window) out += " WINDOW " + plan.shape.window;
    if (plan.select.where) out += " HAVING " + sql::expr_to_string(*plan.select.where, plan.select.input);
    out += plan.emit == sql::EmitMode::changes ? " EMIT CHANGES" : " EMIT FINAL";
  }
  if (plan.shape.limit) out += " LIMIT " + std::to_string(*plan.shape.limit);
  return out;
}

namespace sql {

Result<std::vector<uint32_t>> select_rows(const ExprPtr& where, const Batch& input, bool& all) {
  const size_t n = input.num_rows;
  std::vector<uint32_t> selection;
  all = true;
  if (!where) return selection;
  RBC_ASSIGN_OR_RETURN(Vec keep, evaluate(*where, EvalContext{&input, nullptr, n}));
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
  all = selection.size() == n;
  return selection;
}

Result<Batch> project(const Projection& projection, const Batch& input) {
  bool all = true;
  RBC_ASSIGN_OR_RETURN(std::vector<uint32_t> selection, select_rows(projection.where, input, all));
  const bool filtered = !all;
  const size_t count = filtered ? selection.size() : input.num_rows;
  EvalContext context{&input, filtered ? selection.data() : nullptr, count};

  Batch out;
  out.schema = projection.output;
  out.num_rows = count;
  out.columns.reserve(projection.items.size());
  for (size_t i = 0; i < projection.items.size(); ++i) {
    const Expr& expr = *projection.items[i];
    if (expr.kind == ExprKind::column) {
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
    RBC_ASSIGN_OR_RETURN(Vec value, evaluate(expr, context));
    out.columns.push_back(to_column(value, projection.output->field(i).type, count));
  }
  return out;
}

Batch RowLimit::cut(Batch rows) {
  if (limit_) {
    uint64_t left = *limit_ - std::min(emitted_, *limit_);
    if (rows.num_rows > left) {
      for (auto& column : rows.columns) column.truncate(left);
      rows.num_rows = left;
    }
  }
  emitted_ += rows.num_rows;
  return rows;
}

void append_rows(Batch& into, const Batch& from) {
  for (size_t c = 0; c < into.columns.size(); ++c) {
    for (size_t row = 0; row < from.num_rows; ++row) into.columns[c].append_from(from.columns[c], row);
  }
  into.num_rows += from.num_rows;
}

namespace {

// A plain query with a LIMIT: its rows, until the LIMIT's count is reached.
class LimitState final : public QueryState {
 public:
  explicit LimitState(std::shared_ptr<const Plan> plan)
      : plan_(std::move(plan)), limit_(plan_->shape.limit) {}
  Result<Batch> add(const Batch& input, const BatchProgress& /*progress*/) override {
    if (limit_.reached()) return Batch::empty(plan_->select.output);
    RBC_ASSIGN_OR_RETURN(Batch rows, project(plan_->select, input));
    return limit_.cut(std::move(rows));
  }
  Status merge(QueryState&) override { return Status::internal("a LIMIT counts in one lane"); }
  Result<std::vector<Batch>> finish() override { return std::vector<Batch>{}; }
  size_t groups() const override { return 0; }
  size_t state_bytes() const override { return 0; }

 private:
  std::shared_ptr<const Plan> plan_;
  RowLimit limit_;
};

}  // namespace
}  // namespace sql

std::unique_ptr<QueryState> CompiledQuery::start(const WatermarkStep& watermark, MergePart part) const {
  if (plan_->shape.aggregate) return sql::start_aggregation(plan_, watermark, part);
  return std::make_unique<sql::LimitState>(plan_);
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
  if (!is_stateless()) return Status::internal("sql: a query that keeps state runs through start()");
  return sql::project(plan.select, input);
}

namespace {

// Parsing and binding recurse once per level of nesting, several kilobytes a level (more
// under the sanitizers), and the caller may be a oneTBB worker with a 4 MiB stack: they
// run on a thread of their own whose stack holds max_expression_depth levels with room
// to spare. Only the pages touched are ever committed.
constexpr size_t kCompileStackBytes = size_t{64} << 20;

template <typename Work>
auto on_large_stack(Work&& work) -> decltype(work()) {
  using Value = decltype(work());
  struct Call {
    Work* work;
    std::optional<Value> value;
    std::exception_ptr failure;
  } call{&work, std::nullopt, nullptr};
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, kCompileStackBytes);
  pthread_t thread;
  auto run = [](void* argument) -> void* {
    auto* c = static_cast<Call*>(argument);
    try {
      c->value.emplace((*c->work)());
    } catch (...) {
      c->failure = std::current_exception();
    }
    return nullptr;
  };
  const bool started = pthread_create(&thread, &attributes, run, &call) == 0;
  pthread_attr_destroy(&attributes);
  if (!started) return work();  // no thread to be had: the caller's stack, as before
  pthread_join(thread, nullptr);
  if (call.failure) std::rethrow_exception(call.failure);
  return std::move(*call.value);
}

}  // namespace

std::optional<SqlError> check_sql_syntax(std::string_view query) {
  return on_large_stack([&]() -> std::optional<SqlError> {
    auto parsed = sql::parse_query(query);
    if (auto* error = std::get_if<SqlError>(&parsed)) return *error;
    return std::nullopt;
  });
}

namespace {

// What the parse alone tells: GROUP BY keys as written (an ordinal or a select alias is
// the item it names, unless that item aggregates: no GROUP BY key can, so the name is the
// input column's, as the binder finds), aggregates, EMIT, LIMIT.
QueryShape shape_of(std::string_view text, const sql::ParsedQuery& parsed) {
  namespace ast = sql::ast;
  const ast::Query& query = parsed.query;
  auto text_of = [&](const boost::spirit::x3::position_tagged& node) {
    size_t begin = parsed.positions->offset_of(node), end = parsed.positions->end_of(node);
    return std::string(text.substr(begin, end - begin));
  };
  QueryShape shape;
  shape.aggregate = !query.group_by.empty() || query.having.has_value();
  for (const auto& item : query.items)
    shape.aggregate = shape.aggregate || sql::contains_aggregate(item.value);
  shape.aggregate = shape.aggregate || query.window.has_value();
  if (query.window) {
    size_t begin = parsed.positions->offset_of(query.window->kind),
           end = parsed.positions->end_of(*query.window);
    shape.window = std::string(text.substr(begin, end - begin));  // without the WINDOW keyword
    shape.window_time = text_of(query.window->time);
  }
  shape.emit_changes = query.emit && query.emit->mode == ast::EmitMode::changes;
  if (query.limit) shape.limit = query.limit->count;
  shape.mergeable = sql::partial_states_merge(query);
  for (const ast::Chain& key : query.group_by) {
    std::string written = text_of(key);
    for (size_t i = 0; i < query.items.size(); ++i) {
      const auto& item = query.items[i];
      bool alias = item.alias && item.alias->name == written;
      const auto* node = sql::tagged_node(item.value);
      if (node && (alias || written == std::to_string(i + 1)) && !sql::contains_aggregate(item.value))
        written = text_of(*node);
    }
    shape.group_keys.push_back(written);
  }
  return shape;
}

}  // namespace

std::variant<QueryShape, SqlError> describe_query(std::string_view query) {
  return on_large_stack([&]() -> std::variant<QueryShape, SqlError> {
    auto parsed = sql::parse_query(query);
    if (auto* error = std::get_if<SqlError>(&parsed)) return *error;
    return shape_of(query, std::get<sql::ParsedQuery>(parsed));
  });
}

namespace {

SqlCompileResult compile_here(std::string_view query, const Schema& input) {
  auto parsed = sql::parse_query(query);
  if (auto* error = std::get_if<SqlError>(&parsed)) return std::vector<SqlError>{*error};
  std::vector<SqlError> errors;
  const auto& tree = std::get<sql::ParsedQuery>(parsed);
  sql::BoundQuery bound = sql::bind_query(query, tree, input, errors);
  if (!errors.empty()) {
    std::stable_sort(errors.begin(), errors.end(),
                     [](const SqlError& a, const SqlError& b) { return a.offset < b.offset; });
    return errors;
  }
  auto plan = std::make_shared<sql::Plan>();
  plan->input = input;
  plan->shape = shape_of(query, tree);
  plan->shape.group_keys = bound.key_texts;
  plan->where = std::move(bound.where);
  plan->emit = bound.emit;
  if (bound.aggregate) {
    // The groups: a column per key, then one per aggregate, named as they print.
    Schema groups;
    for (const auto& key : bound.keys)
      groups.add(Field{sql::expr_to_string(*key, input), key->type, key->nullable});
    if (bound.window) {
      groups.add(Field{"window_start", bound.window->column_type, false});
      groups.add(Field{"window_end", bound.window->column_type, false});
    }
    for (const auto& call : bound.aggregates) {
      std::string name = call.function->name + "(" + (call.distinct ? "DISTINCT " : "");
      for (size_t i = 0; i < call.args.size(); ++i)
        name += (i ? ", " : "") + sql::expr_to_string(*call.args[i], input);
      groups.add(Field{name + (call.args.empty() ? "*)" : ")"), call.type, !call.function->never_null});
    }
    plan->select.input = std::move(groups);
    plan->select.where = std::move(bound.having);
    plan->keys = std::move(bound.keys);
    plan->aggregates = std::move(bound.aggregates);
    plan->window = std::move(bound.window);
  } else {
    plan->select.input = input;
    plan->select.where = plan->where;
  }
  Schema output;
  for (size_t i = 0; i < bound.projections.size(); ++i) {
    output.add(Field{bound.names[i], bound.projections[i]->type, bound.projections[i]->nullable});
  }
  plan->select.output = std::make_shared<const Schema>(std::move(output));
  plan->select.items = std::move(bound.projections);
  return CompiledQuery(std::move(plan));
}

}  // namespace

SqlCompileResult compile_sql(std::string_view query, const Schema& input) {
  return on_large_stack([&] { return compile_here(query, input); });
}

}  // namespace rbc
