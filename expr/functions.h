// The scalar functions: one table (functions.cpp) through which the binder resolves
// calls (names, signatures, result types, NULL rules, "did you mean" suggestions) and
// whose kernels the evaluator calls. Adding a function is one entry there (see "Adding
// things" in docs/architecture.md). Aggregates get a table of their own (aggregates.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "expr/expr.h"
#include "graph/types.h"

namespace rbc::sql {

// What an argument must be, and what the binder converts it to. The error (F: the
// function's name as written, upper case) is located at the argument.
enum class ArgRule : uint8_t {
  text,     // text, json or bytes -> text;  else "F needs text, not T"
  integer,  // int16, int32, int64 -> int64; else "F needs an integer, not T"
  number,   // any numeric type, kept;       else "F needs a number, not T"
  to_text,  // any type -> text
  common,   // all `common` arguments -> one type; else "cannot mix F argument A with B"
  as_is,    // left as bound, for the function's bind hook to check
};

struct Param {
  ArgRule rule = ArgRule::as_is;
  // The type a NULL or 'string' literal takes for `number` (text and to_text
  // give text, integer int64, common the other arguments' type).
  DataType literal_type{TypeId::text};
};

// How the call's type is found.
enum class ResultRule : uint8_t {
  fixed,           // Signature::type
  first_argument,  // the first argument's type, after conversion
  common,          // the type the `common` arguments were brought to
};

// One accepted argument list. A function has one signature per argument count;
// the arity error ("F expects 2 or 3 arguments, got 1") is derived from them.
struct Signature {
  std::vector<Param> params{};
  bool variadic = false;  // the last parameter repeats: params.size() arguments or more
  ResultRule result = ResultRule::fixed;
  DataType type{TypeId::text};  // for ResultRule::fixed
};

// When a call is NULL. This decides the call's `nullable` at bind time; the
// kernel implements it.
enum class NullRule : uint8_t {
  strict,    // NULL when any argument is NULL
  never,     // never NULL (CONCAT reads NULL arguments as '')
  all_null,  // NULL only when every argument is NULL (COALESCE, GREATEST)
  always,    // may be NULL whatever its arguments are (NULLIF)
};

// What a bind hook prepares once for every row (a constant pattern compiled); the
// kernel finds it in the call's Expr::prepared.
struct Prepared {
  virtual ~Prepared() = default;
};

// A call being bound, after its signature's rules ran: what a bind hook may
// refine.
struct Call {
  std::string display{};                       // the name as written, upper case, for messages
  size_t offset = 0;                           // of the name in the query
  std::vector<ExprPtr> args{};                 // converted as the signature says
  DataType type;                               // from the signature's result rule
  std::shared_ptr<const Prepared> prepared{};  // set by a bind hook; becomes Expr::prepared
};

// What a bind hook may ask of the binder.
class CallBinder {
 public:
  // `e` converted to `to` (a 'string' or NULL literal takes the type, others
  // get a cast, folded when constant); null after reporting an error.
  virtual ExprPtr coerce(const ExprPtr& e, const DataType& to) = 0;
  virtual void error(size_t offset, std::string message) = 0;

 protected:
  ~CallBinder() = default;
};

// Checks and types beyond the signature's rules (ROUND's digits); false after
// an error.
using BindHook = bool (*)(Call& call, CallBinder& binder);
// Evaluated arguments (each `rows` values, or constant) -> the result, constant
// when every argument is. `call` is the bound call (its type, text for runtime
// errors).
using Kernel = Result<Vec> (*)(const Expr& call, std::vector<Vec>& args, size_t rows);
// For functions that evaluate their arguments themselves, each only on the rows
// that need it (COALESCE, like CASE): the call's children over `context`.
using LazyKernel = Result<Vec> (*)(const Expr& call, const EvalContext& context);

struct ScalarFunction {
  std::string name{};                   // lower case; plans print `name(args)`
  std::vector<std::string> aliases{};   // other names for it (SUBSTRING for SUBSTR)
  std::vector<Signature> signatures{};  // one per argument count (or a variadic one)
  NullRule nulls = NullRule::strict;
  Kernel kernel = nullptr;
  LazyKernel lazy_kernel = nullptr;  // instead of `kernel`
  BindHook bind = nullptr;           // optional
};

// Every scalar function, in the order suggestions are tried.
const std::vector<ScalarFunction>& scalar_functions();

// The function called `name` (or an alias), any case; null when there is none.
const ScalarFunction* find_scalar_function(std::string_view name);

// Every name and alias, lower case, for "did you mean".
std::vector<std::string> scalar_function_names();

}  // namespace rbc::sql
