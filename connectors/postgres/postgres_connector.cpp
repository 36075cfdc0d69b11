// The postgres connector's runtime hooks (connectors/registry.h): its source and sink,
// what `rbc check` probes (one connection per source, destination and state backend,
// then each stream's table), `rbc discover` (the tables of a schema) and the catalog.
#include <algorithm>
#include <memory>

#include "connectors/postgres/pg_catalog.h"
#include "connectors/postgres/pg_cdc.h"
#include "connectors/postgres/pg_replace.h"
#include "connectors/postgres/pg_state.h"
#include "connectors/postgres/postgres.h"
#include "connectors/registry.h"

namespace rbc {
namespace {

struct Probe {
  std::string describe;  // "user@host:port/db", password-free
  Result<pg::PgConn> conn;
};

Probe probe(const Config& config) {
  auto params = pg::conn_params_from_config(config);
  if (!params.is_ok()) return {"(config)", params.status()};
  pg::limit_connect_timeout(*params, kProbeConnectTimeoutSeconds);
  return {params->describe, pg::PgConn::connect(*params)};
}

// The connection error without what the line shows already: the "postgres: cannot
// connect to DESCRIBE: " prefix and the retry classification suffix " [SQLSTATE ...]".
std::string problem_of(const Probe& probe) {
  if (probe.conn.is_ok()) return {};
  std::string message = probe.conn.status().message();
  for (const std::string& prefix :
       {std::string("postgres: "), "cannot connect to " + probe.describe + ": "}) {
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
  }
  size_t suffix = message.rfind(" [");
  if (suffix != std::string::npos && message.back() == ']') message.erase(suffix);
  return message;
}

// The first value of a one-row query, or the query's error.
std::string query_value(pg::PgConn& conn, const std::string& sql, std::string* problem) {
  auto result = conn.query(sql);
  if (!result.is_ok()) {
    *problem = result.status().message();
    return {};
  }
  return PQntuples(result->get()) > 0 ? PQgetvalue(result->get(), 0, 0) : "";
}

// cdc: updates and deletes name their row by the replica identity; without one PostgreSQL
// refuses them once the table is published.
std::string replica_identity_problem(pg::PgConn& conn, const pg::TableRef& ref) {
  std::string problem;
  std::string identity = query_value(conn,
                                     "SELECT c.relreplident::text || CASE WHEN EXISTS (SELECT 1 FROM "
                                     "pg_catalog.pg_index i WHERE i.indrelid = c.oid "
                                     "AND (i.indisprimary OR i.indisreplident)) THEN '+' ELSE '' END FROM "
                                     "pg_catalog.pg_class c WHERE c.oid = " +
                                         pg::quote_literal(ref.quoted()) + "::regclass",
                                     &problem);
  if (!problem.empty()) return problem;
  if (identity == "f" || identity == "d+" || identity == "i+") return {};
  return "no replica identity (no primary key): its updates and deletes cannot be replicated; add a "
         "primary key, or ALTER TABLE " +
         ref.quoted() + " REPLICA IDENTITY FULL";
}

// cdc: the server settings and privileges logical replication needs, one line each.
void check_logical_replication(pg::PgConn& conn, const CheckLine& line) {
  std::string problem;
  std::string level = query_value(conn, "SELECT current_setting('wal_level')", &problem);
  if (problem.empty() && level != "logical")
    problem = "it is " + level + ": ALTER SYSTEM SET wal_level = logical, then restart the server";
  line("wal_level logical", problem);
  problem.clear();
  std::string privileged = query_value(
      conn, "SELECT rolreplication OR rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user",
      &problem);
  if (problem.empty() && privileged != "t")
    problem =
        "the role cannot read changes: ALTER ROLE " + pg::quote_ident(PQuser(conn.get())) + " REPLICATION";
  line("replication privilege of " + std::string(PQuser(conn.get())), problem);
  problem.clear();
  std::string free_slots =
      query_value(conn,
                  "SELECT current_setting('max_replication_slots')::int - (SELECT count(*) "
                  "FROM pg_catalog.pg_replication_slots)",
                  &problem);
  if (problem.empty() && free_slots == "0")
    problem = "none free (max_replication_slots): a new cdc stream needs one";
  line("replication slots free: " + (free_slots.empty() ? "?" : free_slots), problem);
}

// Probes the first source's connection; the stream checks then look up every stream's
// table on it.
StreamChecks check_sources(const std::vector<const SourceNode*>& sources, const CheckLine& line) {
  Probe p = probe(sources.front()->connector.config);
  line("source postgres " + p.describe, problem_of(p));
  if (!p.conn.is_ok()) return {};
  auto conn = std::make_shared<pg::PgConn>(std::move(*p.conn));
  return [conn, sources](const CheckLine& line) {
    for (const SourceNode* source : sources) {
      pg::TableRef ref =
          pg::source_table(source->connector.config, conn->params(), source->stream.name.value);
      auto table = pg::describe_table(*conn, ref);
      std::string problem;
      if (!table.is_ok()) {
        problem = table.status().message();
      } else if (!*table) {
        problem = "missing table";
      }
      line("stream " + ref.display(), problem);
      if (source->stream.sync_mode.value == SyncMode::cdc && table.is_ok() && *table)
        line("replica identity of " + ref.display(), replica_identity_problem(*conn, ref));
    }
    bool cdc = std::any_of(sources.begin(), sources.end(),
                           [](const SourceNode* s) { return s->stream.sync_mode.value == SyncMode::cdc; });
    if (cdc) check_logical_replication(*conn, line);
  };
}

void check_destinations(const std::vector<const SinkNode*>& sinks, const CheckLine& line) {
  Probe p = probe(sinks.front()->destination.connector.config);
  line("destination postgres " + p.describe, problem_of(p));
  if (!p.conn.is_ok()) return;
  // What a run's prepare would refuse, for tables that exist: an upsert needs a unique key
  // to match rows by, a replace a table nothing else depends on.
  for (const SinkNode* sink : sinks) {
    const DestinationSpec& destination = sink->destination;
    WriteMode mode = destination.write_mode.value;
    if (mode != WriteMode::upsert && mode != WriteMode::replace) continue;
    pg::TableRef ref = pg::parse_table_name(destination.connector.config.string_or("table", sink->target),
                                            p.conn->params().schema);
    auto table = pg::describe_table(*p.conn, ref);
    if (!table.is_ok() || !*table) continue;  // created by the run
    Status problem = Status::ok();
    if (mode == WriteMode::upsert) {
      std::vector<std::string> key = destination.primary_key.value;
      if (key.empty()) key = (*table)->primary_key;
      problem = key.empty() ? Status::invalid("no primary_key in the pipeline and none on the table")
                            : pg::check_unique_key(*p.conn, ref, key, "upsert into ");
    } else {
      problem = pg::check_replaceable(*p.conn, ref);
    }
    std::string label = (mode == WriteMode::upsert ? "upsert into " : "replace of ") + ref.display();
    std::string message = problem.message();
    for (const std::string& prefix : {std::string("postgres: "), label + " "})
      if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
    line(label, problem.is_ok() ? "" : message);
  }
}

// A select-list item: '' when the slot holds no more WAL than the stream's max_slot_wal,
// else its max_slot_wal, pretty.
std::string over_max_slot_wal_sql(const Config& config) {
  uint64_t limit = pg::max_slot_wal_of(config);
  if (limit == 0) return "''";
  std::string bytes = std::to_string(limit);
  return "CASE WHEN pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) > " + bytes + " THEN pg_size_pretty(" +
         bytes + "::bigint) ELSE '' END";
}

std::string over_max_slot_wal_note(const std::string& limit) {
  return limit.empty() ? ""
                       : " (OVER max_slot_wal " + limit +
                             ": the slot keeps WAL the server cannot recycle; is the pipeline running?)";
}

// rbc check (registry.h: check_cdc_slots): the WAL each cdc stream's slot holds.
void check_cdc_slots(const std::vector<const SourceNode*>& sources, const std::string& pipeline,
                     const CheckLine& line) {
  for (const SourceNode* source : sources) {
    if (source->stream.sync_mode.value != SyncMode::cdc) continue;
    Probe p = probe(source->connector.config);
    if (!p.conn.is_ok()) continue;  // the source's line said so
    pg::TableRef ref =
        pg::source_table(source->connector.config, p.conn->params(), source->stream.name.value);
    pg::CdcNames names = pg::cdc_names(pipeline, ref, source->connector.config);
    auto slot = p.conn->query(
        "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)), " +
        over_max_slot_wal_sql(source->connector.config) +
        " FROM pg_catalog.pg_replication_slots WHERE slot_name = " + pg::quote_literal(names.slot));
    if (!slot.is_ok()) {
      line("replication slot " + names.slot, slot.status().message());
    } else if (PQntuples(slot->get()) == 0) {
      line("replication slot " + names.slot + ": none yet (the first run creates it)", "");
    } else {
      std::string over = PQgetvalue(slot->get(), 0, 1);
      line("replication slot " + names.slot + " retains " + PQgetvalue(slot->get(), 0, 0) + " of WAL",
           over.empty() ? ""
                        : "more than max_slot_wal (" + over + "): start the pipeline, or rbc cdc drop it");
    }
  }
}

// rbc cdc status|drop (registry.h: cdc_slots).
Result<std::vector<std::string>> cdc_slots(const std::vector<const SourceNode*>& sources,
                                           const std::string& pipeline, bool drop,
                                           const std::function<void(const std::string&)>& print) {
  std::vector<std::string> dropped;
  for (const SourceNode* source : sources) {
    if (source->stream.sync_mode.value != SyncMode::cdc) continue;
    RBC_ASSIGN_OR_RETURN(auto params, pg::conn_params_from_config(source->connector.config));
    pg::limit_connect_timeout(params, kProbeConnectTimeoutSeconds);
    RBC_ASSIGN_OR_RETURN(pg::PgConn conn, pg::PgConn::connect(params));
    pg::TableRef ref = pg::source_table(source->connector.config, conn.params(), source->stream.name.value);
    pg::CdcNames names = pg::cdc_names(pipeline, ref, source->connector.config);
    RBC_ASSIGN_OR_RETURN(
        auto slot,
        conn.query(
            "SELECT active, coalesce(active_pid, 0), coalesce(confirmed_flush_lsn::text, '?'), "
            "pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)), "
            "EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = " +
            pg::quote_literal(names.publication) + "), " + over_max_slot_wal_sql(source->connector.config) +
            " FROM pg_catalog.pg_replication_slots WHERE slot_name = " + pg::quote_literal(names.slot)));
    std::string line = ref.display() + ": ";
    if (PQntuples(slot.get()) == 0) {
      print(line + "no replication slot " + names.slot + " (no run yet, or dropped)");
      if (drop) dropped.push_back(source->stream.name.value);  // its position leads nowhere
      continue;
    }
    bool active = std::string(PQgetvalue(slot.get(), 0, 0)) == "t";
    std::string pid = PQgetvalue(slot.get(), 0, 1);
    if (!drop) {
      print(line + "slot " + names.slot + (active ? " (in use by pid " + pid + ")" : "") +
            ", confirmed up to " + PQgetvalue(slot.get(), 0, 2) + ", retains " +
            PQgetvalue(slot.get(), 0, 3) + " of WAL" + over_max_slot_wal_note(PQgetvalue(slot.get(), 0, 5)) +
            "; publication " + names.publication +
            (std::string(PQgetvalue(slot.get(), 0, 4)) == "t" ? "" : " (missing)"));
      continue;
    }
    if (active) {
      return Status::invalid("postgres: replication slot " + names.slot + " of " + ref.display() +
                             " is in use by pid " + pid + ": stop that run first");
    }
    RBC_RETURN_NOT_OK(conn.exec("SELECT pg_drop_replication_slot(" + pg::quote_literal(names.slot) + ")"));
    std::string publication = "publication " + names.publication + " kept (named in the pipeline)";
    if (names.derived_publication) {
      RBC_RETURN_NOT_OK(conn.exec("DROP PUBLICATION IF EXISTS " + pg::quote_ident(names.publication)));
      publication = "dropped publication " + names.publication;
    }
    print(line + "dropped slot " + names.slot + ", " + publication);
    dropped.push_back(source->stream.name.value);
  }
  return dropped;
}

Result<Discovery> discover(const std::vector<const SourceNode*>& sources,
                           const std::string& schema_override) {
  RBC_ASSIGN_OR_RETURN(pg::ConnParams params, pg::conn_params_from_config(sources.front()->connector.config));
  pg::limit_connect_timeout(params, kProbeConnectTimeoutSeconds);
  RBC_ASSIGN_OR_RETURN(pg::PgConn conn, pg::PgConn::connect(params));
  Discovery d;
  d.connector = "postgres";
  d.database = params.describe;
  d.schema = schema_override.empty() ? params.schema : schema_override;
  RBC_ASSIGN_OR_RETURN(auto summaries, pg::list_tables(conn, d.schema));
  for (const auto& summary : summaries) {
    RBC_ASSIGN_OR_RETURN(auto table, pg::describe_table(conn, summary.ref));
    if (!table) continue;  // dropped since it was listed
    DiscoveredTable t;
    t.name = table->ref.display();
    t.row_estimate = table->row_estimate;
    t.primary_key = table->primary_key;
    for (const auto& c : table->columns) {
      bool key = std::find(t.primary_key.begin(), t.primary_key.end(), c.name) != t.primary_key.end();
      t.columns.push_back({c.name, c.type_sql, c.type.to_string(), c.nullable, key});
    }
    d.tables.push_back(std::move(t));
  }
  return d;
}

// What the state backend's role lacks to create (first run) or write its schema and tables.
std::string state_privilege_problem(pg::PgConn& conn, const std::string& schema) {
  std::string problem;
  const std::string s = pg::quote_literal(schema);
  auto table_can = [&](const char* table) {
    std::string t = pg::quote_literal(pg::quote_ident(schema) + "." + table);
    return "(has_table_privilege(" + t + ", 'SELECT') AND has_table_privilege(" + t +
           ", 'INSERT') AND has_table_privilege(" + t + ", 'UPDATE') AND has_table_privilege(" + t +
           ", 'DELETE'))";
  };
  std::string verdict = query_value(
      conn,
      "SELECT CASE WHEN n.oid IS NULL THEN CASE WHEN has_database_privilege(current_database(), 'CREATE') "
      "THEN '' ELSE 'cannot create schema ' || " +
          s +
          " || ': no CREATE privilege on database ' || "
          "current_database() END "
          "WHEN NOT has_schema_privilege(n.oid, 'USAGE') THEN 'no USAGE privilege on schema ' || " +
          s +
          " WHEN (SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid "
          "AND c.relname IN ('runs', 'cursors')) < 2 THEN CASE WHEN has_schema_privilege(n.oid, 'CREATE') "
          "THEN '' ELSE 'cannot create the state tables: no CREATE privilege on schema ' || " +
          s +
          " END "
          "WHEN NOT (" +
          table_can("runs") + " AND " + table_can("cursors") +
          ") THEN 'cannot write the tables runs and cursors of schema ' || " + s +
          " ELSE '' END "
          "FROM (SELECT 1) one LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = " +
          s,
      &problem);
  return problem.empty() ? verdict : problem;
}

}  // namespace

void check_postgres_state_store(const StateSpec& state, const ConnectorRef& destination,
                                const CheckLine& line) {
  const Config* config = state.config.has("url")               ? &state.config
                         : destination.use.value == "postgres" ? &destination.config
                                                               : nullptr;
  if (config == nullptr) {
    line("state postgres", "needs state.config.url: the destination is not postgres");
    return;
  }
  Probe p = probe(*config);
  std::string problem = problem_of(p);
  if (problem.empty())
    problem = state_privilege_problem(*p.conn, state.config.string_or("schema", "rbc_state"));
  line("state postgres " + p.describe, problem);
}

ConnectorHooks postgres_connector_hooks() {
  ConnectorHooks hooks;
  hooks.make_source = [](const SourceContext& context) {
    return make_postgres_source(context.idle_connections);
  };
  hooks.make_sink = &make_postgres_sink;
  hooks.check_sources = &check_sources;
  hooks.check_destinations = &check_destinations;
  hooks.discover = &discover;
  hooks.cdc_slots = &cdc_slots;
  hooks.check_cdc_slots = &check_cdc_slots;
  hooks.make_catalog = [](int connect_timeout_seconds) {
    return pg::make_postgres_catalog(connect_timeout_seconds);
  };
  return hooks;
}

}  // namespace rbc
