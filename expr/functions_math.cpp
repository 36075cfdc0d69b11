// Kernels of the numeric functions (the table is in functions.cpp), with PostgreSQL's
// result types and errors: FLOOR, CEIL and SIGN keep a numeric a numeric and give
// float8 otherwise; SQRT, LN, EXP and POWER compute in float8.
#include <cmath>
#include <limits>

#include "expr/function_kernels.h"
#include "expr/pow10.h"

namespace rbc::sql {

namespace {

// A float8 kernel over one or two arguments: `f(x, y, error)` sets `error` to stop.
template <typename F>
Result<Vec> float_rows(const Expr& call, std::vector<Vec>& args, size_t n, F f) {
  Vec out = strict_result(call, args, n);
  for (size_t i = 0; i < out.size; ++i) {
    if (!out.is_valid(i)) continue;
    const char* error = nullptr;
    double x = args[0].floats[at(args[0], i)];
    double y = args.size() > 1 ? args[1].floats[at(args[1], i)] : 0.0;
    out.floats[i] = f(x, y, error);
    if (error) return runtime_error(error, call);
  }
  return out;
}

constexpr const char* overflow = "value out of range: overflow";
constexpr const char* underflow = "value out of range: underflow";

// FLOOR (direction -1), CEIL (+1) of a decimal at `scale`, as an integer.
__int128 round_to_integer(__int128 v, uint8_t scale, int direction) {
  const __int128 unit = pow10_i128(scale);
  __int128 q = v / unit, r = v % unit;
  if (r != 0 && (r > 0) == (direction > 0)) q += direction;
  return q;
}

Result<Vec> rounding_kernel(const Expr& call, std::vector<Vec>& args, size_t n, int direction) {
  Vec out = strict_result(call, args, n);
  const Vec& in = args[0];
  for (size_t i = 0; i < out.size; ++i) {
    if (in.physical() == Physical::decimal) {
      out.decimals[i] = round_to_integer(in.decimals[at(in, i)], in.type.scale, direction);
    } else {
      double x = in.floats[at(in, i)];
      out.floats[i] = direction < 0 ? std::floor(x) : std::ceil(x);
    }
  }
  return out;
}

template <typename T>
bool greater(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, double>) {
    return std::isnan(a) ? !std::isnan(b) : (!std::isnan(b) && a > b);  // NaN above all, as PostgreSQL
  } else {
    return a > b;
  }
}

// GREATEST (want_greater) or LEAST: NULL arguments are skipped; NULL when all are.
template <typename T>
void pick(const std::vector<Vec>& args, std::vector<T> Vec::*values, Vec& out, bool want_greater) {
  for (size_t i = 0; i < out.size; ++i) {
    bool found = false;
    T best{};
    for (const Vec& arg : args) {
      size_t j = at(arg, i);
      if (!arg.is_valid(j)) continue;
      const T& v = (arg.*values)[j];
      if (!found || (want_greater ? greater(v, best) : greater(best, v))) best = v;
      found = true;
    }
    out.valid[i] = found ? 1 : 0;
    (out.*values)[i] = best;
  }
}

Result<Vec> extreme_kernel(const Expr& call, std::vector<Vec>& args, size_t n, bool want_greater) {
  const bool constant = all_constant(args);
  Vec out = make_vec(call.type, constant ? 1 : n);
  out.constant = constant;
  out.valid.assign(out.size, 0);
  switch (out.physical()) {
    case Physical::boolean: pick(args, &Vec::bools, out, want_greater); break;
    case Physical::int64: pick(args, &Vec::ints, out, want_greater); break;
    case Physical::float64: pick(args, &Vec::floats, out, want_greater); break;
    case Physical::decimal: pick(args, &Vec::decimals, out, want_greater); break;
    case Physical::string:
      pick(args, &Vec::strings, out, want_greater);
      for (const Vec& arg : args) out.arenas.insert(out.arenas.end(), arg.arenas.begin(), arg.arenas.end());
      break;
  }
  return out;
}

}  // namespace

