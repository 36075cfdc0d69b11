// Column-at-a-time evaluation of bound expressions. Each node turns whole input
// vectors into a whole output vector with one tight loop per (kind, physical type);
// constants stay single values and are broadcast inside the loops. CASE evaluates
// each branch only on the rows that reach it, so `CASE WHEN b <> 0 THEN a / b END`
// never divides by zero.
// One file (CAST is cast.cpp): evaluate() is one switch over expression kinds, and the
// loop shapes and kernels it dispatches to are internal to it.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "expr/expr.h"
#include "expr/functions.h"
#include "expr/kernel.h"
#include "expr/like.h"
#include "expr/pow10.h"
#include "graph/value_format.h"

namespace rbc::sql {

namespace {

// ---- loading input columns ---------------------------------------------------

template <typename Source, typename Target>
void gather(const Column& column, Target* out, const EvalContext& context) {
  auto values = column.values<Source>();
  const size_t n = context.count;
  if (const uint32_t* sel = context.selection) {
    for (size_t k = 0; k < n; ++k) out[k] = static_cast<Target>(values[sel[k]]);
  } else {
    for (size_t k = 0; k < n; ++k) out[k] = static_cast<Target>(values[k]);
  }
}

Vec load_column(const Column& column, const EvalContext& context) {
  Vec out;
  out.type = column.type();
  out.allocate(context.count);
  const size_t n = context.count;
  switch (column.type().id) {
    case TypeId::boolean: gather<uint8_t>(column, out.bools.data(), context); break;
    case TypeId::int16: gather<int16_t>(column, out.ints.data(), context); break;
    case TypeId::int32:
    case TypeId::date: gather<int32_t>(column, out.ints.data(), context); break;
    case TypeId::int64:
    case TypeId::timestamp:
    case TypeId::timestamptz: gather<int64_t>(column, out.ints.data(), context); break;
    case TypeId::float32: gather<float>(column, out.floats.data(), context); break;
    case TypeId::float64: gather<double>(column, out.floats.data(), context); break;
    case TypeId::decimal: gather<__int128>(column, out.decimals.data(), context); break;
    case TypeId::text:
    case TypeId::bytes:
    case TypeId::json: {
      const uint32_t* offsets = column.offsets().data();
      const char* bytes = reinterpret_cast<const char*>(column.data().data());
      for (size_t k = 0; k < n; ++k) {
        size_t row = row_at(context, k);
        out.strings[k] = std::string_view(bytes + offsets[row], offsets[row + 1] - offsets[row]);
      }
      break;
    }
    case TypeId::uuid: {
      const char* bytes = reinterpret_cast<const char*>(column.data().data());
      for (size_t k = 0; k < n; ++k) out.strings[k] = std::string_view(bytes + row_at(context, k) * 16, 16);
      break;
    }
  }
  if (!column.validity().empty()) {
    out.valid.resize(n);
    for (size_t k = 0; k < n; ++k) out.valid[k] = column.is_null(row_at(context, k)) ? 0 : 1;
  }
  return out;
}

// ---- shared loop shapes --------------------------------------------------------

// out[i] = f(a[i], b[i]) with either side possibly a broadcast constant.
template <typename A, typename B, typename R, typename F>
void binary_loop(const A* a, bool a_constant, const B* b, bool b_constant, R* out, size_t n, F f) {
  if (!a_constant && !b_constant) {
    for (size_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
  } else if (a_constant && !b_constant) {
    const A x = a[0];
    for (size_t i = 0; i < n; ++i) out[i] = f(x, b[i]);
  } else if (!a_constant) {
    const B y = b[0];
    for (size_t i = 0; i < n; ++i) out[i] = f(a[i], y);
  } else {
    out[0] = f(a[0], b[0]);
  }
}

// The shape of a binary result: constant only when both inputs are.
Vec binary_result(const Vec& a, const Vec& b, DataType type, size_t n) {
  Vec out;
  out.type = type;
  out.constant = a.constant && b.constant;
  out.allocate(out.constant ? 1 : n);
  return out;
}

// NULL where either input is NULL.
void propagate_nulls(const Vec& a, const Vec& b, Vec& out) {
  if (a.all_valid() && b.all_valid()) return;
  const size_t m = out.size;
  out.valid.assign(m, 1);
  for (const Vec* in : {&a, &b}) {
    if (in->all_valid()) continue;
    if (in->constant) {
      if (!in->valid[0]) std::fill(out.valid.begin(), out.valid.end(), 0);
    } else {
      for (size_t i = 0; i < m; ++i) out.valid[i] &= in->valid[i];
    }
  }
}

// ---- arithmetic -------------------------------------------------------------

Status check_int_range(const Vec& out, const Expr& expr) {
  int64_t low, high;
  if (expr.type.id == TypeId::int16) {
    low = std::numeric_limits<int16_t>::min();
    high = std::numeric_limits<int16_t>::max();
  } else if (expr.type.id == TypeId::int32) {
    low = std::numeric_limits<int32_t>::min();
    high = std::numeric_limits<int32_t>::max();
  } else {
    return Status::ok();
  }
  for (size_t i = 0; i < out.size; ++i) {
    if (out.is_valid(i) && (out.ints[i] < low || out.ints[i] > high)) {
      return runtime_error(expr.type.to_string() + " out of range", expr);
    }
  }
  return Status::ok();
}

// Divisors are checked up front, on non-NULL rows only, so the loops stay branch-free.
template <typename T>
bool has_zero_divisor(const Vec& b, const std::vector<T>& values) {
  for (size_t i = 0; i < b.size; ++i) {
    if (values[i] == 0 && b.is_valid(i)) return true;
  }
  return false;
}

// add, subtract or multiply of integers (int64, or decimals' unscaled int128) with
// overflow detection; true when any row overflowed.
template <typename T>
bool checked_loop(ArithOp op, const Vec& a, const T* x, const Vec& b, const T* y, T* r, size_t m) {
  bool overflow = false;
  auto apply = [&](auto checked) {
    binary_loop(x, a.constant, y, b.constant, r, m, [&](T p, T q) {
      T s;
      overflow |= checked(p, q, &s);
      return s;
    });
  };
  if (op == ArithOp::add) apply([](T p, T q, T* s) { return __builtin_add_overflow(p, q, s); });
  if (op == ArithOp::subtract) apply([](T p, T q, T* s) { return __builtin_sub_overflow(p, q, s); });
  if (op == ArithOp::multiply) apply([](T p, T q, T* s) { return __builtin_mul_overflow(p, q, s); });
  return overflow;
}

Result<Vec> arithmetic(const Expr& expr, const Vec& a, const Vec& b, size_t n) {
  Vec out = binary_result(a, b, expr.type, n);
  propagate_nulls(a, b, out);
  const size_t m = out.size;
  bool overflow = false;
  switch (physical_of(expr.type)) {
    case Physical::int64: {
      const int64_t* x = a.ints.data();
      const int64_t* y = b.ints.data();
      int64_t* r = out.ints.data();
      switch (expr.arith) {
        case ArithOp::add:
        case ArithOp::subtract:
        case ArithOp::multiply: overflow = checked_loop(expr.arith, a, x, b, y, r, m); break;
        case ArithOp::divide:
        case ArithOp::modulo: {
          if (has_zero_divisor(b, b.ints)) return runtime_error("division by zero", expr);
          const bool divide = expr.arith == ArithOp::divide;
          binary_loop(x, a.constant, y, b.constant, r, m, [&](int64_t p, int64_t q) {
            if (q == 0) return int64_t{0};  // a NULL row
            if (q == -1) {                  // INT64_MIN / -1 overflows
              overflow |= divide && p == std::numeric_limits<int64_t>::min();
              return divide ? -p : int64_t{0};
            }
            return divide ? p / q : p % q;
          });
          break;
        }
      }
      if (overflow) return runtime_error(expr.type.to_string() + " out of range", expr);
      RBC_RETURN_NOT_OK(check_int_range(out, expr));
      return out;
    }
    case Physical::float64: {
      const double* x = a.floats.data();
      const double* y = b.floats.data();
      double* r = out.floats.data();
      switch (expr.arith) {
        case ArithOp::add: binary_loop(x, a.constant, y, b.constant, r, m, std::plus<>()); break;
        case ArithOp::subtract: binary_loop(x, a.constant, y, b.constant, r, m, std::minus<>()); break;
        case ArithOp::multiply: binary_loop(x, a.constant, y, b.constant, r, m, std::multiplies<>()); break;
        case ArithOp::divide:
          if (has_zero_divisor(b, b.floats)) return runtime_error("division by zero", expr);
          binary_loop(x, a.constant, y, b.constant, r, m, std::divides<>());
          break;
        case ArithOp::modulo:
          if (has_zero_divisor(b, b.floats)) return runtime_error("division by zero", expr);
          binary_loop(x, a.constant, y, b.constant, r, m, [](double p, double q) { return std::fmod(p, q); });
          break;
      }
      return out;
    }
    case Physical::decimal: {
      const __int128* x = a.decimals.data();
      const __int128* y = b.decimals.data();
      __int128* r = out.decimals.data();
      switch (expr.arith) {
        case ArithOp::add:
        case ArithOp::subtract:
        case ArithOp::multiply: overflow = checked_loop(expr.arith, a, x, b, y, r, m); break;
        case ArithOp::divide: {
          if (has_zero_divisor(b, b.decimals)) return runtime_error("division by zero", expr);
          const __int128 factor = pow10_i128(expr.type.scale - a.type.scale + b.type.scale);
          binary_loop(x, a.constant, y, b.constant, r, m, [&](__int128 p, __int128 q) {
            if (q == 0) return __int128{0};
            __int128 scaled;
            overflow |= __builtin_mul_overflow(p, factor, &scaled);
            return divide_rounded(scaled, q);
          });
          break;
        }
        case ArithOp::modulo:
          if (has_zero_divisor(b, b.decimals)) return runtime_error("division by zero", expr);
          binary_loop(x, a.constant, y, b.constant, r, m,
                      [](__int128 p, __int128 q) { return q == 0 ? __int128{0} : p % q; });
          break;
      }
      if (overflow) return runtime_error("numeric value out of range", expr);
      return out;
    }
    case Physical::boolean:
    case Physical::string: break;
  }
  return Status::internal("arithmetic on " + expr.type.to_string());
}

// ---- comparison and logic ----------------------------------------------------

template <typename T>
void compare_values(CompareOp op, const T* x, bool xc, const T* y, bool yc, uint8_t* r, size_t m) {
  switch (op) {
    case CompareOp::equal:
      binary_loop(x, xc, y, yc, r, m, [](const T& p, const T& q) { return uint8_t(p == q); });
      break;
    case CompareOp::not_equal:
      binary_loop(x, xc, y, yc, r, m, [](const T& p, const T& q) { return uint8_t(p != q); });
      break;
    case CompareOp::less:
      binary_loop(x, xc, y, yc, r, m, [](const T& p, const T& q) { return uint8_t(p < q); });
      break;
    case CompareOp::less_equal:
      binary_loop(x, xc, y, yc, r, m, [](const T& p, const T& q) { return uint8_t(p <= q); });
      break;
    case CompareOp::greater:
      binary_loop(x, xc, y, yc, r, m, [](const T& p, const T& q) { return uint8_t(p > q); });
      break;
    case CompareOp::greater_equal:
      binary_loop(x, xc, y, yc, r, m, [](const T& p, const T& q) { return uint8_t(p >= q); });
      break;
  }
}

// Operands have one common type (the binder inserted the casts).
Vec compare(CompareOp op, const Vec& a, const Vec& b, size_t n) {
  Vec out = binary_result(a, b, DataType{TypeId::boolean}, n);
  propagate_nulls(a, b, out);
  uint8_t* r = out.bools.data();
  switch (a.physical()) {
    case Physical::boolean:
      compare_values(op, a.bools.data(), a.constant, b.bools.data(), b.constant, r, out.size);
      break;
    case Physical::int64:
      compare_values(op, a.ints.data(), a.constant, b.ints.data(), b.constant, r, out.size);
      break;
    case Physical::float64:
      compare_values(op, a.floats.data(), a.constant, b.floats.data(), b.constant, r, out.size);
      break;
    case Physical::decimal:
      compare_values(op, a.decimals.data(), a.constant, b.decimals.data(), b.constant, r, out.size);
      break;
    case Physical::string:
      compare_values(op, a.strings.data(), a.constant, b.strings.data(), b.constant, r, out.size);
      break;
  }
  // Keep NULL slots false so that later logic never reads garbage.
  if (!out.valid.empty()) {
    for (size_t i = 0; i < out.size; ++i) r[i] &= out.valid[i];
  }
  return out;
}

// Three-valued AND / OR: a definite FALSE (AND) or TRUE (OR) wins over NULL.
Vec logical(bool is_and, const Vec& a, const Vec& b, size_t n) {
  Vec out = binary_result(a, b, DataType{TypeId::boolean}, n);
  const size_t m = out.size;
  uint8_t* r = out.bools.data();
  if (a.all_valid() && b.all_valid()) {
    if (is_and) {
      binary_loop(a.bools.data(), a.constant, b.bools.data(), b.constant, r, m,
                  [](uint8_t p, uint8_t q) { return uint8_t(p & q); });
    } else {
      binary_loop(a.bools.data(), a.constant, b.bools.data(), b.constant, r, m,
                  [](uint8_t p, uint8_t q) { return uint8_t(p | q); });
    }
    return out;
  }
  out.valid.assign(m, 1);
  const uint8_t decisive = is_and ? 0 : 1;
  for (size_t i = 0; i < m; ++i) {
    size_t ia = a.constant ? 0 : i, ib = b.constant ? 0 : i;
    bool va = a.is_valid(ia), vb = b.is_valid(ib);
    uint8_t x = a.bools[ia], y = b.bools[ib];
    if ((va && x == decisive) || (vb && y == decisive)) {
      r[i] = decisive;
    } else if (va && vb) {
      r[i] = static_cast<uint8_t>(1 - decisive);
    } else {
      r[i] = 0;
      out.valid[i] = 0;
    }
  }
  return out;
}

Vec logical_not(Vec in) {
  for (auto& b : in.bools) b ^= 1;
  if (!in.valid.empty()) {
    for (size_t i = 0; i < in.size; ++i) in.bools[i] &= in.valid[i];
  }
  return in;
}

Vec broadcast_bool(bool value, const Vec& shape_of, size_t n) {
  Vec out;
  out.type = DataType{TypeId::boolean};
  out.constant = shape_of.constant;
  out.allocate(out.constant ? 1 : n);
  std::fill(out.bools.begin(), out.bools.end(), value ? 1 : 0);
  return out;
}

// ---- helpers for n-ary nodes ---------------------------------------------------------

Result<Vec> evaluate_case(const Expr& expr, const EvalContext& context) {
  const size_t n = context.count;
  Vec out = make_vec(expr.type, n);
  out.valid.assign(n, 0);
  std::vector<uint32_t> rows(n), positions(n);
  for (size_t k = 0; k < n; ++k) {
    rows[k] = static_cast<uint32_t>(row_at(context, k));
    positions[k] = static_cast<uint32_t>(k);
  }
  const size_t pairs = (expr.children.size() - (expr.has_else ? 1 : 0)) / 2;
  for (size_t p = 0; p < pairs && !rows.empty(); ++p) {
    EvalContext here{context.input, rows.data(), rows.size()};
    RBC_ASSIGN_OR_RETURN(Vec condition, evaluate(*expr.children[2 * p], here));
    std::vector<uint32_t> taken_rows, taken_positions, rest_rows, rest_positions;
    for (size_t k = 0; k < rows.size(); ++k) {
      size_t c = condition.constant ? 0 : k;
      bool taken = condition.is_valid(c) && condition.bools[c];
      (taken ? taken_rows : rest_rows).push_back(rows[k]);
      (taken ? taken_positions : rest_positions).push_back(positions[k]);
    }
    if (!taken_rows.empty()) {
      EvalContext branch{context.input, taken_rows.data(), taken_rows.size()};
      RBC_ASSIGN_OR_RETURN(Vec result, evaluate(*expr.children[2 * p + 1], branch));
      scatter(result, taken_positions, out);
    }
    rows = std::move(rest_rows);
    positions = std::move(rest_positions);
  }
  if (expr.has_else && !rows.empty()) {
    EvalContext branch{context.input, rows.data(), rows.size()};
    RBC_ASSIGN_OR_RETURN(Vec result, evaluate(*expr.children.back(), branch));
    scatter(result, positions, out);
  }
  return out;
}

Result<Vec> evaluate_children(const Expr& expr, const EvalContext& context, std::vector<Vec>& values) {
  for (const auto& child : expr.children) {
    RBC_ASSIGN_OR_RETURN(Vec value, evaluate(*child, context));
    values.push_back(std::move(value));
  }
  return Vec{};
}

Result<Vec> evaluate_negate(const Expr& expr, Vec in) {
  switch (in.physical()) {
    case Physical::int64:
      for (auto& v : in.ints) {
        if (v == std::numeric_limits<int64_t>::min()) return runtime_error("integer out of range", expr);
        v = -v;
      }
      RBC_RETURN_NOT_OK(check_int_range(in, expr));
      return in;
    case Physical::float64:
      for (auto& v : in.floats) v = -v;
      return in;
    case Physical::decimal:
      for (auto& v : in.decimals) v = -v;
      return in;
    case Physical::boolean:
    case Physical::string: break;
  }
  return Status::internal("negation of " + in.type.to_string());
}

}  // namespace

// Copies `from` (one value per entry of `positions`, or a constant) into `to`.
void scatter(const Vec& from, const std::vector<uint32_t>& positions, Vec& to) {
  for (size_t k = 0; k < positions.size(); ++k) {
    size_t src = from.constant ? 0 : k;
    size_t dst = positions[k];
    to.valid[dst] = from.is_valid(src) ? 1 : 0;
    switch (to.physical()) {
      case Physical::boolean: to.bools[dst] = from.bools[src]; break;
      case Physical::int64: to.ints[dst] = from.ints[src]; break;
      case Physical::float64: to.floats[dst] = from.floats[src]; break;
      case Physical::decimal: to.decimals[dst] = from.decimals[src]; break;
      case Physical::string: to.strings[dst] = from.strings[src]; break;
    }
  }
  to.arenas.insert(to.arenas.end(), from.arenas.begin(), from.arenas.end());
}

Result<Vec> evaluate(const Expr& expr, const EvalContext& context) {
  const size_t n = context.count;
  switch (expr.kind) {
    case ExprKind::column: return load_column(context.input->columns[expr.column], context);
    case ExprKind::constant: return expr.value;
    case ExprKind::negate: {
      RBC_ASSIGN_OR_RETURN(Vec in, evaluate(*expr.children[0], context));
      return evaluate_negate(expr, std::move(in));
    }
    case ExprKind::arithmetic: {
      RBC_ASSIGN_OR_RETURN(Vec a, evaluate(*expr.children[0], context));
      RBC_ASSIGN_OR_RETURN(Vec b, evaluate(*expr.children[1], context));
      return arithmetic(expr, a, b, n);
    }
    case ExprKind::compare: {
      RBC_ASSIGN_OR_RETURN(Vec a, evaluate(*expr.children[0], context));
      RBC_ASSIGN_OR_RETURN(Vec b, evaluate(*expr.children[1], context));
      return compare(expr.compare, a, b, n);
    }
    case ExprKind::logical_and:
    case ExprKind::logical_or: {
      // A chain `a AND b AND c` is one node with every term as a child, folded left.
      RBC_ASSIGN_OR_RETURN(Vec result, evaluate(*expr.children[0], context));
      for (size_t i = 1; i < expr.children.size(); ++i) {
        RBC_ASSIGN_OR_RETURN(Vec term, evaluate(*expr.children[i], context));
        result = logical(expr.kind == ExprKind::logical_and, result, term, n);
      }
      return result;
    }
    case ExprKind::logical_not: {
      RBC_ASSIGN_OR_RETURN(Vec in, evaluate(*expr.children[0], context));
      return logical_not(std::move(in));
    }
    case ExprKind::is_null: {
      RBC_ASSIGN_OR_RETURN(Vec in, evaluate(*expr.children[0], context));
      Vec out = broadcast_bool(false, in, n);
      for (size_t i = 0; i < out.size; ++i)
        out.bools[i] = static_cast<uint8_t>(in.is_valid(i) == expr.negated);
      return out;
    }
    case ExprKind::in_list: {
      RBC_ASSIGN_OR_RETURN(Vec subject, evaluate(*expr.children[0], context));
      std::optional<Vec> any;
      for (size_t i = 1; i < expr.children.size(); ++i) {
        RBC_ASSIGN_OR_RETURN(Vec item, evaluate(*expr.children[i], context));
        Vec equal = compare(CompareOp::equal, subject, item, n);
        any = any ? logical(false, *any, equal, n) : std::move(equal);
      }
      return expr.negated ? logical_not(std::move(*any)) : std::move(*any);
    }
    case ExprKind::between: {
      RBC_ASSIGN_OR_RETURN(Vec subject, evaluate(*expr.children[0], context));
      RBC_ASSIGN_OR_RETURN(Vec low, evaluate(*expr.children[1], context));
      RBC_ASSIGN_OR_RETURN(Vec high, evaluate(*expr.children[2], context));
      Vec inside = logical(true, compare(CompareOp::greater_equal, subject, low, n),
                           compare(CompareOp::less_equal, subject, high, n), n);
      return expr.negated ? logical_not(std::move(inside)) : inside;
    }
    case ExprKind::like: {
      RBC_ASSIGN_OR_RETURN(Vec text, evaluate(*expr.children[0], context));
      RBC_ASSIGN_OR_RETURN(Vec pattern, evaluate(*expr.children[1], context));
      Vec out = binary_result(text, pattern, expr.type, n);
      propagate_nulls(text, pattern, out);
      const uint8_t flip = expr.negated ? 1 : 0;
      if (pattern.constant) {
        LikeMatcher matcher(pattern.strings[0]);
        for (size_t i = 0; i < out.size; ++i)
          out.bools[i] = static_cast<uint8_t>(matcher.matches(text.strings[i]) ^ flip);
      } else {
        for (size_t i = 0; i < out.size; ++i) {
          std::string_view s = text.strings[text.constant ? 0 : i];
          out.bools[i] = static_cast<uint8_t>(like_match(s, pattern.strings[i]) ^ flip);
        }
      }
      if (!out.valid.empty()) {
        for (size_t i = 0; i < out.size; ++i) out.bools[i] &= out.valid[i];
      }
      return out;
    }
    case ExprKind::case_when: return evaluate_case(expr, context);
    case ExprKind::cast: {
      RBC_ASSIGN_OR_RETURN(Vec in, evaluate(*expr.children[0], context));
      return cast_vec(in, expr.type, expr);
    }
    case ExprKind::call: {
      // The function table's kernel (expr/functions.cpp).
      const ScalarFunction& function = *expr.function;
      if (function.lazy_kernel) return function.lazy_kernel(expr, context);
      std::vector<Vec> args;
      RBC_RETURN_NOT_OK(evaluate_children(expr, context, args).status());
      return function.kernel(expr, args, n);
    }
    case ExprKind::concat_op: {
      std::vector<Vec> args;
      RBC_RETURN_NOT_OK(evaluate_children(expr, context, args).status());
      return concat_strings(expr, args, n, /*strict=*/true);
    }
  }
  return Status::internal("unknown expression kind");
}

// ---- output ------------------------------------------------------------------------

Column to_column(const Vec& vec, const DataType& type, size_t count) {
  Column column(type);
  size_t bytes = 0;
  if (type.is_variable_width()) {
    for (size_t i = 0; i < vec.size; ++i) bytes += vec.strings[i].size();
    if (vec.constant) bytes *= count;
  }
  column.reserve(count, bytes);
  auto emit = [&](auto&& append_value) {
    if (vec.all_valid()) {
      for (size_t i = 0; i < count; ++i) append_value(vec.constant ? 0 : i);
    } else {
      for (size_t i = 0; i < count; ++i) {
        size_t j = vec.constant ? 0 : i;
        if (vec.valid[j]) {
          append_value(j);
        } else {
          column.append_null();
        }
      }
    }
  };
  switch (type.id) {
    case TypeId::boolean: emit([&](size_t j) { column.append<uint8_t>(vec.bools[j]); }); break;
    case TypeId::int16:
      emit([&](size_t j) { column.append<int16_t>(static_cast<int16_t>(vec.ints[j])); });
      break;
    case TypeId::int32:
    case TypeId::date:
      emit([&](size_t j) { column.append<int32_t>(static_cast<int32_t>(vec.ints[j])); });
      break;
    case TypeId::int64:
    case TypeId::timestamp:
    case TypeId::timestamptz: emit([&](size_t j) { column.append<int64_t>(vec.ints[j]); }); break;
    case TypeId::float32:
      emit([&](size_t j) { column.append<float>(static_cast<float>(vec.floats[j])); });
      break;
    case TypeId::float64: emit([&](size_t j) { column.append<double>(vec.floats[j]); }); break;
    case TypeId::decimal: emit([&](size_t j) { column.append<__int128>(vec.decimals[j]); }); break;
    case TypeId::uuid: emit([&](size_t j) { column.append_bytes(vec.strings[j].data(), 16); }); break;
    case TypeId::text:
    case TypeId::bytes:
    case TypeId::json: emit([&](size_t j) { column.append_string(vec.strings[j]); }); break;
  }
  return column;
}

}  // namespace rbc::sql
