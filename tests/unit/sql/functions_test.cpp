// The scalar function table (expr/functions.h): its entries are well formed, calls
// resolve through it by name or alias in any case, "did you mean" draws on its names,
// and each entry's NULL rule decides whether a call can be NULL.
#include "expr/functions.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "expr/aggregates.h"
#include "tests/unit/sql/sql_test_support.h"

namespace rbc::sql_test {
namespace {

std::string first_error_message(const std::string& query) {
  auto errors = compile_errors(query, sample_table().schema);
  return errors.empty() ? std::string() : errors.front().message;
}

TEST(FunctionTable, EntriesAreWellFormed) {
  std::set<std::string> names;
  for (const sql::ScalarFunction& function : sql::scalar_functions()) {
    SCOPED_TRACE(function.name);
    EXPECT_FALSE(function.signatures.empty());
    EXPECT_NE(function.kernel == nullptr, function.lazy_kernel == nullptr) << "exactly one kernel";
    std::vector<std::string> spellings{function.name};
    spellings.insert(spellings.end(), function.aliases.begin(), function.aliases.end());
    for (const std::string& name : spellings) {
      EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_0123456789"), std::string::npos) << name;
      EXPECT_TRUE(names.insert(name).second) << name << " is in the table twice";
    }
    std::set<size_t> counts;
    for (const sql::Signature& signature : function.signatures) {
      EXPECT_TRUE(!signature.params.empty() || !signature.variadic)
          << "a variadic signature needs a parameter";
      EXPECT_TRUE(counts.insert(signature.params.size()).second) << "two signatures of one argument count";
    }
  }
  EXPECT_EQ(names.size(), sql::scalar_function_names().size());
  // Aggregates: well formed too, and no name means both a scalar function and an aggregate.
  for (const sql::AggregateFunction& function : sql::aggregate_functions()) {
    SCOPED_TRACE(function.name);
    EXPECT_FALSE(function.signatures.empty());
    EXPECT_NE(function.make, nullptr);
    for (const std::string& name : sql::aggregate_function_names())
      EXPECT_EQ(sql::find_scalar_function(name), nullptr) << name;
  }
  EXPECT_GE(sql::aggregate_functions().size(), 12u);
}

TEST(FunctionTable, CallsResolveByNameOrAliasInAnyCase) {
  ASSERT_NE(sql::find_scalar_function("substr"), nullptr);
  EXPECT_EQ(sql::find_scalar_function("SubString"), sql::find_scalar_function("substr"));
  EXPECT_EQ(sql::find_scalar_function("nope"), nullptr);
  EXPECT_EQ(
      compile_ok("SELECT SubString(name, 2), lower(name) FROM input", sample_table().schema).to_string(),
      "SELECT substr(name, 2) AS col_1:text, lower(name) AS col_2:text FROM input");
}

TEST(FunctionTable, SuggestionsComeFromTheTable) {
  EXPECT_EQ(first_error_message("SELECT lenght(name) FROM input"),
            "unknown function 'lenght'; did you mean 'LENGTH'?");
  EXPECT_EQ(first_error_message("SELECT substrng(name, 1) FROM input"),
            "unknown function 'substrng'; did you mean 'SUBSTRING'?");
  EXPECT_EQ(first_error_message("SELECT Coalesc(name) FROM input"),
            "unknown function 'Coalesc'; did you mean 'COALESCE'?");
}

TEST(FunctionTable, NullRulesDecideNullability) {
  auto q = compile_ok(
      "SELECT UPPER(name), CONCAT(name, NULL), COALESCE(name, 'x'), COALESCE(name, name), ABS(id), "
      "ROUND(amount, 1) FROM input",
      sample_table().schema);
  const Schema& s = q.output_schema();
  EXPECT_TRUE(s.field(0).nullable);   // strict: name can be NULL
  EXPECT_FALSE(s.field(1).nullable);  // never
  EXPECT_FALSE(s.field(2).nullable);  // all_null: 'x' is not
  EXPECT_TRUE(s.field(3).nullable);
  EXPECT_FALSE(s.field(4).nullable);  // strict over a NOT NULL column
  EXPECT_TRUE(s.field(5).nullable);
}

TEST(FunctionTable, ArgumentRulesConvertAndReport) {
  EXPECT_EQ(first_error_message("SELECT SUBSTR(name, 'x') FROM input"),
            "invalid input syntax for type int64: \"x\"");
  EXPECT_EQ(first_error_message("SELECT SUBSTRING(name, amount) FROM input"),
            "SUBSTRING needs an integer, not float64");
  EXPECT_EQ(first_error_message("SELECT ABS(name) FROM input"), "ABS needs a number, not text");
  EXPECT_EQ(first_error_message("SELECT COALESCE(qty, name) FROM input"),
            "cannot mix COALESCE argument int32 with text");
  EXPECT_EQ(first_error_message("SELECT ROUND(amount, 99) FROM input"),
            "ROUND digits must be a constant integer between -38 and 38");
  EXPECT_EQ(first_error_message("SELECT ROUND() FROM input"), "ROUND expects 1 or 2 arguments, got 0");
}

// ---- the functions' values, as PostgreSQL 15 gives them --------------------------------

// A constant expression's value, as text.
std::string value_of(const std::string& expression) {
  auto column = eval_column("SELECT " + expression + " FROM input");
  return column.empty() ? "<failed>" : column.front();
}

// `expression` over a one-column table `s` of `type` holding `values`.
Strings eval_over(const std::string& expression, DataType type, const std::vector<Opt>& values) {
  Schema schema({{"s", type, true}});
  Batch batch;
  batch.schema = std::make_shared<const Schema>(schema);
  batch.columns.push_back(make_column(type, values));
  batch.num_rows = values.size();
  CompiledQuery query = compile_ok("SELECT " + expression + " FROM input", schema);
  auto out = query.evaluate(batch);
  if (!out.is_ok()) return {"error: " + out.status().message()};
  return render(out->columns[0]);
}
Strings over_text(const std::string& expression, const std::vector<Opt>& values) {
  return eval_over(expression, DataType{TypeId::text}, values);
}
Strings over_timestamps(const std::string& expression, const std::vector<Opt>& values) {
  return eval_over(expression, DataType{TypeId::timestamp}, values);
}

// The message of a runtime error evaluating `query` over the sample table.
std::string runtime_error_of(const std::string& query) {
  Table t = sample_table();
  CompiledQuery compiled = compile_ok(query, t.schema);
  auto out = compiled.evaluate(t.batch);
  return out.is_ok() ? std::string("no error") : out.status().message();
}

struct Located {
  size_t offset;
  std::string message;
};
Located located(const std::string& query) {
  auto errors = compile_errors(query, sample_table().schema);
  return errors.empty() ? Located{0, ""} : Located{errors.front().offset, errors.front().message};
}

std::string types_of(const std::string& select_list) {
  Schema schema = compile_ok("SELECT " + select_list + " FROM input", sample_table().schema).output_schema();
  std::string out;
  for (size_t i = 0; i < schema.size(); ++i)
    out += (i ? ", " : "") + schema.field(i).name + " " + schema.field(i).type.to_string();
  return out;
}

TEST(TextFunctions, CaseMappingIsPerCharacterUnicode) {
  EXPECT_EQ(value_of("UPPER('Köln')"), "KÖLN");
  EXPECT_EQ(value_of("LOWER('ÆØÅ')"), "æøå");
  EXPECT_EQ(value_of("UPPER('σς άλφα')"), "ΣΣ ΆΛΦΑ");
  EXPECT_EQ(value_of("LOWER('ΣΟΦΊΑ')"), "σοφία");  // no final sigma: one character at a time
  EXPECT_EQ(value_of("UPPER('привет')"), "ПРИВЕТ");
  EXPECT_EQ(value_of("UPPER('ıi')"), "II");              // dotless i up is I
  EXPECT_EQ(value_of("LOWER('İI')"), "ii");              // dotted I down is i: no Turkish rules
  EXPECT_EQ(value_of("UPPER('straße ǆ')"), "STRAßE Ǆ");  // simple mappings: ß stays
  EXPECT_EQ(value_of("INITCAP('hello wORLD élan ÉLAN o''neil 3abc ǆx')"),
            "Hello World Élan Élan O'Neil 3abc Ǆx");
  EXPECT_EQ(over_text("UPPER(s)", {"alice", "élan", std::nullopt, "", "ABC-xyz"}),
            (Strings{"ALICE", "ÉLAN", "NULL", "", "ABC-XYZ"}));
  EXPECT_EQ(over_text("LOWER(s)", {"ÀB\xff"
                                   "C"}),
            (Strings{"àb\xff"
                     "c"}));  // a stray byte passes through
  // ASCII takes a faster path: only the 26 letters change, their neighbours do not.
  EXPECT_EQ(value_of("UPPER('@az[`AZ{ 09~')"), "@AZ[`AZ{ 09~");
  EXPECT_EQ(value_of("LOWER('@az[`AZ{ 09~')"), "@az[`az{ 09~");
}

TEST(TextFunctions, Trim) {
  EXPECT_EQ(value_of("TRIM('  a  ') || '|'"), "a|");
  EXPECT_EQ(value_of("LTRIM('xxaxx', 'x')"), "axx");
  EXPECT_EQ(value_of("RTRIM('xxaxx', 'x')"), "xxa");
  EXPECT_EQ(value_of("BTRIM('ééaé', 'é')"), "a");
  EXPECT_EQ(value_of("TRIM('xyaxy', 'yx')"), "a");
  EXPECT_EQ(value_of("TRIM(BOTH 'x' FROM 'xxaxx')"), "a");
  EXPECT_EQ(value_of("TRIM(LEADING FROM '  a  ') || '|'"), "a  |");
  EXPECT_EQ(value_of("TRIM(TRAILING 'xy' FROM 'axyyx')"), "a");
  EXPECT_EQ(value_of("trim(leading 'é' from 'ééa')"), "a");
  EXPECT_EQ(value_of("TRIM('é' FROM 'éaé')"), "a");
  EXPECT_EQ(value_of("TRIM('', 'x')"), "");
  EXPECT_EQ(value_of("TRIM('abc', '')"), "abc");
  EXPECT_EQ(value_of("TRIM(NULL)"), "NULL");
  EXPECT_EQ(over_text("RTRIM(s, 'é')", {"aéé", "é", std::nullopt}), (Strings{"a", "", "NULL"}));
}

TEST(TextFunctions, ReplaceLeftRightPad) {
  EXPECT_EQ(value_of("REPLACE('abcabc', 'b', '')"), "acac");
  EXPECT_EQ(value_of("REPLACE('abc', '', 'x')"), "abc");
  EXPECT_EQ(value_of("REPLACE('ééé', 'é', 'e')"), "eee");
  EXPECT_EQ(value_of("REPLACE('abc', NULL, 'x')"), "NULL");
  EXPECT_EQ(value_of("LEFT('héllo', 2)"), "hé");
  EXPECT_EQ(value_of("LEFT('abcde', -2)"), "abc");
  EXPECT_EQ(value_of("LEFT('abc', -5)"), "");
  EXPECT_EQ(value_of("LEFT('abc', 0)"), "");
  EXPECT_EQ(value_of("RIGHT('héllo', 3)"), "llo");
  EXPECT_EQ(value_of("RIGHT('abcde', -2)"), "cde");
  EXPECT_EQ(value_of("RIGHT('abc', 10)"), "abc");
  EXPECT_EQ(value_of("RIGHT('abc', -9223372036854775807)"), "");
  EXPECT_EQ(value_of("LPAD('héllo', 8, 'xé')"), "xéxhéllo");
  EXPECT_EQ(value_of("RPAD('héllo', 8, 'xé')"), "hélloxéx");
  EXPECT_EQ(value_of("RPAD('héllo', 3)"), "hél");
  EXPECT_EQ(value_of("LPAD('ab', 5)"), "   ab");
  EXPECT_EQ(value_of("LPAD('ab', 5, '')"), "ab");
  EXPECT_EQ(value_of("RPAD('ab', -1)"), "");
  EXPECT_EQ(located("SELECT LPAD('x', 300000000) FROM input").message, "requested length too large");
  EXPECT_EQ(runtime_error_of("SELECT LPAD(name, qty * 100000000) FROM input"),
            "requested length too large in 'LPAD(name, qty * 100000000)'");
}

TEST(TextFunctions, SplitPartPositionStartsWith) {
  EXPECT_EQ(value_of("SPLIT_PART('a,b,c', ',', 2)"), "b");
  EXPECT_EQ(value_of("SPLIT_PART('a,b,c', ',', -1)"), "c");
  EXPECT_EQ(value_of("SPLIT_PART('a,b,c', ',', -3)"), "a");
  EXPECT_EQ(value_of("SPLIT_PART('a,b,c', ',', -4)"), "");
  EXPECT_EQ(value_of("SPLIT_PART('a,b,c', ',', 4)"), "");
  EXPECT_EQ(value_of("SPLIT_PART('a::b::c', '::', 3)"), "c");
  EXPECT_EQ(value_of("SPLIT_PART('é,ü', ',', 2)"), "ü");
  EXPECT_EQ(value_of("SPLIT_PART('', ',', 1)"), "");
  EXPECT_EQ(value_of("SPLIT_PART('abc', '', 1)"), "abc");
  EXPECT_EQ(value_of("SPLIT_PART('abc', '', -1)"), "abc");
  EXPECT_EQ(value_of("SPLIT_PART('abc', '', 2)"), "");
  EXPECT_EQ(located("SELECT SPLIT_PART('a', ',', 0) FROM input").message, "field position must not be zero");
  EXPECT_EQ(runtime_error_of("SELECT SPLIT_PART(name, ',', qty) FROM input"),
            "field position must not be zero in 'SPLIT_PART(name, ',', qty)'");
  EXPECT_EQ(value_of("STRPOS('héllo', 'l')"), "3");
  EXPECT_EQ(value_of("STRPOS('abc', 'z')"), "0");
  EXPECT_EQ(value_of("POSITION('l' IN 'héllo')"), "3");
  EXPECT_EQ(value_of("POSITION('' IN 'abc')"), "1");
  EXPECT_EQ(over_text("POSITION('b' IN s)", {"abc", std::nullopt, "ébb"}), (Strings{"2", "NULL", "2"}));
  EXPECT_EQ(value_of("STARTS_WITH('abc', 'ab')"), "true");
  EXPECT_EQ(value_of("STARTS_WITH('abc', '')"), "true");
  EXPECT_EQ(value_of("STARTS_WITH('ab', 'abc')"), "false");
  EXPECT_EQ(types_of("STRPOS(name, 'a'), POSITION('a' IN name), STARTS_WITH(name, 'a'), LEFT(name, 1)"),
            "col_1 int32, col_2 int32, col_3 bool, col_4 text");
  EXPECT_EQ(located("SELECT POSITION(1 IN name) FROM input").message, "POSITION needs text, not int32");
}

TEST(TextFunctions, RegularExpressions) {
  EXPECT_EQ(value_of("REGEXP_REPLACE('Hello World', 'o', '0', 'g')"), "Hell0 W0rld");
  EXPECT_EQ(value_of("REGEXP_REPLACE('Hello World', 'O', '0', 'i')"), "Hell0 World");
  EXPECT_EQ(value_of(R"(REGEXP_REPLACE('abc', '(b)', '[\1\&\\]'))"), R"(a[bb\]c)");
  EXPECT_EQ(value_of("REGEXP_REPLACE('héllo', 'h.l', 'X')"), "Xlo");  // '.' is one character
  EXPECT_EQ(value_of("REGEXP_REPLACE('abc', 'x', 'y')"), "abc");
  EXPECT_EQ(value_of("REGEXP_REPLACE('aaa', 'a*', '-', 'g')"), "--");
  EXPECT_EQ(value_of("REGEXP_LIKE('ABC', 'b', 'i')"), "true");
  EXPECT_EQ(value_of("REGEXP_LIKE('ABC', 'b')"), "false");
  EXPECT_EQ(value_of("'abc' ~ 'B'"), "false");
  EXPECT_EQ(value_of("'abc' ~* 'B'"), "true");
  EXPECT_EQ(value_of("'abc' !~ 'B'"), "true");
  EXPECT_EQ(value_of("'abc' !~* 'B'"), "false");
  EXPECT_EQ(value_of("NULL ~ 'a'"), "NULL");
  EXPECT_EQ(value_of("'Köln' ~* '^KÖ'"), "true");
  EXPECT_EQ(eval_column("SELECT name ~ '^[a-z]+$' FROM input"),
            (Strings{"true", "false", "NULL", "false", "false"}));
  EXPECT_EQ(eval_column("SELECT name !~* '^B' FROM input"),
            (Strings{"true", "false", "NULL", "true", "true"}));
  // A pattern per row (not constant) is compiled at run time.
  EXPECT_EQ(over_text("REGEXP_LIKE('abc', s)", {"^a", "^b", std::nullopt, "c$"}),
            (Strings{"true", "false", "NULL", "true"}));
  EXPECT_EQ(over_text("REGEXP_REPLACE(s, '[aeiou]', '', 'g')", {"banana", "", std::nullopt}),
            (Strings{"bnn", "", "NULL"}));
  auto bad = located("SELECT REGEXP_REPLACE(name, 'a(b', 'x') FROM input");
  EXPECT_EQ(bad.offset, 28u);
  EXPECT_EQ(bad.message, "invalid regular expression: parentheses () not balanced");
  EXPECT_EQ(located("SELECT name ~ '[a' FROM input").message,
            "invalid regular expression: brackets [] not balanced");
  auto global = located("SELECT REGEXP_LIKE(name, 'b', 'g') FROM input");
  EXPECT_EQ(global.offset, 30u);
  EXPECT_EQ(global.message, "regexp_like() does not support the \"global\" option");
  EXPECT_EQ(located("SELECT REGEXP_REPLACE(name, 'b', 'x', 'z') FROM input").message,
            "invalid regular expression option: \"z\"");
  EXPECT_EQ(located("SELECT qty ~ 'a' FROM input").message, "~ needs text, not int32");
  EXPECT_EQ(runtime_error_of("SELECT REGEXP_LIKE('x', name) FROM input WHERE id = 2 OR name = 'alice'"),
            "no error");
  Table t = sample_table();
  Strings patterns = over_text("REGEXP_LIKE('x', s)", {"(", "x"});
  EXPECT_EQ(patterns, (Strings{"error: invalid regular expression: parentheses () not balanced in "
                               "'REGEXP_LIKE('x', s)'"}));
  EXPECT_EQ(compile_ok("SELECT name ~* 'a', name !~ 'b' FROM input", t.schema).to_string(),
            "SELECT regexp_like(name, 'a', 'i') AS col_1:bool, (NOT regexp_like(name, 'b')) AS col_2:bool "
            "FROM input");
}

TEST(MathFunctions, RoundingAndSign) {
  EXPECT_EQ(value_of("FLOOR(-2.5)"), "-3");
  EXPECT_EQ(value_of("CEIL(-2.5)"), "-2");
  EXPECT_EQ(value_of("CEILING(2.01)"), "3");
  EXPECT_EQ(value_of("FLOOR(5)"), "5");
  EXPECT_EQ(eval_column("SELECT FLOOR(amount) FROM input"), (Strings{"12", "8", "100", "NULL", "-4"}));
  EXPECT_EQ(eval_column("SELECT CEIL(price) FROM input"), (Strings{"11", "1", "NULL", "100", "-1"}));
  EXPECT_EQ(eval_column("SELECT SIGN(amount) FROM input"), (Strings{"1", "1", "1", "NULL", "-1"}));
  EXPECT_EQ(value_of("SIGN(-2.5)"), "-1");
  EXPECT_EQ(value_of("SIGN(0)"), "0");
  EXPECT_EQ(types_of("FLOOR(qty), FLOOR(price), CEIL(amount), SIGN(price), SIGN(qty)"),
            "col_1 float64, col_2 decimal, col_3 float64, col_4 decimal, col_5 float64");
}

TEST(MathFunctions, PowersAndLogarithms) {
  EXPECT_EQ(value_of("SQRT(16)"), "4");
  EXPECT_EQ(value_of("SQRT(2)"), "1.4142135623730951");
  EXPECT_EQ(value_of("POWER(2, 10)"), "1024");
  EXPECT_EQ(value_of("POW(2, 0.5)"), "1.4142135623730951");
  EXPECT_EQ(value_of("POWER(-8, 3)"), "-512");
  EXPECT_EQ(value_of("LN(1)"), "0");
  EXPECT_EQ(value_of("EXP(0)"), "1");
  EXPECT_EQ(value_of("EXP(1)"), "2.718281828459045");
  EXPECT_EQ(types_of("SQRT(qty), LN(price), EXP(amount), POWER(qty, 2)"),
            "col_1 float64, col_2 float64, col_3 float64, col_4 float64");
  EXPECT_EQ(located("SELECT SQRT(-1) FROM input").message, "cannot take square root of a negative number");
  EXPECT_EQ(located("SELECT LN(0) FROM input").message, "cannot take logarithm of zero");
  EXPECT_EQ(located("SELECT LN(-1) FROM input").message, "cannot take logarithm of a negative number");
  EXPECT_EQ(located("SELECT EXP(1000) FROM input").message, "value out of range: overflow");
  EXPECT_EQ(located("SELECT EXP(-1000) FROM input").message, "value out of range: underflow");
  EXPECT_EQ(located("SELECT POWER(0, -1) FROM input").message,
            "zero raised to a negative power is undefined");
  EXPECT_EQ(located("SELECT POWER(-8, 1.0 / 3) FROM input").message,
            "a negative number raised to a non-integer power yields a complex result");
  EXPECT_EQ(located("SELECT POWER(10, 400) FROM input").message, "value out of range: overflow");
  EXPECT_EQ(runtime_error_of("SELECT SQRT(qty) FROM input"),
            "cannot take square root of a negative number in 'SQRT(qty)'");
  EXPECT_EQ(located("SELECT SQRT(name) FROM input").message, "SQRT needs a number, not text");
}

TEST(MathFunctions, ModGreatestLeastNullif) {
  EXPECT_EQ(value_of("MOD(7, 3)"), "1");
  EXPECT_EQ(value_of("MOD(-7, 3)"), "-1");
  EXPECT_EQ(value_of("MOD(7, -3)"), "1");
  EXPECT_EQ(value_of("MOD(5.5, 2)"), "1.5");
  EXPECT_EQ(value_of("MOD(-9223372036854775807 - 1, -1)"), "0");
  EXPECT_EQ(eval_column("SELECT MOD(qty, 2) FROM input"), (Strings{"1", "0", "1", "NULL", "0"}));
  EXPECT_EQ(located("SELECT MOD(5, 0) FROM input").message, "division by zero");
  EXPECT_EQ(runtime_error_of("SELECT MOD(id, qty) FROM input"), "division by zero in 'MOD(id, qty)'");
  auto mod_float = located("SELECT MOD(amount, 2) FROM input");
  EXPECT_EQ(mod_float.offset, 11u);
  EXPECT_EQ(mod_float.message, "MOD needs an integer or numeric, not float64");
  EXPECT_EQ(types_of("MOD(qty, 2), MOD(id, small), MOD(price, 2)"),
            "col_1 int32, col_2 int64, col_3 decimal");

  EXPECT_EQ(value_of("GREATEST(1, 2.5, NULL)"), "2.5");
  EXPECT_EQ(value_of("LEAST('b', 'a', NULL)"), "a");
  EXPECT_EQ(value_of("GREATEST(NULL, NULL)"), "NULL");
  EXPECT_EQ(eval_column("SELECT GREATEST(qty, 1) FROM input"), (Strings{"3", "1", "7", "1", "1"}));
  EXPECT_EQ(eval_column("SELECT LEAST(qty, amount) FROM input"), (Strings{"3", "0", "7", "NULL", "-3.25"}));
  EXPECT_EQ(eval_column("SELECT GREATEST(name, 'b') FROM input"), (Strings{"b", "b", "b", "élan", "b"}));
  EXPECT_EQ(located("SELECT GREATEST(qty, name) FROM input").message,
            "cannot mix GREATEST argument int32 with text");

  EXPECT_EQ(eval_column("SELECT NULLIF(qty, 0) FROM input"), (Strings{"3", "NULL", "7", "NULL", "-2"}));
  EXPECT_EQ(value_of("NULLIF(1, NULL)"), "1");
  EXPECT_EQ(value_of("NULLIF(NULL, 1)"), "NULL");
  EXPECT_EQ(value_of("NULLIF('a', 'a')"), "NULL");
  EXPECT_EQ(value_of("ABS(-5)"), "5");
}

TEST(MathFunctions, NullRules) {
  auto q = compile_ok("SELECT NULLIF(id, 1), GREATEST(id, qty), LEAST(qty, small), SQRT(id) FROM input",
                      sample_table().schema);
  const Schema& s = q.output_schema();
  EXPECT_TRUE(s.field(0).nullable);   // always: NULLIF can make a NULL
  EXPECT_FALSE(s.field(1).nullable);  // all_null: id is never NULL
  EXPECT_TRUE(s.field(2).nullable);
  EXPECT_FALSE(s.field(3).nullable);
}

TEST(TimeFunctions, DateTrunc) {
  EXPECT_EQ(eval_column("SELECT DATE_TRUNC('month', ts) FROM input"),
            (Strings{"2024-01-01 00:00:00", "1970-01-01 00:00:00", "NULL", "2023-06-01 00:00:00",
                     "1999-12-01 00:00:00"}));
  EXPECT_EQ(eval_column("SELECT DATE_TRUNC('week', day) FROM input"),
            (Strings{"2024-01-15 00:00:00+00:00", "2023-12-25 00:00:00+00:00", "NULL",
                     "1969-12-29 00:00:00+00:00", "2000-02-28 00:00:00+00:00"}));
  const std::vector<Opt> stamps{"2024-05-15 10:31:22.123456", "1969-12-31 23:59:59.5", "2000-12-31 23:59:59",
                                "1900-03-01 12:00:00", std::nullopt};
  auto trunc = [&](const std::string& unit) {
    return over_timestamps("DATE_TRUNC('" + unit + "', s)", stamps);
  };
  EXPECT_EQ(trunc("microseconds"), (Strings{"2024-05-15 10:31:22.123456", "1969-12-31 23:59:59.5",
                                            "2000-12-31 23:59:59", "1900-03-01 12:00:00", "NULL"}));
  EXPECT_EQ(trunc("milliseconds"), (Strings{"2024-05-15 10:31:22.123", "1969-12-31 23:59:59.5",
                                            "2000-12-31 23:59:59", "1900-03-01 12:00:00", "NULL"}));
  EXPECT_EQ(trunc("second"), (Strings{"2024-05-15 10:31:22", "1969-12-31 23:59:59", "2000-12-31 23:59:59",
                                      "1900-03-01 12:00:00", "NULL"}));
  EXPECT_EQ(trunc("minute"), (Strings{"2024-05-15 10:31:00", "1969-12-31 23:59:00", "2000-12-31 23:59:00",
                                      "1900-03-01 12:00:00", "NULL"}));
  EXPECT_EQ(trunc("hour"), (Strings{"2024-05-15 10:00:00", "1969-12-31 23:00:00", "2000-12-31 23:00:00",
                                    "1900-03-01 12:00:00", "NULL"}));
  EXPECT_EQ(trunc("day"), (Strings{"2024-05-15 00:00:00", "1969-12-31 00:00:00", "2000-12-31 00:00:00",
                                   "1900-03-01 00:00:00", "NULL"}));
  EXPECT_EQ(trunc("week"), (Strings{"2024-05-13 00:00:00", "1969-12-29 00:00:00", "2000-12-25 00:00:00",
                                    "1900-02-26 00:00:00", "NULL"}));
  EXPECT_EQ(trunc("quarter"), (Strings{"2024-04-01 00:00:00", "1969-10-01 00:00:00", "2000-10-01 00:00:00",
                                       "1900-01-01 00:00:00", "NULL"}));
  EXPECT_EQ(trunc("Year"), (Strings{"2024-01-01 00:00:00", "1969-01-01 00:00:00", "2000-01-01 00:00:00",
                                    "1900-01-01 00:00:00", "NULL"}));
  EXPECT_EQ(trunc("decade"), (Strings{"2020-01-01 00:00:00", "1960-01-01 00:00:00", "2000-01-01 00:00:00",
                                      "1900-01-01 00:00:00", "NULL"}));
  EXPECT_EQ(trunc("century"), (Strings{"2001-01-01 00:00:00", "1901-01-01 00:00:00", "1901-01-01 00:00:00",
                                       "1801-01-01 00:00:00", "NULL"}));
  EXPECT_EQ(trunc("millennium"), (Strings{"2001-01-01 00:00:00", "1001-01-01 00:00:00", "1001-01-01 00:00:00",
                                          "1001-01-01 00:00:00", "NULL"}));
  EXPECT_EQ(trunc("hours"), trunc("hour"));
  EXPECT_EQ(
      types_of("DATE_TRUNC('day', ts), DATE_TRUNC('day', day), DATE_TRUNC('day', CAST(ts AS timestamptz))"),
      "col_1 timestamp, col_2 timestamptz, col_3 timestamptz");
  auto bad = located("SELECT DATE_TRUNC('fortnight', ts) FROM input");
  EXPECT_EQ(bad.offset, 18u);
  EXPECT_EQ(bad.message, "unit \"fortnight\" not recognized for type timestamp");
  EXPECT_EQ(located("SELECT DATE_TRUNC('dow', ts) FROM input").message,
            "unit \"dow\" not recognized for type timestamp");
  EXPECT_EQ(located("SELECT DATE_TRUNC('day', name) FROM input").message,
            "DATE_TRUNC needs a date or timestamp, not text");
  EXPECT_EQ(runtime_error_of("SELECT DATE_TRUNC(name, ts) FROM input"),
            "unit \"alice\" not recognized for type timestamp in 'DATE_TRUNC(name, ts)'");
}

TEST(TimeFunctions, Extract) {
  EXPECT_EQ(eval_column("SELECT EXTRACT(YEAR FROM ts) FROM input"),
            (Strings{"2024", "1970", "NULL", "2023", "1999"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(MONTH FROM ts) FROM input"), (Strings{"1", "1", "NULL", "6", "12"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(DAY FROM day) FROM input"), (Strings{"15", "31", "NULL", "1", "29"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(HOUR FROM ts) FROM input"), (Strings{"10", "0", "NULL", "0", "23"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(MINUTE FROM ts) FROM input"),
            (Strings{"30", "0", "NULL", "0", "59"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(SECOND FROM ts) FROM input"),
            (Strings{"0.000000", "1.500000", "NULL", "0.000000", "59.000000"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(MILLISECONDS FROM ts) FROM input"),
            (Strings{"0.000", "1500.000", "NULL", "0.000", "59000.000"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(EPOCH FROM ts) FROM input"),
            (Strings{"1705314600.000000", "1.500000", "NULL", "1685577600.000000", "946684799.000000"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(EPOCH FROM day) FROM input"),
            (Strings{"1705276800", "1703980800", "NULL", "0", "951782400"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(DOW FROM day) FROM input"), (Strings{"1", "0", "NULL", "4", "2"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(ISODOW FROM day) FROM input"), (Strings{"1", "7", "NULL", "4", "2"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(DOY FROM day) FROM input"),
            (Strings{"15", "365", "NULL", "1", "60"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(WEEK FROM day) FROM input"), (Strings{"3", "52", "NULL", "1", "9"}));
  EXPECT_EQ(eval_column("SELECT EXTRACT(QUARTER FROM day) FROM input"),
            (Strings{"1", "4", "NULL", "1", "1"}));
  const std::vector<Opt> stamps{"1969-12-31 23:59:59.5", "2021-01-01 00:00:00", "2000-12-31 12:00:00",
                                "1900-03-01 00:00:00", std::nullopt};
  auto extract = [&](const std::string& field) {
    return over_timestamps("EXTRACT(" + field + " FROM s)", stamps);
  };
  EXPECT_EQ(extract("EPOCH"),
            (Strings{"-0.500000", "1609459200.000000", "978264000.000000", "-2203891200.000000", "NULL"}));
  EXPECT_EQ(extract("SECOND"), (Strings{"59.500000", "0.000000", "0.000000", "0.000000", "NULL"}));
  EXPECT_EQ(extract("MICROSECONDS"), (Strings{"59500000", "0", "0", "0", "NULL"}));
  EXPECT_EQ(extract("DOW"), (Strings{"3", "5", "0", "4", "NULL"}));
  EXPECT_EQ(extract("DOY"), (Strings{"365", "1", "366", "60", "NULL"}));
  EXPECT_EQ(extract("WEEK"), (Strings{"1", "53", "52", "9", "NULL"}));
  EXPECT_EQ(extract("ISOYEAR"), (Strings{"1970", "2020", "2000", "1900", "NULL"}));
  EXPECT_EQ(extract("DECADE"), (Strings{"196", "202", "200", "190", "NULL"}));
  EXPECT_EQ(extract("CENTURY"), (Strings{"20", "21", "20", "19", "NULL"}));
  EXPECT_EQ(extract("MILLENNIUM"), (Strings{"2", "3", "2", "2", "NULL"}));
  EXPECT_EQ(types_of("EXTRACT(YEAR FROM ts), EXTRACT(SECOND FROM ts), EXTRACT(EPOCH FROM day)"),
            "col_1 decimal, col_2 decimal, col_3 decimal");
  EXPECT_EQ(compile_ok("SELECT EXTRACT(Year FROM ts) FROM input", sample_table().schema).to_string(),
            "SELECT extract('year', ts) AS col_1:decimal FROM input");
  auto hour = located("SELECT EXTRACT(HOUR FROM day) FROM input");
  EXPECT_EQ(hour.offset, 15u);
  EXPECT_EQ(hour.message, "unit \"hour\" not supported for type date");
  EXPECT_EQ(located("SELECT EXTRACT(FORTNIGHT FROM ts) FROM input").message,
            "unit \"fortnight\" not recognized for type timestamp");
}

TEST(TimeFunctions, DatePart) {
  EXPECT_EQ(eval_column("SELECT DATE_PART('second', ts) FROM input"),
            (Strings{"0", "1.5", "NULL", "0", "59"}));
  EXPECT_EQ(eval_column("SELECT DATE_PART('epoch', ts) FROM input"),
            (Strings{"1705314600", "1.5", "NULL", "1685577600", "946684799"}));
  EXPECT_EQ(eval_column("SELECT DATE_PART('hour', day) FROM input"), (Strings{"0", "0", "NULL", "0", "0"}));
  EXPECT_EQ(eval_column("SELECT DATE_PART('year', day) FROM input"),
            (Strings{"2024", "2023", "NULL", "1970", "2000"}));
  EXPECT_EQ(eval_column("SELECT DATE_PART('milliseconds', ts) FROM input"),
            (Strings{"0", "1500", "NULL", "0", "59000"}));
  EXPECT_EQ(types_of("DATE_PART('day', ts)"), "col_1 float64");
  EXPECT_EQ(located("SELECT DATE_PART('fortnight', day) FROM input").message,
            "unit \"fortnight\" not recognized for type timestamp");
}

TEST(TimeFunctions, NowIsOneValueForTheRun) {
  EXPECT_EQ(value_of("NOW() = CURRENT_TIMESTAMP"), "true");
  EXPECT_EQ(types_of("NOW(), current_timestamp"), "col_1 timestamptz, col_2 timestamptz");
  EXPECT_EQ(value_of("NOW() > CAST('2024-01-01' AS timestamptz)"), "true");
  auto first = compile_ok("SELECT NOW() FROM input", sample_table().schema).to_string();
  EXPECT_EQ(compile_ok("SELECT NOW() FROM input", sample_table().schema).to_string(), first);
  EXPECT_EQ(located("SELECT NOW(1) FROM input").message, "NOW expects 0 arguments, got 1");
}

TEST(FunctionTable, NewNamesAreSuggested) {
  EXPECT_EQ(first_error_message("SELECT regexp_replce(name, 'a', 'b') FROM input"),
            "unknown function 'regexp_replce'; did you mean 'REGEXP_REPLACE'?");
  EXPECT_EQ(first_error_message("SELECT datetrunc('day', ts) FROM input"),
            "unknown function 'datetrunc'; did you mean 'DATE_TRUNC'?");
  EXPECT_EQ(first_error_message("SELECT splitpart(name, ',', 1) FROM input"),
            "unknown function 'splitpart'; did you mean 'SPLIT_PART'?");
}

}  // namespace
}  // namespace rbc::sql_test