Result<Vec> abs_kernel(const Expr& expr, std::vector<Vec>& args, size_t /*rows*/) {
  Vec in = std::move(args[0]);
  switch (in.physical()) {
    case Physical::int64:
      for (size_t i = 0; i < in.size; ++i) {
        int64_t& v = in.ints[i];
        if (v == std::numeric_limits<int64_t>::min() && in.is_valid(i))
          return runtime_error("integer out of range", expr);
        v = v < 0 ? -v : v;
      }
      return in;
    case Physical::float64:
      for (auto& v : in.floats) v = std::fabs(v);
      return in;
    case Physical::decimal:
      for (auto& v : in.decimals) v = v < 0 ? -v : v;
      return in;
    case Physical::boolean:
    case Physical::string: break;
  }
  return Status::internal("ABS of " + in.type.to_string());
}

Result<Vec> round_kernel(const Expr& expr, std::vector<Vec>& args, size_t /*rows*/) {
  const bool has_digits = args.size() == 2;  // a constant integer (bind_round)
  const int digits = has_digits ? static_cast<int>(args[1].ints[0]) : 0;
  Vec in = std::move(args[0]);
  switch (in.physical()) {
    case Physical::int64: return in;
    case Physical::float64: {
      if (!has_digits) {
        for (auto& v : in.floats) v = std::nearbyint(v);  // PostgreSQL rounds float8 half-to-even
      } else {
        double factor = std::pow(10.0, digits);
        for (auto& v : in.floats) v = std::round(v * factor) / factor;
      }
      return in;
    }
    case Physical::decimal: {
      const int scale = in.type.scale;
      Vec out = in;
      out.type = expr.type;
      for (auto& v : out.decimals) {
        if (digits >= scale) {
          v *= pow10_i128(digits - scale);
        } else {
          v = divide_rounded(v, pow10_i128(scale - std::max(digits, -38)));
          if (digits < 0) v *= pow10_i128(-digits);
        }
      }
      return out;
    }
    case Physical::boolean:
    case Physical::string: break;
  }
  return Status::internal("ROUND of " + in.type.to_string());
}

// ROUND(x, digits): digits is a constant integer in [-38, 38]; an integer x is rounded
// as a decimal; a decimal result has max(digits, 0) fractional digits.
bool bind_round(Call& call, CallBinder& binder) {
  int digits = 0;
  if (call.args.size() == 2) {
    const Expr& d = *call.args[1];
    if (d.kind != ExprKind::constant || !d.type.is_integer() || !d.value.is_valid(0) ||
        d.value.ints[0] < -38 || d.value.ints[0] > 38) {
      binder.error(d.offset, "ROUND digits must be a constant integer between -38 and 38");
      return false;
    }
    digits = static_cast<int>(d.value.ints[0]);
    // Rounding an integer to digits works on its decimal form.
    if (call.args[0]->type.is_integer()) {
      call.args[0] = binder.coerce(call.args[0], DataType{TypeId::decimal, 0, 0});
      if (!call.args[0]) return false;
    }
  }
  call.type = call.args[0]->type;
  if (call.type.id == TypeId::decimal) {
    call.type = DataType{TypeId::decimal, 0, static_cast<uint8_t>(std::max(digits, 0))};
  }
  return true;
}

Result<Vec> floor_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return rounding_kernel(call, args, n, -1);
}
Result<Vec> ceil_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return rounding_kernel(call, args, n, +1);
}

Result<Vec> sign_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  Vec out = strict_result(call, args, n);
  const Vec& in = args[0];
  for (size_t i = 0; i < out.size; ++i) {
    if (in.physical() == Physical::decimal) {
      __int128 v = in.decimals[at(in, i)];
      out.decimals[i] = v > 0 ? 1 : v < 0 ? -1 : 0;
    } else {
      double x = in.floats[at(in, i)];
      out.floats[i] = x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
    }
  }
  return out;
}

bool bind_float_or_decimal(Call& call, CallBinder& binder) {
  if (call.args[0]->type.id == TypeId::decimal) {
    call.type = DataType{TypeId::decimal, 0, 0};
    return true;
  }
  return bind_float(call, binder);
}

bool bind_float(Call& call, CallBinder& binder) {
  for (ExprPtr& arg : call.args) {
    arg = binder.coerce(arg, DataType{TypeId::float64});
    if (!arg) return false;
  }
  call.type = DataType{TypeId::float64};
  return true;
}

Result<Vec> sqrt_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return float_rows(call, args, n, [](double x, double, const char*& error) {
    if (x < 0) error = "cannot take square root of a negative number";
    return std::sqrt(x);
  });
}

