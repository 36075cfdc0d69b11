// Target locks, staging names and the replace swap's carry-over (pg_replace.h).
#include "connectors/postgres/pg_replace.h"

#include <xxhash.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

namespace rbc::pg {

class TargetLock {
 public:
  explicit TargetLock(PgConn conn) : conn_(std::move(conn)) {}

 private:
  PgConn conn_;  // closing it releases the lock
};

namespace {

std::string hex8(std::string_view text) {
  char out[9];
  std::snprintf(out, sizeof out, "%08x",
                static_cast<unsigned>(XXH64(text.data(), text.size(), 0) & 0xffffffffu));
  return out;
}

// "_rbc_stage_<start of the name>_<hash of the table>_": every staging table of `target`
// starts so, whatever the run.
std::string staging_prefix(const TableRef& target) {
  constexpr size_t kNameBytes = 33;  // 11 + 33 + 1 + 8 + 1 + 8 = 62 <= NAMEDATALEN - 1
  std::string_view name = target.name;
  size_t keep = std::min(name.size(), kNameBytes);
  auto continuation = [&](size_t at) { return (static_cast<unsigned char>(name[at]) & 0xc0) == 0x80; };
  while (keep > 0 && keep < name.size() && continuation(keep)) --keep;  // whole characters
  return "_rbc_stage_" + std::string(name.substr(0, keep)) + "_" + hex8(target.schema + '\0' + target.name) +
         "_";
}

// The one-column rows of `sql`.
Result<std::vector<std::string>> column_of(PgConn& conn, const std::string& sql) {
  RBC_ASSIGN_OR_RETURN(auto result, conn.query(sql));
  std::vector<std::string> values;
  for (int row = 0; row < PQntuples(result.get()); ++row)
    values.emplace_back(PQgetvalue(result.get(), row, 0));
  return values;
}

}  // namespace

Result<std::optional<std::string>> try_advisory_lock(PgConn& conn, const std::string& name) {
  // The key is computed by the server; advisory locks are per database.
  std::string key = "pg_catalog.hashtextextended(" + quote_literal(name) + ", 0)";
  RBC_ASSIGN_OR_RETURN(auto taken, conn.query("SELECT pg_catalog.pg_try_advisory_lock(" + key + ")"));
  if (std::string_view(PQgetvalue(taken.get(), 0, 0)) == "t") return std::optional<std::string>();
  // A bigint advisory key shows in pg_locks as classid (high half) and objid (low half).
  RBC_ASSIGN_OR_RETURN(
      auto who,
      conn.query("SELECT a.application_name, a.pid, coalesce(host(a.client_addr), 'a local socket'), "
                 "to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
                 "FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
                 "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = "
                 "(SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) "
                 "AND ((l.classid::bigint << 32) | l.objid::bigint) = " +
                 key));
  if (PQntuples(who.get()) == 0) return std::optional<std::string>("another session");
  return std::optional<std::string>(std::string(PQgetvalue(who.get(), 0, 0)) + " (server pid " +
                                    PQgetvalue(who.get(), 0, 1) + ", from " + PQgetvalue(who.get(), 0, 2) +
                                    ", connected since " + PQgetvalue(who.get(), 0, 3) + " UTC)");
}

Result<std::shared_ptr<TargetLock>> lock_target(const ConnParams& params, const TableRef& target,
                                                std::string_view holder) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<TargetLock>> held;  // by settings and table
  std::lock_guard lock(mu);
  std::string key = settings_key(params) + '\x1f' + target.quoted();
  if (auto lock_held = held[key].lock()) return lock_held;

  RBC_ASSIGN_OR_RETURN(PgConn conn, PgConn::connect(params));
  RBC_RETURN_NOT_OK(conn.exec("SET application_name = " + quote_literal(holder.substr(0, 63))));
  RBC_ASSIGN_OR_RETURN(auto other, try_advisory_lock(conn, "rbc target " + target.quoted()));
  if (other) {
    return Status::invalid("postgres: another run is writing " + target.display() + ": " + *other +
                           "; runs that write one table cannot overlap, so this one stops before writing");
  }
  auto lock_held = std::make_shared<TargetLock>(std::move(conn));
  held[key] = lock_held;
  return lock_held;
}

