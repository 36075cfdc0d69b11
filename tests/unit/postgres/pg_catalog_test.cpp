// The compile-time catalog over libpq (make_postgres_catalog) and connect-timeout capping.
#include "connectors/postgres/pg_catalog.h"

#include <gtest/gtest.h>

#include "tests/unit/postgres/pg_test_util.h"

namespace rbc::pg {
namespace {

std::string keyword(const ConnParams& params, const std::string& key) {
  for (const auto& [k, v] : params.keywords) {
    if (k == key) return v;
  }
  return "";
}

TEST(PgCatalog, ConnectTimeoutIsCapped) {
  Config config;
  config.values["url"] = "host=h dbname=d connect_timeout=30";
  auto params = conn_params_from_config(config);
  ASSERT_TRUE(params.is_ok());
  limit_connect_timeout(*params, 2);
  EXPECT_EQ(keyword(*params, "connect_timeout"), "2");
  config.values["url"] = "host=h dbname=d connect_timeout=1";
  params = conn_params_from_config(config);
  limit_connect_timeout(*params, 2);
  EXPECT_EQ(keyword(*params, "connect_timeout"), "1");
  config.values["url"] = "host=h dbname=d connect_timeout=0";  // 0 waits forever
  params = conn_params_from_config(config);
  limit_connect_timeout(*params, 2);
  EXPECT_EQ(keyword(*params, "connect_timeout"), "2");
}

TEST(PgCatalog, DescribesTablesForTheCompiler) {
  RBC_REQUIRE_PG();
  std::string table = "rbc_catalog_" + std::to_string(getpid());
  pgtest::Sql sql(pgtest::src_url(), {"TBL", table});
  sql.exec("DROP TABLE IF EXISTS TBL");
  sql.exec("CREATE TABLE TBL (id int PRIMARY KEY, name text NOT NULL, amount numeric(8,2))");

  auto catalog = make_postgres_catalog(2);
  ConnectorRef source;
  source.use.value = "postgres";
  source.config = pgtest::url_config(pgtest::src_url());
  auto lookup = catalog->describe(source, table);
  ASSERT_TRUE(lookup.is_ok()) << lookup.status().message();
  EXPECT_EQ(lookup->table, "public." + table);
  ASSERT_TRUE(lookup->found);
  const CatalogTable& t = *lookup->found;
  ASSERT_EQ(t.columns.size(), 3u);
  EXPECT_TRUE(t.columns[0].integer);
  EXPECT_FALSE(t.columns[0].nullable);
  EXPECT_EQ(t.columns[2].type, (DataType{TypeId::decimal, 8, 2}));
  EXPECT_EQ(t.columns[2].type_sql, "numeric(8,2)");
  ASSERT_NE(t.default_partition_key(), nullptr);
  EXPECT_EQ(t.default_partition_key()->name, "id");

  auto missing = catalog->describe(source, table + "_nope");
  ASSERT_TRUE(missing.is_ok());
  EXPECT_FALSE(missing->found);
  EXPECT_NE(std::find(missing->others.begin(), missing->others.end(), "public." + table),
            missing->others.end());
  sql.exec("DROP TABLE TBL");

  // An unreachable server is an error (not a missing table), and is tried only once.
  ConnectorRef down = source;
  down.config = pgtest::url_config("postgresql://rbc:pw@127.0.0.1:1/rbc_src");
  auto first = catalog->describe(down, "x");
  ASSERT_FALSE(first.is_ok());
  EXPECT_NE(first.status().message().find("cannot connect"), std::string::npos);
  EXPECT_EQ(catalog->describe(down, "y").status().message(), first.status().message());
}

// Key columns in key order, not column order; a primary key's INCLUDE columns are not
// part of it; a table without columns has none.
TEST(PgCatalog, DescribesPrimaryKeysInKeyOrderWithoutIncludedColumns) {
  RBC_REQUIRE_PG();
  std::string table = "rbc_catalog_keys_" + std::to_string(getpid());
  pgtest::Sql sql(pgtest::src_url(), {"TBL", table});
  sql.exec("DROP TABLE IF EXISTS TBL, TBL_inc, TBL_none");
  sql.exec("CREATE TABLE TBL (a int, b text, c int, PRIMARY KEY (c, a))");
  sql.exec("CREATE TABLE TBL_inc (id bigint, x int, PRIMARY KEY (id) INCLUDE (x))");
  sql.exec("CREATE TABLE TBL_none ()");
  auto conn = PgConn::connect(*conn_params_from_config(pgtest::url_config(pgtest::src_url())));
  ASSERT_TRUE(conn.is_ok()) << conn.status().message();
  auto composite = describe_table(*conn, {"public", table});
  ASSERT_TRUE(composite.is_ok() && composite->has_value());
  EXPECT_EQ((*composite)->primary_key, (std::vector<std::string>{"c", "a"}));
  EXPECT_EQ((*composite)->columns.size(), 3u);
  auto included = describe_table(*conn, {"public", table + "_inc"});
  ASSERT_TRUE(included.is_ok() && included->has_value());
  EXPECT_EQ((*included)->primary_key, (std::vector<std::string>{"id"}));
  EXPECT_EQ((*included)->columns.size(), 2u);
  auto none = describe_table(*conn, {"public", table + "_none"});
  ASSERT_TRUE(none.is_ok() && none->has_value());
  EXPECT_TRUE((*none)->columns.empty());
  EXPECT_TRUE((*none)->primary_key.empty());
  auto missing = describe_table(*conn, {"public", table + "_nope"});
  ASSERT_TRUE(missing.is_ok());
  EXPECT_FALSE(missing->has_value());
  sql.exec("DROP TABLE TBL, TBL_inc, TBL_none");
}

}  // namespace
}  // namespace rbc::pg
