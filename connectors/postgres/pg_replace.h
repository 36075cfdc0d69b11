// What keeps two runs from writing one table at once, and what `write_mode: replace` needs
// to swap a freshly loaded staging table in for the old one without losing what users
// configured on it (docs/execution.md, "PostgreSQL destinations").
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/postgres/pg_connection.h"

namespace rbc::pg {

// Takes the session advisory lock named `name` on `conn` (held until it closes); when
// another session holds it, returns that session: "<application_name> (server pid 123,
// from 10.0.0.5, connected since 2026-12-07 07:30:01 UTC)".
Result<std::optional<std::string>> try_advisory_lock(PgConn& conn, const std::string& name);

// A session advisory lock on one destination table, held by a connection of its own for
// as long as a run writes the table. Streams of one run that write the same table share
// it; the server releases it when the last holder lets go or the process dies.
class TargetLock;

// Takes the lock of `target`, or fails naming the run that holds it. `holder` becomes the
// lock connection's application_name, which that failure message shows to the other run.
Result<std::shared_ptr<TargetLock>> lock_target(const ConnParams& params, const TableRef& target,
                                                std::string_view holder);

// "_rbc_stage_<start of the name>_<hash of the table>_<hash of the run>", at most 63 bytes
// (NAMEDATALEN - 1): tables whose names share a long prefix get different staging tables,
// and so does every run.
TableRef staging_name(const TableRef& target, std::string_view run_id);

// Drops the staging tables that runs which died left for `target` (the caller holds the
// target's lock, so none of them is in use).
Status drop_orphan_stagings(PgConn& conn, const TableRef& target);

// Starts the staging table's identity sequences where the old table's are, so that the
// loaded rows never get values the old sequence handed out.
Status continue_identities(PgConn& conn, const TableRef& target, const TableRef& staging);

// Fails, before any row is loaded, when objects outside the table depend on it (a view,
// another table's foreign key, a function's row type): the swap could not drop it.
Status check_replaceable(PgConn& conn, const TableRef& target);

// Statements that give the new table (renamed to the old one's name) what the old one had
// and CREATE TABLE ... (LIKE ...) does not copy: its constraints (primary, unique,
// exclusion, foreign keys), indexes, triggers with their enabled state, row-level security
// and its policies, grants (table and column), owner, comment, replica identity, storage
// parameters, publications, and its identity sequences' positions. `before_drop` moves
// sequences the old table owns (serial columns) to the staging table, which uses them.
// With no key on the old table, `primary_key` (from the pipeline) becomes one.
struct CarryOver {
  std::vector<std::string> before_drop;
  std::vector<std::string> after_rename;
};
Result<CarryOver> carry_over(PgConn& conn, const TableRef& target, const TableRef& staging,
                             const std::vector<std::string>& primary_key);

}  // namespace rbc::pg
