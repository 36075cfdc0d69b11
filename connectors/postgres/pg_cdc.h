// Change data capture from PostgreSQL (sync_mode: cdc), the source half. The leader makes
// sure of the publication and the replication slot; a stream with no saved position is
// first read whole in the snapshot the slot was created with, then from the slot's
// consistent point, so no change is missed or seen twice in between. Change rows carry the
// table's columns and the change columns (connector_specs.h: add_change_columns):
//   _op              insert | update | delete | truncate (snapshot rows are inserts, after
//                    one truncate: a new copy replaces what an earlier one left)
//   _lsn             the commit LSN of the row's transaction (bigint; the snapshot's point)
//   _commit_ts       when that transaction committed (NULL for snapshot rows)
//   _unchanged_cols  the columns an update did not send (unchanged TOAST values): comma-separated
// A delete carries the old key (the old row with REPLICA IDENTITY FULL); an update that
// changes the key arrives as a delete of the old key and an insert of the new row.
// A batch that ends a source transaction carries its end LSN as its position (the saved
// cursor of the stream once a destination commits it).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "connectors/postgres/pg_catalog.h"
#include "connectors/postgres/pg_replication.h"

namespace rbc::pg {

// The publication and slot a stream reads through: `publication:` and `slot:` of its
// config, else rbc_<pipeline>_<table>_<hash> (`derived`: the name rbc made up).
struct CdcNames {
  std::string publication, slot;
  bool derived_publication = true;
};
CdcNames cdc_names(const std::string& pipeline, const TableRef& table, const Config& config);

// The RetryDetail category of the error a cdc reader stops with when its table gains a
// column while it streams: not retried as it is, but `rbc exec` compiles the pipeline again
// and starts a new run (which follows the destination's schema_evolution).
inline constexpr std::string_view kSchemaChangeCategory = "source schema change";

// max_slot_wal of a cdc stream's config ("10gb", bytes): the WAL its slot may hold before
// rbc cdc status, rbc check and the run say so. 10 GiB when unset; 0 turns it off.
uint64_t max_slot_wal_of(const Config& config);

// What the leader set up for one stream.
struct CdcStart {
  std::string publication, slot;
  ReplicationConnection replication;
  Lsn from = 0;                         // stream changes committed from here on
  std::optional<std::string> snapshot;  // read the table in it first (no saved position)
  Lsn caught_up_at = 0;                 // the server's WAL position when the run started
};

// Checks wal_level, creates the publication (for the table) and the slot when missing, and
// picks where to start: after the saved position, or from a new slot's snapshot. `conn` is
// an ordinary connection to the source database.
Result<CdcStart> prepare_cdc(PgConn& conn, const ConnParams& params, const StreamRequest& request,
                             const PgTable& table);

// The reader of a cdc stream: the snapshot's rows first (from `snapshot`, a reader of the
// table in the exported snapshot, when there is one), then the changes. `columns` are the
// table columns read, in output order; `schema` is theirs plus the change columns.
std::unique_ptr<PartitionReader> make_cdc_reader(std::unique_ptr<PartitionReader> snapshot, CdcStart start,
                                                 const PgTable& table, std::vector<std::string> columns,
                                                 std::shared_ptr<const Schema> schema,
                                                 const StreamRequest& request);

}  // namespace rbc::pg
