// Catalog queries and the PostgreSQL ↔ rbc type mapping.
#include "connectors/postgres/pg_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "graph/utf8.h"

namespace rbc::pg {

const PgColumn* PgTable::column(std::string_view name) const {
  for (const auto& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void map_pg_type(PgColumn& c) {
  auto set = [&](TypeId id, WireKind wire) {
    c.type = DataType{id};
    c.wire = wire;
  };
  switch (c.type_oid) {
    case oid::kBool: return set(TypeId::boolean, WireKind::boolean);
    case oid::kInt2: return set(TypeId::int16, WireKind::int2);
    case oid::kInt4: return set(TypeId::int32, WireKind::int4);
    case oid::kInt8: return set(TypeId::int64, WireKind::int8);
    case oid::kFloat4: return set(TypeId::float32, WireKind::float4);
    case oid::kFloat8: return set(TypeId::float64, WireKind::float8);
    case oid::kText:
    case oid::kVarchar:
    case oid::kName: return set(TypeId::text, WireKind::text);
    // char(n) pads with spaces that PostgreSQL itself treats as insignificant; the ::text
    // cast drops them, so a text destination does not inherit them.
    case oid::kBpchar: return set(TypeId::text, WireKind::as_text);
    case oid::kBytea: return set(TypeId::bytes, WireKind::bytea);
    case oid::kDate: return set(TypeId::date, WireKind::date);
    case oid::kTimestamp: return set(TypeId::timestamp, WireKind::timestamp);
    case oid::kTimestamptz: return set(TypeId::timestamptz, WireKind::timestamptz);
    case oid::kUuid: return set(TypeId::uuid, WireKind::uuid);
    case oid::kJson: return set(TypeId::json, WireKind::json);
    case oid::kJsonb: return set(TypeId::json, WireKind::jsonb);
    case oid::kNumeric:
      if (c.typmod >= 4) {
        // typmod = ((precision << 16) | (scale & 0x7ff)) + 4; PG 15 allows negative scales.
        int precision = ((c.typmod - 4) >> 16) & 0xffff;
        int scale = (c.typmod - 4) & 0x7ff;
        if (scale & 0x400) scale -= 0x800;
        if (precision >= 1 && precision <= 38 && scale >= 0 && scale <= precision) {
          c.type = DataType{TypeId::decimal, static_cast<uint8_t>(precision), static_cast<uint8_t>(scale)};
          c.wire = WireKind::numeric;
          return;
        }
      }
      return set(TypeId::text, WireKind::as_text);
    default: return set(TypeId::text, WireKind::as_text);
  }
}

std::string pg_type_sql(const DataType& type) {
  switch (type.id) {
    case TypeId::boolean: return "boolean";
    case TypeId::int16: return "smallint";
    case TypeId::int32: return "integer";
    case TypeId::int64: return "bigint";
    case TypeId::float32: return "real";
    case TypeId::float64: return "double precision";
    case TypeId::decimal:
      if (type.precision == 0) return "numeric";
      return "numeric(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case TypeId::text: return "text";
    case TypeId::bytes: return "bytea";
    case TypeId::date: return "date";
    case TypeId::timestamp: return "timestamp";
    case TypeId::timestamptz: return "timestamptz";
    case TypeId::uuid: return "uuid";
    case TypeId::json: return "jsonb";
  }
  return "text";
}

Result<std::vector<PgTableSummary>> list_tables(PgConn& conn, const std::string& schema) {
  RBC_ASSIGN_OR_RETURN(auto result,
                       conn.query("SELECT c.relname, c.reltuples::bigint FROM pg_catalog.pg_class c "
                                  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                                  "WHERE n.nspname = " +
                                  quote_literal(schema) +
                                  " AND c.relkind IN ('r','p','v','m','f') "
                                  "AND NOT c.relispartition ORDER BY c.relname"));
  std::vector<PgTableSummary> tables;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    tables.push_back({{schema, PQgetvalue(result.get(), row, 0)},
                      std::strtoll(PQgetvalue(result.get(), row, 1), nullptr, 10)});
  }
  return tables;
}

Result<std::optional<PgTable>> describe_table(PgConn& conn, const TableRef& ref) {
  // One round trip (a run's leaders describe their tables before anything can start): a
  // row per column, in column order, with its place in the primary key (0-based in
  // indkey, whose INCLUDE columns follow the indnkeyatts key columns); no row when the
  // table does not exist, one with NULL columns when it has none.
  RBC_ASSIGN_OR_RETURN(
      auto result,
      conn.query(
          "SELECT c.reltuples::bigint, a.attname, a.atttypid, a.atttypmod, "
          "pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, a.attgenerated <> '', "
          "CASE WHEN pg_catalog.array_position(i.indkey::int2[], a.attnum) < i.indnkeyatts "
          "THEN pg_catalog.array_position(i.indkey::int2[], a.attnum) END "
          "FROM pg_catalog.pg_class c "
          "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
          "LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisprimary "
          "WHERE c.oid = to_regclass(" +
          quote_literal(ref.quoted()) + ") ORDER BY a.attnum"));
  const PGresult* rows = result.get();
  if (PQntuples(rows) == 0) return std::optional<PgTable>();
  PgTable table;
  table.ref = ref;
  table.row_estimate = std::strtoll(PQgetvalue(rows, 0, 0), nullptr, 10);
  std::vector<std::pair<long, std::string>> key;  // (position in the key, column)
  for (int row = 0; row < PQntuples(rows); ++row) {
    if (PQgetisnull(rows, row, 1)) continue;
    PgColumn c;
    c.name = PQgetvalue(rows, row, 1);
    c.type_oid = static_cast<uint32_t>(std::strtoul(PQgetvalue(rows, row, 2), nullptr, 10));
    c.typmod = static_cast<int32_t>(std::strtol(PQgetvalue(rows, row, 3), nullptr, 10));
    c.type_sql = PQgetvalue(rows, row, 4);
    c.nullable = PQgetvalue(rows, row, 5)[0] == 't';
    c.generated = PQgetvalue(rows, row, 6)[0] == 't';
    if (!PQgetisnull(rows, row, 7))
      key.emplace_back(std::strtol(PQgetvalue(rows, row, 7), nullptr, 10), c.name);
    map_pg_type(c);
    table.columns.push_back(std::move(c));
  }
  std::sort(key.begin(), key.end());
  for (auto& [position, name] : key) table.primary_key.push_back(std::move(name));
  return std::optional<PgTable>(std::move(table));
}

}  // namespace rbc::pg

namespace rbc::pg {

Status check_unique_key(PgConn& conn, const TableRef& table, const std::vector<std::string>& key,
                        std::string_view what) {
  std::vector<std::string> sorted = key;
  std::sort(sorted.begin(), sorted.end());
  std::string names, quoted, wanted;
  for (const auto& column : key) {
    names += (names.empty() ? "" : ", ") + column;
    quoted += (quoted.empty() ? "" : ", ") + quote_ident(column);
  }
  for (const auto& column : sorted) wanted += (wanted.empty() ? "" : ", ") + quote_literal(column);
  RBC_ASSIGN_OR_RETURN(
      auto found,
      conn.query("SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = to_regclass(" +
                 quote_literal(table.quoted()) +
                 ") AND i.indisunique AND i.indimmediate AND i.indisvalid AND i.indpred IS NULL "
                 "AND i.indexprs IS NULL AND (SELECT array_agg(a.attname::text ORDER BY a.attname::text) "
                 "FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n) JOIN pg_catalog.pg_attribute a "
                 "ON a.attrelid = i.indrelid AND a.attnum = k.attnum WHERE k.n <= i.indnkeyatts) = ARRAY[" +
                 wanted + "]::text[] LIMIT 1"));
  if (PQntuples(found.get()) > 0) return Status::ok();
  return Status::invalid("postgres: " + std::string(what) + table.display() +
                         " needs a unique index or constraint on exactly (" + names +
                         ") to match rows by, and it has none: create one, e.g. ALTER TABLE " +
                         table.quoted() + " ADD PRIMARY KEY (" + quoted + ")");
}

TableRef source_table(const Config& config, const ConnParams& params, const std::string& stream) {
  return parse_table_name(config.string_or("table", stream), params.schema);
}

CatalogTable to_catalog_table(const PgTable& table) {
  CatalogTable out;
  out.name = table.ref.display();
  out.primary_key = table.primary_key;
  out.row_estimate = table.row_estimate;
  for (const auto& c : table.columns) {
    bool integer = c.type_oid == oid::kInt2 || c.type_oid == oid::kInt4 || c.type_oid == oid::kInt8;
    out.columns.push_back({c.name, c.type, c.type_sql, c.nullable, integer});
  }
  return out;
}

void limit_connect_timeout(ConnParams& params, int seconds) {
  for (auto& [keyword, value] : params.keywords) {
    if (keyword != "connect_timeout") continue;
    long current = std::strtol(value.c_str(), nullptr, 10);
    // libpq reads 0 (and negatives) as "wait forever".
    if (current <= 0 || current > seconds) value = std::to_string(seconds);
    return;
  }
  params.keywords.emplace_back("connect_timeout", std::to_string(seconds));
}

namespace {

class PostgresCatalog final : public SourceCatalog {
 public:
  PostgresCatalog(int connect_timeout_seconds, IdleConnections* keep_for_run)
      : timeout_(connect_timeout_seconds), keep_for_run_(keep_for_run) {}
  // The run that follows opens a leader connection with the same settings: it gets these.
  ~PostgresCatalog() override {
    if (keep_for_run_ == nullptr) return;
    for (auto& [config, connection] : connections_)
      keep_for_run_->keep(connection.run_params, std::move(connection.conn));
  }

