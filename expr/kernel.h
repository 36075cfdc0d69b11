// What evaluation kernels share: the operators' kernels in eval.cpp and the
// function table's in functions.cpp. Internal to the expression engine.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "expr/expr.h"
#include "graph/status.h"

namespace rbc::sql {

// A runtime error naming the expression, e.g. "division by zero in 'a / b'".
inline Status runtime_error(const std::string& what, const Expr& expr) {
  return Status::invalid(what + " in '" + expr.text + "'");
}

// The input row of the k-th value being evaluated.
inline size_t row_at(const EvalContext& context, size_t k) {
  return context.selection ? context.selection[k] : k;
}

inline Vec make_vec(const DataType& type, size_t n) {
  Vec out;
  out.type = type;
  out.allocate(n);
  return out;
}

inline bool all_constant(const std::vector<Vec>& values) {
  return std::all_of(values.begin(), values.end(), [](const Vec& v) { return v.constant; });
}

// numerator / divisor rounded half away from zero.
inline __int128 divide_rounded(__int128 numerator, __int128 divisor) {
  __int128 quotient = numerator / divisor;
  __int128 remainder = numerator % divisor;
  if (remainder < 0) remainder = -remainder;
  __int128 magnitude = divisor < 0 ? -divisor : divisor;
  if (remainder * 2 >= magnitude) quotient += (numerator < 0) != (divisor < 0) ? -1 : 1;
  return quotient;
}

// Builds a string vector whose bytes live in one arena owned by the result.
class TextBuilder {
 public:
  explicit TextBuilder(size_t rows) : ends_(rows, 0), arena_(std::make_shared<std::string>()) {}
  std::string& buffer() { return *arena_; }
  void finish_row(size_t i) { ends_[i] = arena_->size(); }
  void finish(Vec& out) {
    size_t begin = 0;
    const char* base = arena_->data();
    for (size_t i = 0; i < ends_.size(); ++i) {
      out.strings[i] = std::string_view(base + begin, ends_[i] - begin);
      begin = ends_[i];
    }
    out.arenas.push_back(std::move(arena_));
  }

 private:
  std::vector<size_t> ends_;
  std::shared_ptr<std::string> arena_;
};

// Copies `from` (one value per entry of `positions`, or a constant) into `to`.
void scatter(const Vec& from, const std::vector<uint32_t>& positions, Vec& to);

// Concatenates text arguments row by row: `strict` (||) gives NULL when any is
// NULL, otherwise (CONCAT) NULL arguments count as ''.
Vec concat_strings(const Expr& expr, const std::vector<Vec>& args, size_t n, bool strict);

}  // namespace rbc::sql
