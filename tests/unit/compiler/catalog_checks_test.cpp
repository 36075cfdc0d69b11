// validate's catalog-backed checks, with an in-memory SourceCatalog (no database): the
// table, columns, keys, the default partition key, sql types, and an unreachable catalog.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>

#include "compiler/compile.h"
#include "connectors/specs/catalog.h"

namespace rbc {
namespace {

class FakeCatalog final : public SourceCatalog {
 public:
  Result<CatalogLookup> describe(const ConnectorRef& /*source*/, const std::string& stream) override {
    ++calls;
    if (!reachable) return Status::io_error("postgres: cannot connect to u@h:1/db: refused");
    CatalogLookup lookup;
    lookup.table = "public." + stream;
    lookup.database = "u@h:1/db";
    auto it = tables.find(stream);
    if (it != tables.end()) lookup.found = it->second;
    for (const auto& [name, table] : tables) lookup.others.push_back("public." + name);
    return lookup;
  }

  std::map<std::string, CatalogTable> tables;
  bool reachable = true;
  int calls = 0;
};

CatalogColumn column(std::string name, TypeId type, std::string type_sql) {
  bool integer = type == TypeId::int16 || type == TypeId::int32 || type == TypeId::int64;
  return {std::move(name), DataType{type}, std::move(type_sql), true, integer};
}

FakeCatalog orders_catalog() {
  FakeCatalog catalog;
  CatalogTable orders;
  orders.name = "public.orders";
  orders.columns = {column("id", TypeId::int64, "bigint"), column("note", TypeId::text, "text"),
                    column("amount", TypeId::float64, "double precision")};
  orders.primary_key = {"id"};
  catalog.tables["orders"] = orders;
  CatalogTable logs = orders;
  logs.name = "public.logs";
  logs.primary_key = {"note"};
  catalog.tables["logs"] = logs;
  return catalog;
}

class CatalogChecks : public ::testing::Test {
 protected:
  Compilation compile(const std::string& streams, const std::string& extra = "") {
    path_ = ::testing::TempDir() + "catalog_checks_" + std::to_string(getpid()) + ".yaml";
    std::ofstream(path_) << "version: \"1.0\"\npipeline: p\nsource:\n  use: postgres\n  config: {url: "
                            "\"postgresql://u@h:1/db\"}\n  streams:\n"
                         << streams << extra
                         << "destination:\n  use: postgres\n  config: {url: \"postgresql://u@h:1/dst\"}\n";
    CompileRequest request;
    request.path = path_;
    request.options.available_cores = 4;
    request.options.catalog = &catalog_;
    return compile_pipeline(request);
  }
  void TearDown() override { std::remove(path_.c_str()); }

  static std::string messages(const Compilation& c) {
    std::string out;
    for (const auto& d : c.diagnostics.diagnostics()) out += d.message + "\n";
    return out;
  }

  FakeCatalog catalog_ = orders_catalog();
  std::string path_;
};

TEST_F(CatalogChecks, DefaultPartitionKeyIsTheIntegerPrimaryKey) {
  Compilation c = compile("    - name: orders\n");
  ASSERT_TRUE(c.plan) << messages(c);
  const SourceNode& source = c.plan->graph.node(0).source();
  EXPECT_EQ(source.stream.partition_key.value, "id");
  EXPECT_FALSE(source.stream.partition_key.present);
  const auto& remarks = c.plan->graph.node(0).remarks;
  EXPECT_NE(std::find(remarks.begin(), remarks.end(),
                      "partition key 'id': the integer primary key of public.orders (from the catalog)"),
            remarks.end());
}

TEST_F(CatalogChecks, KeysAndColumnsMustExist) {
  Compilation c = compile(
      "    - name: orders\n      partition_key: note\n      columns: [id, amout]\n"
      "    - name: order\n");
  EXPECT_EQ(messages(c),
            "column 'amout' does not exist in public.orders\n"
            "partition_key 'note' of public.orders is text, not an integer\n"
            "table public.order does not exist in u@h:1/db\n");
  EXPECT_EQ(c.diagnostics.diagnostics()[2].hint, "did you mean 'public.orders'?");
}

TEST_F(CatalogChecks, EligibleStreamWithoutIntegerKey) {
  Compilation c = compile("    - name: logs\n");
  EXPECT_EQ(messages(c),
            "partition-eligible stream 'logs' has no partition_key, and public.logs has no single-column "
            "integer primary key\n");
  // One reader needs no key; an incremental stream is not eligible.
  EXPECT_TRUE(compile("    - name: logs\n", "resources: {parallelism: 1}\n").plan);
  EXPECT_TRUE(compile("    - name: logs\n      sync_mode: incremental\n      cursor_field: id\n").plan);
}

TEST_F(CatalogChecks, SqlIsTypeCheckedAgainstTheTable) {
  Compilation c =
      compile("    - name: orders\n",
              "transforms:\n  - use: sql\n    config: {query: \"SELECT UPPER(amount) AS a FROM input\"}\n");
  EXPECT_EQ(messages(c), "in sql query: UPPER needs text, not float64\n");
  EXPECT_TRUE(
      compile("    - name: orders\n",
              "transforms:\n  - use: sql\n    config: {query: \"SELECT UPPER(note) AS a FROM input\"}\n")
          .plan);
}

TEST_F(CatalogChecks, UnreachableCatalogOnlyAddsOneNote) {
  catalog_.reachable = false;
  Compilation c = compile("    - name: orders\n      partition_key: note\n    - name: logs\n");
  ASSERT_TRUE(c.plan) << messages(c);
  EXPECT_EQ(c.notes, std::vector<std::string>{
                         "catalog checks skipped: postgres: cannot connect to u@h:1/db: refused"});
}

}  // namespace
}  // namespace rbc
