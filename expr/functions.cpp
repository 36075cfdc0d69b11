// The scalar function table. Each entry: name and aliases, signatures (argument rules ->
// result type), NULL rule, kernel, and a bind hook where the rules cannot say everything.
// The kernels live by theme in functions_text.cpp, functions_math.cpp and
// functions_time.cpp (declared in function_kernels.h); COALESCE and CONCAT's are here.
// The binder and the evaluator know no function by name.
#include "expr/functions.h"

#include <algorithm>
#include <cctype>

#include "expr/aggregates.h"  // declared beside this table; included to keep it compiling
#include "expr/function_kernels.h"

namespace rbc::sql {

namespace {

Result<Vec> concat_kernel(const Expr& call, std::vector<Vec>& args, size_t rows) {
  return concat_strings(call, args, rows, /*strict=*/false);
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
const Param as_is{.rule = ArgRule::as_is};
Param number(TypeId literal_type) {
  return Param{.rule = ArgRule::number, .literal_type = DataType{literal_type}};
}

Signature returns(std::vector<Param> params, TypeId type) {
  return Signature{.params = std::move(params), .result = ResultRule::fixed, .type = DataType{type}};
}

Signature returns_first(std::vector<Param> params) {
  return Signature{.params = std::move(params), .result = ResultRule::first_argument};
}

Signature returns_common(std::vector<Param> params, bool variadic = false) {
  return Signature{.params = std::move(params), .variadic = variadic, .result = ResultRule::common};
}

std::vector<ScalarFunction> make_table() {
  std::vector<ScalarFunction> table;
  const TypeId text_type = TypeId::text;
  // ---- NULLs and comparison
  // COALESCE(x, ...): the first non-NULL argument; all are brought to one type.
  table.push_back({.name = "coalesce",
                   .signatures = {returns_common({common}, true)},
                   .nulls = NullRule::all_null,
                   .lazy_kernel = coalesce_kernel});
  // NULLIF(a, b): NULL when a = b, else a; both brought to one type (the result's).
  table.push_back({.name = "nullif",
                   .signatures = {returns_common({common, common})},
                   .nulls = NullRule::always,
                   .kernel = nullif_kernel});
  // GREATEST, LEAST(x, ...): of one type; NULL arguments are ignored, NULL when all are.
  table.push_back({.name = "greatest",
                   .signatures = {returns_common({common}, true)},
                   .nulls = NullRule::all_null,
                   .kernel = greatest_kernel});
  table.push_back({.name = "least",
                   .signatures = {returns_common({common}, true)},
                   .nulls = NullRule::all_null,
                   .kernel = least_kernel});
  // ---- text (functions_text.cpp): characters, not bytes, of UTF-8
  // UPPER, LOWER, INITCAP: per character, Unicode's simple case mappings.
  table.push_back({.name = "upper", .signatures = {returns({text}, text_type)}, .kernel = upper_kernel});
  table.push_back({.name = "lower", .signatures = {returns({text}, text_type)}, .kernel = lower_kernel});
  table.push_back({.name = "initcap", .signatures = {returns({text}, text_type)}, .kernel = initcap_kernel});
  // LENGTH(text): characters, not bytes.
  table.push_back({.name = "length",
                   .aliases = {"char_length", "character_length"},
                   .signatures = {returns({text}, TypeId::int32)},
                   .kernel = length_kernel});
  // SUBSTR(text, from[, count]): characters, 1-based, as PostgreSQL's.
  table.push_back(
      {.name = "substr",
       .aliases = {"substring"},
       .signatures = {returns({text, integer}, text_type), returns({text, integer, integer}, text_type)},
       .kernel = substr_kernel});
  // CONCAT(x, ...): every argument as text, NULL ones as ''.
  table.push_back({.name = "concat",
                   .signatures = {{.params = {to_text}, .variadic = true, .type = DataType{text_type}}},
                   .nulls = NullRule::never,
                   .kernel = concat_kernel});
  // BTRIM (TRIM), LTRIM, RTRIM(s[, characters]): strip any of the characters (' ').
  // TRIM([BOTH | LEADING | TRAILING] [characters] FROM s) is the grammar's form of them.
  table.push_back({.name = "btrim",
                   .aliases = {"trim"},
                   .signatures = {returns({text}, text_type), returns({text, text}, text_type)},
                   .kernel = btrim_kernel});
  table.push_back({.name = "ltrim",
                   .signatures = {returns({text}, text_type), returns({text, text}, text_type)},
                   .kernel = ltrim_kernel});
  table.push_back({.name = "rtrim",
                   .signatures = {returns({text}, text_type), returns({text, text}, text_type)},
                   .kernel = rtrim_kernel});
  // REPLACE(s, from, to): every occurrence; an empty `from` changes nothing.
  table.push_back(
      {.name = "replace", .signatures = {returns({text, text, text}, text_type)}, .kernel = replace_kernel});
  // LEFT, RIGHT(s, n): the first / last n characters; a negative n drops -n from the other end.
  table.push_back(
      {.name = "left", .signatures = {returns({text, integer}, text_type)}, .kernel = left_kernel});
  table.push_back(
      {.name = "right", .signatures = {returns({text, integer}, text_type)}, .kernel = right_kernel});
  // LPAD, RPAD(s, length[, fill]): to `length` characters, cut or filled with `fill` (' ').
  table.push_back(
      {.name = "lpad",
       .signatures = {returns({text, integer}, text_type), returns({text, integer, text}, text_type)},
       .kernel = lpad_kernel});
  table.push_back(
      {.name = "rpad",
       .signatures = {returns({text, integer}, text_type), returns({text, integer, text}, text_type)},
       .kernel = rpad_kernel});
  // SPLIT_PART(s, delimiter, n): the n-th field; a negative n counts from the end; 0 is an error.
  table.push_back({.name = "split_part",
                   .signatures = {returns({text, text, integer}, text_type)},
                   .kernel = split_part_kernel});
  // STRPOS(s, sub): the character position of sub in s, 0 if absent. POSITION(sub IN s) is the grammar's
  // form.
  table.push_back(
      {.name = "strpos", .signatures = {returns({text, text}, TypeId::int32)}, .kernel = strpos_kernel});
  table.push_back({.name = "starts_with",
                   .signatures = {returns({text, text}, TypeId::boolean)},
                   .kernel = starts_with_kernel});
  // REGEXP_LIKE(s, pattern[, flags]), REGEXP_REPLACE(s, pattern, replacement[, flags]):
  // ICU regular expressions (expr/regex.h); flags 'i', 'c' and (REPLACE) 'g'. A constant
  // pattern is compiled once, at bind time. `s ~ p`, `~*`, `!~`, `!~*` are REGEXP_LIKE.
  table.push_back(
      {.name = "regexp_like",
       .signatures = {returns({text, text}, TypeId::boolean), returns({text, text, text}, TypeId::boolean)},
       .kernel = regexp_like_kernel,
       .bind = bind_regexp_like});
  table.push_back(
      {.name = "regexp_replace",
       .signatures = {returns({text, text, text}, text_type), returns({text, text, text, text}, text_type)},
       .kernel = regexp_replace_kernel,
       .bind = bind_regexp_replace});
  // ---- numbers (functions_math.cpp)
  // ABS(number), of the argument's type; a NULL or 'string' literal reads as float8.
  table.push_back(
      {.name = "abs", .signatures = {returns_first({number(TypeId::float64)})}, .kernel = abs_kernel});
  // ROUND(number[, digits]): float8 without digits rounds half to even, everything else
  // half away from zero, as PostgreSQL; a NULL or 'string' literal reads as numeric.
  table.push_back({.name = "round",
                   .signatures = {returns_first({number(TypeId::decimal)}),
                                  returns_first({number(TypeId::decimal), as_is})},
                   .kernel = round_kernel,
                   .bind = bind_round});
  // FLOOR, CEIL (CEILING), SIGN(number): numeric for a numeric (scale 0), else float8.
  table.push_back({.name = "floor",
                   .signatures = {returns_first({number(TypeId::float64)})},
                   .kernel = floor_kernel,
                   .bind = bind_float_or_decimal});
  table.push_back({.name = "ceil",
                   .aliases = {"ceiling"},
                   .signatures = {returns_first({number(TypeId::float64)})},
                   .kernel = ceil_kernel,
                   .bind = bind_float_or_decimal});
  table.push_back({.name = "sign",
                   .signatures = {returns_first({number(TypeId::float64)})},
                   .kernel = sign_kernel,
                   .bind = bind_float_or_decimal});
  // SQRT, LN, EXP(number), POWER (POW)(base, exponent): float8, PostgreSQL's errors.
  table.push_back({.name = "sqrt",
                   .signatures = {returns_first({number(TypeId::float64)})},
                   .kernel = sqrt_kernel,
                   .bind = bind_float});
  table.push_back({.name = "ln",
                   .signatures = {returns_first({number(TypeId::float64)})},
                   .kernel = ln_kernel,
                   .bind = bind_float});
  table.push_back({.name = "exp",
                   .signatures = {returns_first({number(TypeId::float64)})},
                   .kernel = exp_kernel,
                   .bind = bind_float});
  table.push_back({.name = "power",
                   .aliases = {"pow"},
                   .signatures = {returns_first({number(TypeId::float64), number(TypeId::float64)})},
                   .kernel = power_kernel,
                   .bind = bind_float});
  // MOD(a, b): integers or numerics brought to one type; the remainder has a's sign.
  table.push_back({.name = "mod",
                   .signatures = {returns_common({common, common})},
                   .kernel = mod_kernel,
                   .bind = bind_mod});
  // ---- dates and times (functions_time.cpp); a timestamptz is read in UTC
  // DATE_TRUNC('unit', x): a timestamp stays one; a date becomes a timestamptz.
  table.push_back({.name = "date_trunc",
                   .signatures = {returns({text, as_is}, TypeId::timestamp)},
                   .kernel = date_trunc_kernel,
                   .bind = bind_date_trunc});
  // EXTRACT(field FROM x), the grammar's form (`extract` is a reserved word, so not
  // callable by name): numeric, as PostgreSQL 14+.
  table.push_back({.name = "extract",
                   .signatures = {returns({text, as_is}, TypeId::decimal)},
                   .kernel = extract_kernel,
                   .bind = bind_extract});
  // DATE_PART('field', x): float8.
  table.push_back({.name = "date_part",
                   .signatures = {returns({text, as_is}, TypeId::float64)},
                   .kernel = date_part_kernel,
                   .bind = bind_date_part});
  // NOW(), CURRENT_TIMESTAMP: timestamptz, one value for the whole run.
  table.push_back({.name = "now",
                   .signatures = {returns({}, TypeId::timestamptz)},
                   .nulls = NullRule::never,
                   .kernel = now_kernel});
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
