// The scalar function table and its kernels. Each entry: name and aliases, signatures
// (argument rules -> result type), NULL rule, kernel, and a bind hook where the rules
// cannot say everything. The binder and the evaluator know no function by name.
#include "expr/functions.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "expr/aggregates.h"  // declared beside this table; included to keep it compiling
#include "expr/kernel.h"
#include "expr/pow10.h"

namespace rbc::sql {

namespace {

// ---- text -------------------------------------------------------------------------

Vec change_case(const Vec& in, bool upper) {
  Vec out;
  out.type = DataType{TypeId::text};
  out.constant = in.constant;
  out.allocate(in.size);
  out.valid = in.valid;
  size_t total = 0;
  for (const auto& s : in.strings) total += s.size();
  auto arena = std::make_shared<std::string>(total, '\0');
  char* p = arena->data();
  // ASCII only; other bytes (UTF-8 sequences) pass through unchanged.
  const char low = upper ? 'a' : 'A';
  const char high = upper ? 'z' : 'Z';
  for (size_t i = 0; i < in.size; ++i) {
    std::string_view s = in.strings[i];
    for (size_t j = 0; j < s.size(); ++j) {
      char c = s[j];
      p[j] = static_cast<char>(c ^ ((c >= low && c <= high) ? 0x20 : 0));
    }
    out.strings[i] = std::string_view(p, s.size());
    p += s.size();
  }
  out.arenas.push_back(std::move(arena));
  return out;
}

int64_t character_count(std::string_view s) {
  int64_t count = 0;
  for (char c : s) count += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return count;
}

// Byte offset of the `chars`-th character (0-based), clamped to the end.
size_t byte_offset(std::string_view s, int64_t chars) {
  if (chars <= 0) return 0;
  size_t i = 0;
  while (i < s.size()) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) {
      if (chars == 0) return i;
      --chars;
    }
    ++i;
  }
  return s.size();
}

Result<Vec> upper_kernel(const Expr& /*call*/, std::vector<Vec>& args, size_t /*rows*/) {
  return change_case(args[0], true);
}

Result<Vec> lower_kernel(const Expr& /*call*/, std::vector<Vec>& args, size_t /*rows*/) {
  return change_case(args[0], false);
}

Result<Vec> length_kernel(const Expr& call, std::vector<Vec>& args, size_t /*rows*/) {
  const Vec& in = args[0];
  Vec out;
  out.type = call.type;
  out.constant = in.constant;
  out.allocate(in.size);
  out.valid = in.valid;
  for (size_t i = 0; i < in.size; ++i) out.ints[i] = character_count(in.strings[i]);
  return out;
}

Result<Vec> substr_kernel(const Expr& expr, std::vector<Vec>& args, size_t n) {
  const bool constant = all_constant(args);
  const size_t m = constant ? 1 : n;
  Vec out = make_vec(expr.type, m);
  out.constant = constant;
  out.valid.assign(m, 1);
  out.arenas = args[0].arenas;  // results are slices of the input strings
  for (size_t i = 0; i < m; ++i) {
    bool valid = true;
    for (const auto& arg : args) valid = valid && arg.is_valid(arg.constant ? 0 : i);
    if (!valid) {
      out.valid[i] = 0;
      continue;
    }
    std::string_view s = args[0].strings[args[0].constant ? 0 : i];
    int64_t start = args[1].ints[args[1].constant ? 0 : i];
    int64_t from = std::max<int64_t>(start, 1);
    size_t begin = byte_offset(s, from - 1), end = s.size();
    if (args.size() == 3) {
      int64_t length = args[2].ints[args[2].constant ? 0 : i];
      if (length < 0) return runtime_error("negative substring length not allowed", expr);
      int64_t stop = start > std::numeric_limits<int64_t>::max() - length
                         ? std::numeric_limits<int64_t>::max()
                         : start + length;
      end = stop <= from ? begin : byte_offset(s, stop - 1);
    }
    out.strings[i] = s.substr(begin, end - begin);
  }
  return out;
}

Result<Vec> concat_kernel(const Expr& call, std::vector<Vec>& args, size_t rows) {
  return concat_strings(call, args, rows, /*strict=*/false);
}

// ---- numbers ----------------------------------------------------------------------