TableRef staging_name(const TableRef& target, std::string_view run_id) {
  return {target.schema, staging_prefix(target) + hex8(run_id)};
}

Status drop_orphan_stagings(PgConn& conn, const TableRef& target) {
  std::string prefix = staging_prefix(target);
  RBC_ASSIGN_OR_RETURN(
      auto drops,
      column_of(conn,
                "SELECT format('DROP TABLE IF EXISTS %I.%I', n.nspname, c.relname) "
                "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = " +
                    quote_literal(target.schema) + " AND c.relkind = 'r' AND left(c.relname, " +
                    std::to_string(prefix.size()) + ") = " + quote_literal(prefix)));
  for (const auto& drop : drops) RBC_RETURN_NOT_OK(conn.exec(drop));
  return Status::ok();
}

Status continue_identities(PgConn& conn, const TableRef& target, const TableRef& staging) {
  RBC_ASSIGN_OR_RETURN(
      auto statements,
      column_of(conn, "SELECT format('SELECT pg_catalog.setval(%L, %s)', pg_catalog.pg_get_serial_sequence(" +
                          quote_literal(staging.quoted()) +
                          ", attname), last) FROM (SELECT attname, "
                          "pg_catalog.pg_sequence_last_value(pg_catalog.pg_get_serial_sequence(" +
                          quote_literal(target.quoted()) +
                          ", attname)::regclass) AS last FROM pg_catalog.pg_attribute WHERE attrelid = "
                          "pg_catalog.to_regclass(" +
                          quote_literal(target.quoted()) +
                          ") AND attidentity <> '' AND NOT attisdropped) identity WHERE last IS NOT NULL"));
  for (const auto& statement : statements) RBC_RETURN_NOT_OK(conn.exec(statement));
  return Status::ok();
}

Status check_replaceable(PgConn& conn, const TableRef& target) {
  // Normal dependencies on the table or its row type, from outside the table: its own
  // constraints, policies and rules go with it.
  RBC_ASSIGN_OR_RETURN(
      auto dependents,
      column_of(conn,
                "WITH t AS (SELECT oid, reltype FROM pg_catalog.pg_class WHERE oid = to_regclass(" +
                    quote_literal(target.quoted()) +
                    ")) "
                    "SELECT DISTINCT CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::regclass THEN "
                    "(SELECT CASE c.relkind WHEN 'm' THEN 'materialized view ' ELSE 'view ' END || "
                    "c.oid::regclass::text FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c "
                    "ON c.oid = r.ev_class WHERE r.oid = d.objid) "
                    "ELSE pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) END "
                    "FROM pg_catalog.pg_depend d, t WHERE d.deptype = 'n' AND ("
                    "(d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = t.oid) OR "
                    "(d.refclassid = 'pg_catalog.pg_type'::regclass AND d.refobjid = t.reltype)) "
                    "AND NOT (d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = t.oid) "
                    "AND NOT (d.classid = 'pg_catalog.pg_constraint'::regclass AND EXISTS (SELECT 1 FROM "
                    "pg_catalog.pg_constraint c WHERE c.oid = d.objid AND c.conrelid = t.oid)) "
                    "AND NOT (d.classid = 'pg_catalog.pg_policy'::regclass AND EXISTS (SELECT 1 FROM "
                    "pg_catalog.pg_policy p WHERE p.oid = d.objid AND p.polrelid = t.oid)) "
                    "AND NOT (d.classid = 'pg_catalog.pg_rewrite'::regclass AND EXISTS (SELECT 1 FROM "
                    "pg_catalog.pg_rewrite r WHERE r.oid = d.objid AND r.ev_class = t.oid)) ORDER BY 1"));
  if (dependents.empty()) return Status::ok();
  std::string list;
  for (size_t i = 0; i < dependents.size() && i < 3; ++i) list += (i ? ", " : "") + dependents[i];
  if (dependents.size() > 3) list += " and " + std::to_string(dependents.size() - 3) + " more";
  return Status::invalid("postgres: write_mode replace cannot swap a new " + target.display() +
                         " in: " + list + " depend" + (dependents.size() == 1 ? "s" : "") +
                         " on it; drop or change what depends on it, or write with upsert or append");
}

