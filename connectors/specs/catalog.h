// What the compiler may ask a source's catalog: does a stream's table exist, which
// columns it has (with the rbc types a read yields) and its primary key. The interface
// has no I/O of its own, so the compiler can use it without linking libpq; the driver
// hands in the PostgreSQL implementation (connectors/postgres/pg_catalog.h) when a
// compilation may consult the database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph/pipeline_model.h"
#include "graph/status.h"
#include "graph/types.h"

namespace rbc {

struct CatalogColumn {
  std::string name;
  DataType type;         // the rbc type a read of this column yields
  std::string type_sql;  // as the database spells it: "numeric(12,2)", "text"
  bool nullable = true;
  bool integer = false;  // an integer type: usable as a partition key
};

struct CatalogTable {
  std::string name;                      // schema-qualified: "public.orders"
  std::vector<CatalogColumn> columns;    // in table order
  std::vector<std::string> primary_key;  // in key order; empty when none
  int64_t row_estimate = -1;             // -1 when unknown

  const CatalogColumn* column(std::string_view name) const;
  std::vector<std::string> column_names() const;
  // The column a partitioned read uses when the stream names none: the single-column
  // integer primary key, or nullptr.
  const CatalogColumn* default_partition_key() const;
};

struct CatalogLookup {
  std::string table;                  // the table the stream reads, as resolved: "public.orders"
  std::string database;               // where it was looked up, password-free: "rbc@127.0.0.1:5432/db"
  std::optional<CatalogTable> found;  // std::nullopt when the table does not exist
  std::vector<std::string> others;    // the schema's tables, for "did you mean" when not found
};

class SourceCatalog {
 public:
  virtual ~SourceCatalog() = default;
  // Looks up the table that `stream` of `source` reads. An error means the catalog could
  // not be consulted (unreachable, wrong password); its message is one redacted line.
  virtual Result<CatalogLookup> describe(const ConnectorRef& source, const std::string& stream) = 0;
};

}  // namespace rbc
