// The sql transform's scalar functions give what PostgreSQL 15 gives: each expression
// below is evaluated over one small table by a real `rbc exec` (CSV -> sql -> CSV) and by
// the test server (as `(expression)::text`), and every value must read the same. The
// only normalisation is the UTC offset's spelling (rbc prints +00:00, PostgreSQL +00).
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/postgres/pg_test_util.h"

namespace rbc {
namespace {

using namespace rbc::pgtest;
namespace fs = std::filesystem;

// id, s text, n int32, x float8, p numeric(10,2), d date, t timestamp; row 3 is all NULL.
const char* const kColumns = "id bigint, s text, n int, x float8, p numeric(10,2), d date, t timestamp";
const char* const kCsv =
    "id,s,n,x,p,d,t\n"
    "1,Köln,3,12.5,10.50,2024-01-15,2024-01-15 10:30:00\n"
    "2,\"  padded  \",-7,-3.25,-1.25,1969-12-31,1969-12-31 23:59:59.5\n"
    "3,,,,,,\n"
    "4,\"\",0,0,0.00,2000-02-29,2000-02-29 12:34:56.789\n"
    "5,\"a,b,,c\",2,100,100.00,1900-03-01,1900-03-01 00:00:00\n"
    "6,ÆØÅ σς İı straße,12,2.25,0.99,2021-01-01,2021-01-01 00:00:00\n"
    "7,Hello World 42,-1,0.001,-0.50,2023-12-31,2023-12-31 23:59:59.999999\n";
const char* const kRows =
    "(1, 'Köln', 3, 12.5, 10.50, '2024-01-15', '2024-01-15 10:30:00'),"
    "(2, '  padded  ', -7, -3.25, -1.25, '1969-12-31', '1969-12-31 23:59:59.5'),"
    "(3, NULL, NULL, NULL, NULL, NULL, NULL),"
    "(4, '', 0, 0, 0.00, '2000-02-29', '2000-02-29 12:34:56.789'),"
    "(5, 'a,b,,c', 2, 100, 100.00, '1900-03-01', '1900-03-01 00:00:00'),"
    "(6, 'ÆØÅ σς İı straße', 12, 2.25, 0.99, '2021-01-01', '2021-01-01 00:00:00'),"
    "(7, 'Hello World 42', -1, 0.001, -0.50, '2023-12-31', '2023-12-31 23:59:59.999999')";

const std::vector<std::string> kExpressions = {
    // text
    "upper(s)",
    "lower(s)",
    "initcap(s)",
    "length(s)",
    "trim(s)",
    "ltrim(s)",
    "rtrim(s)",
    "btrim(s, 'K ')",
    "trim(both ' ' from s)",
    "trim(leading ' ' from s)",
    "trim(trailing ' ' from s)",
    "trim('Köa' from s)",
    "replace(s, 'l', 'L')",
    "replace(s, '', 'x')",
    "left(s, 2)",
    "left(s, -2)",
    "right(s, 3)",
    "right(s, -3)",
    "left(s, n)",
    "right(s, n)",
    "lpad(s, 8, 'é*')",
    "rpad(s, 8)",
    "lpad(s, n)",
    "rpad(s, n, 'xy')",
    "lpad(s, 3, '')",
    "split_part(s, ',', 2)",
    "split_part(s, ',', -1)",
    "split_part(s, ' ', 1)",
    "split_part(s, ',', mod(n, 3) + 3)",
    "split_part(s, ' ', -mod(abs(n), 2) - 1)",
    "strpos(s, 'l')",
    "position('o' in s)",
    "starts_with(s, 'K')",
    "regexp_replace(s, '[aeiouö]', '_', 'g')",
    "regexp_replace(s, 'L', '#', 'i')",
    "regexp_replace(s, '(\\w+) (\\w+)', '\\2 \\1')",
    "regexp_like(s, '^[A-Z]')",
    "regexp_like(s, 'k', 'i')",
    "s ~ 'o'",
    "s ~* 'k'",
    "s !~ '^ '",
    "s !~* 'h'",
    // numbers
    "floor(x)",
    "ceil(x)",
    "ceiling(p)",
    "floor(p)",
    "sign(x)",
    "sign(p)",
    "sign(n)",
    "sqrt(abs(x))",
    "ln(abs(x) + 1)",
    "exp(n)",
    "power(x, 2)",
    "pow(n, 2)",
    "mod(n, 3)",
    "mod(p, 2)",
    "greatest(n, 1, NULL)",
    "least(x, 0)",
    "greatest(s, 'M')",
    "least(d, '2000-01-01')",
    "nullif(n, 0)",
    "nullif(s, '')",
    "abs(n)",
    "abs(p)",
    // dates and times
    "date_trunc('month', t)",
    "date_trunc('week', t)",
    "date_trunc('quarter', t)",
    "date_trunc('hour', t)",
    "date_trunc('millennium', t)",
    "date_trunc('milliseconds', t)",
    "date_trunc('decade', t)",
    "date_trunc('day', d)",
    "date_trunc('year', d)",
    "extract(year from t)",
    "extract(month from d)",
    "extract(day from t)",
    "extract(hour from t)",
    "extract(minute from t)",
    "extract(second from t)",
    "extract(dow from d)",
    "extract(doy from t)",
    "extract(week from d)",
    "extract(quarter from t)",
    "extract(epoch from t)",
    "extract(epoch from d)",
    "extract(milliseconds from t)",
    "extract(microseconds from t)",
    "extract(isoyear from d)",
    "extract(century from t)",
    "extract(decade from d)",
    "extract(isodow from t)",
    "date_part('second', t)",
    "date_part('epoch', t)",
    "date_part('dow', d)",
    "date_part('year', d)",
    "date_part('milliseconds', t)",
};

// The rbc binary: $RBC, else build/rbc beside this test's folder.
std::string rbc_binary() {
  if (const char* path = env_or_null("RBC")) return path;
  return (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "rbc").string();
}

// One CSV record per line, RFC 4180 quoting; an unquoted empty field is NULL.
std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = was_quoted = true;
    } else if (c == ',' || c == '\n') {
      row.push_back(field.empty() && !was_quoted ? "<NULL>" : field);
      field.clear();
      was_quoted = false;
      if (c == '\n') rows.push_back(std::move(row)), row.clear();
    } else {
      field += c;
    }
  }
  return rows;
}