Result<CarryOver> carry_over(PgConn& conn, const TableRef& target, const TableRef& staging,
                             const std::vector<std::string>& primary_key) {
  const std::string t = quote_literal(target.quoted());  // the name, as a format() argument
  const std::string rel = "(SELECT pg_catalog.to_regclass(" + t + "))";
  const std::string grantee =
      "CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END";
  const std::string grant_option = "CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END";
  // (order, statement): keys before the foreign keys and the replica identity that need
  // them, grants before an owner change.
  std::string sql =
      "SELECT 10 + position(contype::text IN 'pux'), format('ALTER TABLE %s ADD CONSTRAINT %I %s', " + t +
      ", conname, pg_catalog.pg_get_constraintdef(oid)) FROM pg_catalog.pg_constraint "
      "WHERE conrelid = " +
      rel +
      " AND contype IN ('p','u','x') "
      "UNION ALL SELECT 20, pg_catalog.pg_get_indexdef(i.indexrelid) FROM pg_catalog.pg_index i "
      "WHERE i.indrelid = " +
      rel +
      " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c "
      "WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p','u','x')) "
      "UNION ALL SELECT 30, format('ALTER TABLE %s ADD CONSTRAINT %I %s', " +
      t +
      ", conname, pg_catalog.pg_get_constraintdef(oid)) FROM pg_catalog.pg_constraint "
      "WHERE conrelid = " +
      rel +
      " AND contype = 'f' "
      "UNION ALL SELECT 40, format('ALTER TABLE %s REPLICA IDENTITY %s', " +
      t +
      ", CASE c.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING' ELSE 'USING INDEX ' || "
      "quote_ident((SELECT ic.relname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic "
      "ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid AND i.indisreplident)) END) "
      "FROM pg_catalog.pg_class c WHERE c.oid = " +
      rel +
      " AND c.relreplident IN ('f','n','i') "
      "UNION ALL SELECT 50, pg_catalog.pg_get_triggerdef(oid) FROM pg_catalog.pg_trigger "
      "WHERE tgrelid = " +
      rel +
      " AND NOT tgisinternal "
      "UNION ALL SELECT 51, format('ALTER TABLE %s %s TRIGGER %I', " +
      t +
      ", CASE tgenabled WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA' ELSE 'ENABLE ALWAYS' END, "
      "tgname) FROM pg_catalog.pg_trigger WHERE tgrelid = " +
      rel +
      " AND NOT tgisinternal "
      "AND tgenabled IN ('D','R','A') "
      "UNION ALL SELECT 60, format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', " +
      t + ") FROM pg_catalog.pg_class WHERE oid = " + rel +
      " AND relrowsecurity "
      "UNION ALL SELECT 60, format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', " +
      t + ") FROM pg_catalog.pg_class WHERE oid = " + rel +
      " AND relforcerowsecurity "
      "UNION ALL SELECT 61, format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s', p.polname, " +
      t +
      ", CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END, "
      "CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' "
      "WHEN 'd' THEN 'DELETE' ELSE 'ALL' END, (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' "
      "ELSE quote_ident(pg_catalog.pg_get_userbyid(r)) END, ', ') FROM unnest(p.polroles) r), "
      "coalesce(' USING (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')', ''), "
      "coalesce(' WITH CHECK (' || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')', '')) "
      "FROM pg_catalog.pg_policy p WHERE p.polrelid = " +
      rel + " UNION ALL SELECT 70, format('GRANT %s ON %s TO %s%s', a.privilege_type, " + t + ", " + grantee +
      ", " + grant_option +
      ") FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a "
      "WHERE c.oid = " +
      rel +
      " AND a.grantee <> c.relowner "
      "UNION ALL SELECT 71, format('GRANT %s (%I) ON %s TO %s%s', a.privilege_type, att.attname, " +
      t + ", " + grantee + ", " + grant_option +
      ") FROM pg_catalog.pg_attribute att, "
      "pg_catalog.aclexplode(att.attacl) a WHERE att.attrelid = " +
      rel +
      " AND att.attacl IS NOT NULL AND NOT att.attisdropped "
      "UNION ALL SELECT 72, format('ALTER TABLE %s OWNER TO %I', " +
      t + ", pg_catalog.pg_get_userbyid(relowner)) FROM pg_catalog.pg_class WHERE oid = " + rel +
      " AND pg_catalog.pg_get_userbyid(relowner) <> current_user "
      "UNION ALL SELECT 80, format('COMMENT ON TABLE %s IS %L', " +
      t + ", pg_catalog.obj_description(" + rel + ", 'pg_class')) WHERE pg_catalog.obj_description(" + rel +
      ", 'pg_class') IS NOT NULL "
      "UNION ALL SELECT 81, format('ALTER TABLE %s SET (%s)', " +
      t + ", array_to_string(reloptions, ', ')) FROM pg_catalog.pg_class WHERE oid = " + rel +
      " AND reloptions IS NOT NULL "
      "UNION ALL SELECT 90, format('ALTER PUBLICATION %I ADD TABLE %s', p.pubname, " +
      t +
      ") FROM pg_catalog.pg_publication_rel r JOIN pg_catalog.pg_publication p ON p.oid = r.prpubid "
      "WHERE r.prrelid = " +
      rel +
      // Identity columns: the staging table's sequence takes the old one's name, and never
      // goes back below the old one's position (values handed out stay unused).
      " UNION ALL SELECT 95, format('ALTER SEQUENCE %s RENAME TO %I', pg_catalog.pg_get_serial_sequence(" +
      quote_literal(staging.quoted()) +
      ", attname), (SELECT relname FROM pg_catalog.pg_class WHERE oid = "
      "pg_catalog.pg_get_serial_sequence(" +
      t +
      ", attname)::regclass)) FROM pg_catalog.pg_attribute "
      "WHERE attrelid = " +
      rel +
      " AND attidentity <> '' AND NOT attisdropped "
      "UNION ALL SELECT 96, format('SELECT pg_catalog.setval(%1$L, greatest(%2$s, coalesce("
      "pg_catalog.pg_sequence_last_value(%1$L), 0)))', pg_catalog.pg_get_serial_sequence(" +
      t +
      ", attname), last) FROM (SELECT attname, pg_catalog.pg_sequence_last_value("
      "pg_catalog.pg_get_serial_sequence(" +
      t +
      ", attname)::regclass) AS last FROM pg_catalog.pg_attribute "
      "WHERE attrelid = " +
      rel +
      " AND attidentity <> '' AND NOT attisdropped) identity WHERE last IS NOT NULL "
      "ORDER BY 1";
  RBC_ASSIGN_OR_RETURN(auto result, conn.query(sql));
  CarryOver carry;
  bool has_key = false;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    int order = std::atoi(PQgetvalue(result.get(), row, 0));
    has_key = has_key || (order >= 11 && order <= 12);
    carry.after_rename.emplace_back(PQgetvalue(result.get(), row, 1));
  }
  if (!has_key && !primary_key.empty()) {
    std::string columns;
    for (const auto& key : primary_key) columns += (columns.empty() ? "" : ", ") + quote_ident(key);
    carry.after_rename.insert(carry.after_rename.begin(),
                              "ALTER TABLE " + target.quoted() + " ADD PRIMARY KEY (" + columns + ")");
  }
  // A serial column's sequence belongs to the old table, and dropping it would drop the
  // sequence the staging table's default uses: hand it to the staging table first.
  RBC_ASSIGN_OR_RETURN(
      carry.before_drop,
      column_of(conn,
                "SELECT format('ALTER SEQUENCE %s OWNED BY %s.%I', s.oid::regclass, " +
                    quote_literal(staging.quoted()) +
                    ", a.attname) FROM pg_catalog.pg_depend d "
                    "JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
                    "JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
                    "WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = "
                    "'pg_catalog.pg_class'::regclass AND d.refobjid = " +
                    rel + " AND d.deptype = 'a'"));
  return carry;
}

}  // namespace rbc::pg
