// Bound expressions: the binder's output and the evaluator's input. Names are
// resolved to column indexes, every node has its type, implicit conversions are
// explicit `cast` nodes, and each node keeps its source offset and text so runtime
// errors can name the expression.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "expr/vector.h"
#include "graph/batch.h"
#include "graph/status.h"

namespace rbc::sql {

struct ScalarFunction;
struct Prepared;

enum class ExprKind {
  column,
  constant,
  negate,
  arithmetic,
  compare,
  logical_and,
  logical_or,
  logical_not,
  is_null,
  in_list,
  between,
  like,
  case_when,
  cast,
  call,       // a scalar function of the table (expr/functions.h)
  concat_op,  // ||: NULL if either side is NULL
};

enum class ArithOp { add, subtract, multiply, divide, modulo };
enum class CompareOp { equal, not_equal, less, less_equal, greater, greater_equal };

struct Expr {
  ExprKind kind = ExprKind::constant;
  DataType type;
  bool nullable = true;
  size_t offset = 0;  // into the query text
  std::string text;   // the expression as written, for runtime errors
  std::vector<std::shared_ptr<const Expr>> children;

  int column = -1;  // column
  Vec value;        // constant
  ArithOp arith = ArithOp::add;
  CompareOp compare = CompareOp::equal;
  bool negated = false;         // is_null (IS NOT NULL), in_list, between, like
  bool has_else = false;        // case_when: children are cond, result pairs, then else
  bool untyped_string = false;  // a 'string' literal not yet given a type
  bool null_literal = false;
  // call: its entry in the function table; children are the arguments.
  const ScalarFunction* function = nullptr;
  // call: what its bind hook prepared once (a constant regular expression, compiled).
  std::shared_ptr<const Prepared> prepared;
};

using ExprPtr = std::shared_ptr<const Expr>;

struct EvalContext {
  const Batch* input = nullptr;
  const uint32_t* selection = nullptr;  // input rows to evaluate; nullptr = rows [0, count)
  size_t count = 0;
};

// Evaluates `expr` over the rows of `context`; the result has `count` values or is constant.
Result<Vec> evaluate(const Expr& expr, const EvalContext& context);

// Converts an evaluated vector (of `count` rows) to a Column of `type`.
Column to_column(const Vec& vec, const DataType& type, size_t count);

// Casts `vec` to `to`; `expr` names the expression for errors.
Result<Vec> cast_vec(const Vec& vec, const DataType& to, const Expr& expr);

// SQL text of a bound expression, for CompiledQuery::to_string().
std::string expr_to_string(const Expr& expr, const Schema& input);

}  // namespace rbc::sql
