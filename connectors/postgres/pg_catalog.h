// Catalog discovery (tables, columns, primary keys, row estimates) and the mapping
// between PostgreSQL types and rbc DataTypes, including how each column travels in
// binary COPY.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/postgres/pg_connection.h"
#include "connectors/specs/catalog.h"
#include "graph/types.h"

namespace rbc::pg {

// Well-known type OIDs (pg_type.dat; stable across releases).
namespace oid {
inline constexpr uint32_t kBool = 16, kBytea = 17, kName = 19, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25,
                          kJson = 114, kFloat4 = 700, kFloat8 = 701, kBpchar = 1042, kVarchar = 1043,
                          kDate = 1082, kTimestamp = 1114, kTimestamptz = 1184, kNumeric = 1700, kUuid = 2950,
                          kJsonb = 3802;
}  // namespace oid

// The binary COPY representation of a column. `as_text` columns are selected with a
// `::text` cast (reading) or staged as text and cast on insert (writing).
enum class WireKind : uint8_t {
  boolean,
  int2,
  int4,
  int8,
  float4,
  float8,
  numeric,
  text,
  bytea,
  date,
  timestamp,
  timestamptz,
  uuid,
  json,
  jsonb,
  as_text,
  skip,  // encoding only: a stream column the destination does not have (schema_evolution: ignore)
};

struct PgColumn {
  std::string name;
  uint32_t type_oid = 0;
  int32_t typmod = -1;
  std::string type_sql;  // format_type(): "numeric(12,2)", "integer[]", ...
  bool nullable = true;
  bool generated = false;  // GENERATED ALWAYS AS (...) STORED: readable, never written
  DataType type;           // the rbc type it maps to
  WireKind wire = WireKind::as_text;
};

struct PgTable {
  TableRef ref;
  std::vector<PgColumn> columns;
  std::vector<std::string> primary_key;  // in key order; empty when none
  int64_t row_estimate = -1;             // pg_class.reltuples; -1 when never analyzed

  const PgColumn* column(std::string_view name) const;
};

struct PgTableSummary {
  TableRef ref;
  int64_t row_estimate = -1;
};

// Maps a PostgreSQL column type to rbc. int2/4/8, float4/8, bool, bytea, date, timestamp,
// timestamptz, uuid map natively; text/varchar/name → text; char(n) → text without
// its insignificant padding (read through ::text); json/jsonb → json;
// numeric(p,s) with 0 <= s <= p <= 38 → decimal(p,s). Unconstrained numeric (any scale) and
// numeric wider than 38 digits, interval, arrays, enums, domains and every other type → text,
// read through a `::text` cast so nothing is lost.
void map_pg_type(PgColumn& column);

// The PostgreSQL type used when rbc creates a column of `type` (jsonb for json).
std::string pg_type_sql(const DataType& type);

// Ordinary, partitioned, foreign tables, views and materialized views of `schema`.
Result<std::vector<PgTableSummary>> list_tables(PgConn& conn, const std::string& schema);
// The table's columns, primary key and estimate; std::nullopt when it does not exist.
Result<std::optional<PgTable>> describe_table(PgConn& conn, const TableRef& table);

// Ok when `table` has a unique index that INSERT ... ON CONFLICT (key) can use (unique,
// immediate, valid, on exactly the key's columns, no predicate or expression); else an
// error saying what to create. `what` opens it: "upsert into ".
Status check_unique_key(PgConn& conn, const TableRef& table, const std::vector<std::string>& key,
                        std::string_view what);

// The table a source stream reads: the config's `table`, else the stream name, in the
// config's schema unless the name carries one.
TableRef source_table(const Config& config, const ConnParams& params, const std::string& stream);

// The compiler's view of a table: rbc types, integer-ness, primary key.
CatalogTable to_catalog_table(const PgTable& table);

// Lowers the connection's connect_timeout to at most `seconds`, so that a probe of an
// unreachable server (rbc check, rbc discover, catalog checks) fails fast.
void limit_connect_timeout(ConnParams& params, int seconds);

// A SourceCatalog over libpq for `rbc compile --catalog`, `rbc exec` and `rbc check`: one
// connection per distinct source config, opened on first use with a connect_timeout of
// at most `connect_timeout_seconds`. A failed connection is remembered, so an unreachable
// server costs one timeout, not one per stream. With `keep_for_run`, its connections are
// kept there, idle, when it is destroyed, for the run that follows (rbc exec).
std::unique_ptr<SourceCatalog> make_postgres_catalog(int connect_timeout_seconds,
                                                     IdleConnections* keep_for_run = nullptr);

}  // namespace rbc::pg
