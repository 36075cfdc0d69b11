// PostgreSQL logical replication, the parts change data capture needs: a replication
// connection (libpq with replication=database) that creates a slot with an exported
// snapshot and streams the slot's changes, and a parser of the built-in pgoutput plugin's
// messages (protocol version 1, values as text in ISO DateStyle and UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/postgres/pg_connection.h"
#include "graph/status.h"

namespace rbc::pg {

// A WAL position (pg_lsn).
using Lsn = uint64_t;
// "16/B374D848", as PostgreSQL prints a pg_lsn.
std::string format_lsn(Lsn lsn);
std::optional<Lsn> parse_lsn(std::string_view text);

// pgoutput and the replication protocol count time in microseconds since 2000-01-01.
int64_t unix_micros_from_pg(int64_t pg_micros);

struct CreatedSlot {
  Lsn consistent_point = 0;  // changes committed after it are streamed; the snapshot holds the rest
  std::string snapshot;      // valid until the replication connection runs its next command
};

// One message of the replication stream.
struct WalMessage {
  enum class Kind { data, keepalive } kind = Kind::data;
  Lsn wal_start = 0;  // data: the WAL position of the payload
  Lsn wal_end = 0;    // the server's current end of WAL
  bool reply_requested = false;
  std::string_view payload;  // data: a pgoutput message, valid until the next receive()
};

class ReplicationConnection {
 public:
  ReplicationConnection() = default;
  ReplicationConnection(ReplicationConnection&& other) noexcept;
  ReplicationConnection& operator=(ReplicationConnection&& other) noexcept;
  ~ReplicationConnection();

  static Result<ReplicationConnection> connect(const ConnParams& params);
  bool is_open() const { return conn_.is_open(); }

  // CREATE_REPLICATION_SLOT ... LOGICAL pgoutput EXPORT_SNAPSHOT.
  Result<CreatedSlot> create_slot(const std::string& slot);
  // START_REPLICATION: changes of transactions that commit at or after `from` (0: from the
  // slot's confirmed position) for the tables of `publication`.
  Status start(const std::string& slot, const std::string& publication, Lsn from);
  // The next message, waiting at most `timeout_ms`; std::nullopt when none came. The
  // stream ending (the server stopped it) is an error.
  Result<std::optional<WalMessage>> receive(int timeout_ms);
  // A standby status update: everything up to `flushed` is durably applied (the slot may
  // release the WAL before it), `received` has arrived.
  Status send_status(Lsn received, Lsn flushed);

 private:
  void free_buffer();

  PgConn conn_;
  char* buffer_ = nullptr;  // the last message, owned by libpq
};

// pgoutput, protocol version 1.
struct PgOutputValue {
  char kind = 'n';  // 'n' NULL, 'u' unchanged TOAST value (not sent), 't' text
  std::string_view text;
};

struct PgOutputRelation {
  uint32_t oid = 0;
  std::string schema, name;
  std::vector<std::string> columns;
};

struct PgOutputMessage {
  // 'B' begin, 'C' commit, 'R' relation, 'I' insert, 'U' update, 'D' delete, 'T' truncate;
  // others ('Y' type, 'O' origin, 'M' message) carry nothing rbc uses.
  char type = 0;
  Lsn commit_lsn = 0;          // B: the final LSN of the transaction; C: of its commit record
  Lsn end_lsn = 0;             // C: the end of the commit record: where the next one starts
  int64_t commit_time_us = 0;  // B, C: Unix microseconds
  uint32_t relation = 0;       // I, U, D
  PgOutputRelation described;  // R
  char old_kind = 0;           // U, D: 'K' the old key, 'O' the old row, 0 none sent (U)
  std::vector<PgOutputValue> old_values, new_values;
  std::vector<uint32_t> truncated;  // T: relation oids
};

// Parses one pgoutput message; views point into `payload`.
Status parse_pgoutput(std::string_view payload, PgOutputMessage& out);

}  // namespace rbc::pg