  Result<CatalogLookup> describe(const ConnectorRef& source, const std::string& stream) override {
    RBC_ASSIGN_OR_RETURN(ConnParams params, conn_params_from_config(source.config));
    Connection& connection = connections_[json_text(source.config.values)];
    if (!connection.tried) {
      connection.tried = true;
      connection.run_params = params;
      ConnParams limited = params;
      limit_connect_timeout(limited, timeout_);
      auto conn = PgConn::connect(limited);
      if (conn.is_ok()) {
        connection.conn = std::move(*conn);
      } else {
        connection.failure = conn.status();
      }
    }
    if (!connection.failure.is_ok()) return connection.failure;

    TableRef ref = source_table(source.config, params, stream);
    CatalogLookup lookup;
    lookup.table = ref.display();
    lookup.database = params.describe;
    RBC_ASSIGN_OR_RETURN(auto table, describe_table(connection.conn, ref));
    if (table) {
      lookup.found = to_catalog_table(*table);
    } else {
      RBC_ASSIGN_OR_RETURN(auto tables, list_tables(connection.conn, ref.schema));
      for (const auto& t : tables) lookup.others.push_back(t.ref.display());
    }
    return lookup;
  }

 private:
  struct Connection {
    bool tried = false;
    ConnParams run_params;  // the settings without the catalog's connect timeout
    PgConn conn;
    Status failure;
  };
  int timeout_;
  IdleConnections* keep_for_run_;
  std::map<std::string, Connection> connections_;  // by the source config, as JSON
};

}  // namespace

std::unique_ptr<SourceCatalog> make_postgres_catalog(int connect_timeout_seconds,
                                                     IdleConnections* keep_for_run) {
  return std::make_unique<PostgresCatalog>(connect_timeout_seconds, keep_for_run);
}

}  // namespace rbc::pg