Result<Vec> ln_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return float_rows(call, args, n, [](double x, double, const char*& error) {
    if (x == 0) error = "cannot take logarithm of zero";
    if (x < 0) error = "cannot take logarithm of a negative number";
    return std::log(x);
  });
}

Result<Vec> exp_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return float_rows(call, args, n, [](double x, double, const char*& error) {
    if (std::isnan(x)) return x;
    if (std::isinf(x)) return x > 0 ? x : 0.0;
    double r = std::exp(x);
    if (std::isinf(r)) error = overflow;
    if (r == 0.0) error = underflow;
    return r;
  });
}

Result<Vec> power_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return float_rows(call, args, n, [](double x, double y, const char*& error) {
    if (std::isnan(x)) return std::isnan(y) || y != 0.0 ? x : 1.0;
    if (std::isnan(y)) return x != 1.0 ? y : 1.0;
    if (x == 0 && y < 0) {
      error = "zero raised to a negative power is undefined";
      return 0.0;
    }
    if (x < 0 && std::floor(y) != y) {
      error = "a negative number raised to a non-integer power yields a complex result";
      return 0.0;
    }
    double r = std::pow(x, y);
    if (std::isinf(r) && std::isfinite(x) && std::isfinite(y)) error = overflow;
    if (r == 0.0 && x != 0.0 && std::isfinite(x) && std::isfinite(y)) error = underflow;
    return r;
  });
}

// MOD(a, b): integers or numerics brought to one type (float8 has no MOD, as in PostgreSQL).
bool bind_mod(Call& call, CallBinder& binder) {
  for (const ExprPtr& arg : call.args) {
    if (!arg->type.is_numeric() || arg->type.id == TypeId::float32 || arg->type.id == TypeId::float64) {
      binder.error(arg->offset, "MOD needs an integer or numeric, not " + arg->type.to_string());
      return false;
    }
  }
  return true;
}

Result<Vec> mod_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  Vec out = strict_result(call, args, n);
  const Vec &a = args[0], &b = args[1];
  for (size_t i = 0; i < out.size; ++i) {
    if (!out.is_valid(i)) continue;
    if (out.physical() == Physical::decimal) {
      __int128 q = b.decimals[at(b, i)];
      if (q == 0) return runtime_error("division by zero", call);
      out.decimals[i] = a.decimals[at(a, i)] % q;
    } else {
      int64_t q = b.ints[at(b, i)];
      if (q == 0) return runtime_error("division by zero", call);
      out.ints[i] = q == -1 ? 0 : a.ints[at(a, i)] % q;
    }
  }
  return out;
}

Result<Vec> greatest_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return extreme_kernel(call, args, n, true);
}
Result<Vec> least_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return extreme_kernel(call, args, n, false);
}

// NULLIF(a, b): NULL when a = b, else a (both brought to one type).
Result<Vec> nullif_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  const Vec &a = args[0], &b = args[1];
  const bool constant = a.constant && b.constant;
  const size_t m = constant ? 1 : n;
  Vec out = make_vec(call.type, m);
  out.constant = constant;
  out.valid.assign(m, 1);
  out.arenas = a.arenas;
  for (size_t i = 0; i < m; ++i) {
    const size_t x = at(a, i), y = at(b, i);
    bool equal = a.is_valid(x) && b.is_valid(y);
    switch (out.physical()) {
      case Physical::boolean:
        out.bools[i] = a.bools[x];
        equal = equal && a.bools[x] == b.bools[y];
        break;
      case Physical::int64:
        out.ints[i] = a.ints[x];
        equal = equal && a.ints[x] == b.ints[y];
        break;
      case Physical::float64:
        out.floats[i] = a.floats[x];
        equal = equal && a.floats[x] == b.floats[y];
        break;
      case Physical::decimal:
        out.decimals[i] = a.decimals[x];
        equal = equal && a.decimals[x] == b.decimals[y];
        break;
      case Physical::string:
        out.strings[i] = a.strings[x];
        equal = equal && a.strings[x] == b.strings[y];
        break;
    }
    out.valid[i] = a.is_valid(x) && !equal ? 1 : 0;
  }
  return out;
}

}  // namespace rbc::sql
