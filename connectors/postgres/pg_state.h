// The postgres state backend: tables `cursors` and `runs` in a schema (default rbc_state).
// The SQL that records a checkpoint lives here once; the sink runs it inside its own
// transaction when the state is in the destination database, the store runs it on its
// own connection otherwise.
#pragma once

#include <memory>
#include <string>

#include "connectors/connector.h"
#include "connectors/postgres/pg_connection.h"
#include "connectors/probe.h"
#include "connectors/state/state_store.h"

namespace rbc {

// The `postgres` backend for `state`: at `state.config.url` (or host...), else in the
// destination's database, where the sink writes checkpoints itself (in_destination).
Result<std::unique_ptr<StateStore>> make_postgres_state_store(const StateSpec& state,
                                                              const ConnectorRef& destination);
// rbc check: probes the backend's database (state.config.url, else a postgres destination's).
void check_postgres_state_store(const StateSpec& state, const ConnectorRef& destination,
                                const CheckLine& line);
// `in_destination`: `config` is the destination's, so the sink writes checkpoints itself.
Result<std::unique_ptr<StateStore>> make_postgres_state_store(const Config& config, bool in_destination,
                                                              std::string schema);

namespace pg {

// Statements (no transaction control) that add a checkpoint's rows to the run record
// (run_id, stream) and, when it has a position, store it as the stream's cursor.
std::string checkpoint_sql(const std::string& schema, const std::string& pipeline, const std::string& stream,
                           const std::string& run_id, const Checkpoint& checkpoint);

}  // namespace pg
}  // namespace rbc
