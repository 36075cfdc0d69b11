// The PostgreSQL connector: a Source that reads tables with binary COPY (optionally in
// N partitions sharing one exported snapshot, or incrementally after a saved cursor) and
// a Sink that writes with binary COPY in append, replace (staging table swapped in
// atomically) or upsert (INSERT ... ON CONFLICT from a per-writer staging table) mode.
//
// Source config: `url` or host/port/user/password/database, `schema` (default public),
// `table` (default: the stream name, "schema.table" or "table").
// Sink config: the same connection keys, `schema`, `table`, and `copy_flush_bytes`
// (default 4 MiB, clamped to 4 KiB..32 MiB).
#pragma once

#include <memory>

#include "connectors/connector.h"

namespace rbc {

namespace pg {
class IdleConnections;
}

// `idle`: connections kept open for the run (the compile-time catalog's); a stream's
// first connection with the same settings is taken from there. Null: none.
std::unique_ptr<Source> make_postgres_source(pg::IdleConnections* idle = nullptr);
std::unique_ptr<Sink> make_postgres_sink();

}  // namespace rbc