Result<Vec> abs_kernel(const Expr& expr, std::vector<Vec>& args, size_t /*rows*/) {
  Vec in = std::move(args[0]);
  switch (in.physical()) {
    case Physical::int64:
      for (auto& v : in.ints) {
        if (v == std::numeric_limits<int64_t>::min()) return runtime_error("integer out of range", expr);
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

// ---- NULLs ------------------------------------------------------------------------

Result<Vec> coalesce_kernel(const Expr& expr, const EvalContext& context) {
  const size_t n = context.count;
  Vec out = make_vec(expr.type, n);
  out.valid.assign(n, 0);
  std::vector<uint32_t> rows(n), positions(n);
  for (size_t k = 0; k < n; ++k) {
    rows[k] = static_cast<uint32_t>(row_at(context, k));
    positions[k] = static_cast<uint32_t>(k);
  }
  // Like CASE, each argument is evaluated only for the rows still NULL.
  for (const auto& child : expr.children) {
    if (rows.empty()) break;
    EvalContext here{context.input, rows.data(), rows.size()};
    RBC_ASSIGN_OR_RETURN(Vec value, evaluate(*child, here));
    scatter(value, positions, out);
    std::vector<uint32_t> rest_rows, rest_positions;
    for (size_t k = 0; k < rows.size(); ++k) {
      if (!value.is_valid(value.constant ? 0 : k)) {
        rest_rows.push_back(rows[k]);
        rest_positions.push_back(positions[k]);
      }
    }
    rows = std::move(rest_rows);
    positions = std::move(rest_positions);
  }
  return out;
}

// ---- the table --------------------------------------------------------------------

const Param text{.rule = ArgRule::text};
const Param integer{.rule = ArgRule::integer};
const Param to_text{.rule = ArgRule::to_text};
const Param common{.rule = ArgRule::common};
const Param digits{.rule = ArgRule::as_is};
Param number(TypeId literal_type) {
  return Param{.rule = ArgRule::number, .literal_type = DataType{literal_type}};
}

Signature returns(std::vector<Param> params, TypeId type) {
  return Signature{.params = std::move(params), .result = ResultRule::fixed, .type = DataType{type}};
}

Signature returns_first(std::vector<Param> params) {
  return Signature{.params = std::move(params), .result = ResultRule::first_argument};
}

std::vector<ScalarFunction> make_table() {
  std::vector<ScalarFunction> table;
  // COALESCE(x, ...): the first non-NULL argument; all are brought to one type.
  table.push_back({.name = "coalesce",
                   .signatures = {{.params = {common}, .variadic = true, .result = ResultRule::common}},
                   .nulls = NullRule::all_null,
                   .lazy_kernel = coalesce_kernel});
  // UPPER, LOWER: ASCII letters only; other bytes pass through.
  table.push_back({.name = "upper", .signatures = {returns({text}, TypeId::text)}, .kernel = upper_kernel});
  table.push_back({.name = "lower", .signatures = {returns({text}, TypeId::text)}, .kernel = lower_kernel});
  // LENGTH(text): characters, not bytes.
  table.push_back(
      {.name = "length", .signatures = {returns({text}, TypeId::int32)}, .kernel = length_kernel});
  // SUBSTR(text, from[, count]): characters, 1-based, as PostgreSQL's.
  table.push_back({.name = "substr",
                   .aliases = {"substring"},
                   .signatures = {returns({text, integer}, TypeId::text),
                                  returns({text, integer, integer}, TypeId::text)},
                   .kernel = substr_kernel});
  // CONCAT(x, ...): every argument as text, NULL ones as ''.
  table.push_back({.name = "concat",
                   .signatures = {{.params = {to_text}, .variadic = true, .type = DataType{TypeId::text}}},
                   .nulls = NullRule::never,
                   .kernel = concat_kernel});
  // ABS(number), of the argument's type; a NULL or 'string' literal reads as float8.
  table.push_back(
      {.name = "abs", .signatures = {returns_first({number(TypeId::float64)})}, .kernel = abs_kernel});
  // ROUND(number[, digits]): float8 without digits rounds half to even, everything else
  // half away from zero, as PostgreSQL; a NULL or 'string' literal reads as numeric.
  table.push_back({.name = "round",
                   .signatures = {returns_first({number(TypeId::decimal)}),
                                  returns_first({number(TypeId::decimal), digits})},
                   .kernel = round_kernel,
                   .bind = bind_round});
  return table;
}

std::string lower_case(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Vec concat_strings(const Expr& expr, const std::vector<Vec>& args, size_t n, bool strict) {
  const bool constant = all_constant(args);
  const size_t m = constant ? 1 : n;
  Vec out = make_vec(expr.type, m);
  out.constant = constant;
  if (strict) out.valid.assign(m, 1);
  TextBuilder builder(m);
  for (size_t i = 0; i < m; ++i) {
    const size_t row_start = builder.buffer().size();
    bool any_null = false;
    for (const auto& arg : args) {
      size_t j = arg.constant ? 0 : i;
      if (arg.is_valid(j)) {
        builder.buffer().append(arg.strings[j]);
      } else {
        any_null = true;
      }
    }
    if (strict && any_null) {
      out.valid[i] = 0;
      builder.buffer().resize(row_start);
    }
    builder.finish_row(i);
  }
  builder.finish(out);
  if (strict && std::all_of(out.valid.begin(), out.valid.end(), [](uint8_t v) { return v; }))
    out.valid.clear();
  return out;
}

const std::vector<ScalarFunction>& scalar_functions() {
  static const std::vector<ScalarFunction> table = make_table();
  return table;
}

const ScalarFunction* find_scalar_function(std::string_view name) {
  const std::string wanted = lower_case(name);
  for (const ScalarFunction& function : scalar_functions()) {
    if (function.name == wanted) return &function;
    for (const std::string& alias : function.aliases) {
      if (alias == wanted) return &function;
    }
  }
  return nullptr;
}

std::vector<std::string> scalar_function_names() {
  std::vector<std::string> names;
  for (const ScalarFunction& function : scalar_functions()) {
    names.push_back(function.name);
    names.insert(names.end(), function.aliases.begin(), function.aliases.end());
  }
  return names;
}

}  // namespace rbc::sql