std::string utc_offset_as_rbc(std::string value) {
  if (value.size() > 3 && value.compare(value.size() - 3, 3, "+00") == 0) value += ":00";
  return value;
}

TEST(SqlFunctionsAgainstPostgres, EveryValueMatches) {
  RBC_REQUIRE_PG();
  const std::string table = "rbc_sql_functions_" + std::to_string(getpid());
  Sql sql(src_url());
  sql.exec("SET TimeZone = 'UTC'");
  sql.exec("DROP TABLE IF EXISTS " + table);
  sql.exec("CREATE TABLE " + table + " (" + kColumns + ")");
  sql.exec("INSERT INTO " + table + " VALUES " + kRows);

  std::string select = "SELECT id";
  std::string pg_select = "SELECT id::text";
  for (size_t i = 0; i < kExpressions.size(); ++i) {
    select += ",\n    " + kExpressions[i] + " AS e" + std::to_string(i);
    pg_select += ", (" + kExpressions[i] + ")::text";
  }
  auto expected = sql.rows(pg_select + " FROM " + table + " ORDER BY id");
  sql.exec("DROP TABLE " + table);

  const fs::path work = fs::temp_directory_path() / table;
  fs::remove_all(work);
  fs::create_directories(work / "in");
  fs::create_directories(work / "out");
  std::ofstream(work / "in" / "t.csv") << kCsv;
  std::string query;
  for (char c : select + "\n    FROM input")
    query += c == '\n' ? std::string("\n        ") : std::string(1, c);
  std::ofstream(work / "p.yaml")
      << "version: \"1.0\"\n"
         "pipeline: sql_functions\n"
         "source:\n"
         "  use: file\n"
         "  config: {path: "
      << (work / "in").string()
      << "/}\n"
         "  streams:\n"
         "    - name: t\n"
         "      columns: [{name: id, type: int64}, {name: s, type: text},\n"
         "                {name: n, type: int32}, {name: x, type: float64},\n"
         "                {name: p, type: \"decimal(10,2)\"}, {name: d, type: date},\n"
         "                {name: t, type: timestamp}]\n"
         "transforms:\n"
         "  - use: sql\n"
         "    config:\n"
         "      query: |\n"
         "        "
      << query
      << "\n"
         "destination:\n"
         "  use: file\n"
         "  config: {path: "
      << (work / "out").string() << "/}\n";
  const std::string command =
      rbc_binary() + " exec " + (work / "p.yaml").string() + " > " + (work / "log").string() + " 2>&1";
  int code = std::system(command.c_str());
  std::ifstream log(work / "log");
  std::stringstream log_text;
  log_text << log.rdbuf();
  ASSERT_EQ(code, 0) << command << "\n" << log_text.str();
  std::ifstream out(work / "out" / "t.csv");
  std::stringstream csv;
  csv << out.rdbuf();
  auto actual = read_csv(csv.str());
  fs::remove_all(work);

  ASSERT_EQ(actual.size(), expected.size() + 1) << csv.str();  // + the header
  for (size_t r = 0; r < expected.size(); ++r) {
    const auto& row = actual[r + 1];
    ASSERT_EQ(row.size(), kExpressions.size() + 1);
    ASSERT_EQ(row[0], expected[r][0]);
    for (size_t e = 0; e < kExpressions.size(); ++e) {
      EXPECT_EQ(row[e + 1], utc_offset_as_rbc(expected[r][e + 1]))
          << kExpressions[e] << " on row id " << expected[r][0];
    }
  }
}

}  // namespace
}  // namespace rbc
