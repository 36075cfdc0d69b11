// The kernels and bind hooks of the scalar function table, by theme: text
// (functions_text.cpp), numbers (functions_math.cpp), dates and times
// (functions_time.cpp). Only functions.cpp, which lists them in the one table, includes
// this header; the loop shapes they share are below.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "expr/functions.h"
#include "expr/kernel.h"

namespace rbc::sql {

// ---- shared shapes ------------------------------------------------------------------

// The index of row `i` in `v` (a constant has one value).
inline size_t at(const Vec& v, size_t i) { return v.constant ? 0 : i; }

// The result of a strict row-wise kernel: constant when every argument is, NULL where any
// argument is NULL, values zero.
inline Vec strict_result(const Expr& call, const std::vector<Vec>& args, size_t n) {
  const bool constant = all_constant(args);
  const size_t m = constant ? 1 : n;
  Vec out = make_vec(call.type, m);
  out.constant = constant;
  for (const Vec& arg : args) {
    if (arg.all_valid()) continue;
    if (out.valid.empty()) out.valid.assign(m, 1);
    for (size_t i = 0; i < m; ++i) out.valid[i] &= arg.is_valid(at(arg, i)) ? 1 : 0;
  }
  return out;
}

// A strict kernel whose rows are new text: `row(i, out)` appends row i's value.
template <typename Row>
Result<Vec> text_rows(const Expr& call, const std::vector<Vec>& args, size_t n, Row row) {
  Vec out = strict_result(call, args, n);
  TextBuilder builder(out.size);
  for (size_t i = 0; i < out.size; ++i) {
    if (out.is_valid(i)) {
      Status status = row(i, builder.buffer());
      if (!status.is_ok()) return status;
    }
    builder.finish_row(i);
  }
  builder.finish(out);
  return out;
}

// A strict kernel whose rows are pieces of the first argument's strings: `row(i)`.
template <typename Row>
Result<Vec> slice_rows(const Expr& call, const std::vector<Vec>& args, size_t n, Row row) {
  Vec out = strict_result(call, args, n);
  out.arenas = args[0].arenas;
  for (size_t i = 0; i < out.size; ++i) {
    if (!out.is_valid(i)) continue;
    Result<std::string_view> piece = row(i);
    if (!piece.is_ok()) return piece.status();
    out.strings[i] = *piece;
  }
  return out;
}

// ---- text (functions_text.cpp) ---------------------------------------------------------

int64_t character_count(std::string_view s);
Result<Vec> upper_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> lower_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> initcap_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> length_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> substr_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> btrim_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> ltrim_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> rtrim_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> replace_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> left_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> right_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> lpad_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> rpad_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> split_part_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> strpos_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> starts_with_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> regexp_like_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> regexp_replace_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
bool bind_regexp_like(Call& call, CallBinder& binder);
bool bind_regexp_replace(Call& call, CallBinder& binder);

// ---- numbers (functions_math.cpp) ------------------------------------------------------

Result<Vec> abs_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> round_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
bool bind_round(Call& call, CallBinder& binder);
Result<Vec> floor_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> ceil_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> sign_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
// FLOOR, CEIL, SIGN: a decimal stays a decimal (scale 0), anything else is float8.
bool bind_float_or_decimal(Call& call, CallBinder& binder);
Result<Vec> sqrt_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> ln_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> exp_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> power_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
// SQRT, LN, EXP, POWER: every argument as float8.
bool bind_float(Call& call, CallBinder& binder);
Result<Vec> mod_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
bool bind_mod(Call& call, CallBinder& binder);
Result<Vec> greatest_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> least_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
Result<Vec> nullif_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);

// ---- dates and times (functions_time.cpp) ----------------------------------------------

Result<Vec> date_trunc_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
bool bind_date_trunc(Call& call, CallBinder& binder);
Result<Vec> extract_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
bool bind_extract(Call& call, CallBinder& binder);
Result<Vec> date_part_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);
bool bind_date_part(Call& call, CallBinder& binder);
Result<Vec> now_kernel(const Expr& call, std::vector<Vec>& args, size_t rows);

}  // namespace rbc::sql
