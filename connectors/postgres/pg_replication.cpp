// Logical replication: the replication connection and the pgoutput parser (pg_replication.h).
#include "connectors/postgres/pg_replication.h"

#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <utility>

namespace rbc::pg {
namespace {

constexpr int64_t kPgEpochUnixMicros = 946684800000000LL;

// Big-endian reads over a message, failing (not overrunning) at its end.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  size_t left() const { return data_.size() - at_; }

  template <typename T>
  T read() {
    if (left() < sizeof(T)) {
      ok_ = false;
      at_ = data_.size();
      return 0;
    }
    uint64_t value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) value = (value << 8) | static_cast<uint8_t>(data_[at_ + i]);
    at_ += sizeof(T);
    return static_cast<T>(value);
  }
  std::string_view bytes(size_t n) {
    if (left() < n) {
      ok_ = false;
      at_ = data_.size();
      return {};
    }
    std::string_view out = data_.substr(at_, n);
    at_ += n;
    return out;
  }
  std::string_view cstring() {
    size_t end = data_.find('\0', at_);
    if (end == std::string_view::npos) {
      ok_ = false;
      at_ = data_.size();
      return {};
    }
    std::string_view out = data_.substr(at_, end - at_);
    at_ = end + 1;
    return out;
  }

 private:
  std::string_view data_;
  size_t at_ = 0;
  bool ok_ = true;
};

void put_int64(std::string& out, int64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

int64_t pg_now_micros() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::microseconds>(now).count() - kPgEpochUnixMicros;
}

bool parse_tuple(Reader& in, std::vector<PgOutputValue>& values) {
  int16_t count = in.read<int16_t>();
  values.clear();
  for (int16_t i = 0; i < count && in.ok(); ++i) {
    PgOutputValue value;
    value.kind = static_cast<char>(in.read<uint8_t>());
    if (value.kind == 't' || value.kind == 'b') {
      int32_t length = in.read<int32_t>();
      if (length < 0) return false;
      value.text = in.bytes(static_cast<size_t>(length));
      value.kind = 't';  // rbc asks for text; 'b' would only come with binary 'true'
    } else if (value.kind != 'n' && value.kind != 'u') {
      return false;
    }
    values.push_back(value);
  }
  return in.ok();
}

}  // namespace

std::string format_lsn(Lsn lsn) {
  char text[32];
  std::snprintf(text, sizeof text, "%" PRIX32 "/%" PRIX32, static_cast<uint32_t>(lsn >> 32),
                static_cast<uint32_t>(lsn));
  return text;
}

std::optional<Lsn> parse_lsn(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size() || slash > 8 ||
      text.size() - slash - 1 > 8)
    return std::nullopt;
  auto hex = [](std::string_view part, uint64_t& out) {
    out = 0;
    for (char c : part) {
      int digit = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                         : -1;
      if (digit < 0) return false;
      out = out * 16 + static_cast<uint64_t>(digit);
    }
    return true;
  };
  uint64_t high = 0, low = 0;
  if (!hex(text.substr(0, slash), high) || !hex(text.substr(slash + 1), low)) return std::nullopt;
  return (high << 32) | low;
}

int64_t unix_micros_from_pg(int64_t pg_micros) { return pg_micros + kPgEpochUnixMicros; }

ReplicationConnection::ReplicationConnection(ReplicationConnection&& other) noexcept
    : conn_(std::move(other.conn_)), buffer_(std::exchange(other.buffer_, nullptr)) {}

ReplicationConnection& ReplicationConnection::operator=(ReplicationConnection&& other) noexcept {
  if (this != &other) {
    free_buffer();
    conn_ = std::move(other.conn_);
    buffer_ = std::exchange(other.buffer_, nullptr);
  }
  return *this;
}

ReplicationConnection::~ReplicationConnection() { free_buffer(); }

void ReplicationConnection::free_buffer() {
  if (buffer_ != nullptr) PQfreemem(buffer_);
  buffer_ = nullptr;
}

Result<ReplicationConnection> ReplicationConnection::connect(const ConnParams& params) {
  ConnParams replication = params;
  // pgoutput prints values with the walsender's settings: pin the ones rbc parses back.
  std::string options =
      "-c DateStyle=ISO,YMD -c TimeZone=UTC -c IntervalStyle=postgres -c extra_float_digits=3";
  bool had_options = false;
  for (auto& [key, value] : replication.keywords) {
    if (key == "options") {
      value += " " + options;
      had_options = true;
    }
  }
  if (!had_options) replication.keywords.emplace_back("options", options);
  replication.keywords.emplace_back("replication", "database");
  ReplicationConnection out;
  RBC_ASSIGN_OR_RETURN(out.conn_, PgConn::connect(replication));
  return out;
}

Result<CreatedSlot> ReplicationConnection::create_slot(const std::string& slot) {
  RBC_ASSIGN_OR_RETURN(auto result, conn_.query("CREATE_REPLICATION_SLOT " + quote_ident(slot) +
                                                " LOGICAL pgoutput EXPORT_SNAPSHOT"));
  CreatedSlot created;
  auto lsn = parse_lsn(PQgetvalue(result.get(), 0, 1));
  if (!lsn) return Status::internal("postgres: unreadable consistent point creating slot " + slot);
  created.consistent_point = *lsn;
  created.snapshot = PQgetvalue(result.get(), 0, 2);
  return created;
}

Status ReplicationConnection::start(const std::string& slot, const std::string& publication, Lsn from) {
  std::string sql = "START_REPLICATION SLOT " + quote_ident(slot) + " LOGICAL " + format_lsn(from) +
                    " (proto_version '1', publication_names " + quote_literal(quote_ident(publication)) + ")";
  PgResult result(PQexec(conn_.get(), sql.c_str()));
  if (!result || PQresultStatus(result.get()) != PGRES_COPY_BOTH) {
    return conn_.error_status(result.get(), "starting replication from slot " + slot);
  }
  return Status::ok();
}

Result<std::optional<WalMessage>> ReplicationConnection::receive(int timeout_ms) {
  free_buffer();
  for (int round = 0; round < 2; ++round) {
    int length = PQgetCopyData(conn_.get(), &buffer_, /*async=*/1);
    if (length == 0) {
      if (round == 1) return std::optional<WalMessage>();
      // Nothing buffered: wait for the socket, then read what arrived.
      pollfd fd{PQsocket(conn_.get()), POLLIN, 0};
      int ready = poll(&fd, 1, timeout_ms);
      if (ready < 0 && errno != EINTR) return Status::io_error("postgres: waiting for changes: poll failed");
      if (ready <= 0) return std::optional<WalMessage>();
      if (PQconsumeInput(conn_.get()) != 1) return conn_.error_status(nullptr, "receiving changes");
      continue;
    }
    if (length == -2) return conn_.error_status(nullptr, "receiving changes");
    if (length == -1) {
      PgResult result(PQgetResult(conn_.get()));
      return conn_.error_status(result.get(), "the server ended the replication stream");
    }
    Reader in(std::string_view(buffer_, static_cast<size_t>(length)));
    char kind = static_cast<char>(in.read<uint8_t>());
    WalMessage message;
    if (kind == 'w') {
      message.kind = WalMessage::Kind::data;
      message.wal_start = in.read<uint64_t>();
      message.wal_end = in.read<uint64_t>();
      in.read<int64_t>();  // send time
      message.payload = std::string_view(buffer_ + 25, length >= 25 ? static_cast<size_t>(length) - 25 : 0);
    } else if (kind == 'k') {
      message.kind = WalMessage::Kind::keepalive;
      message.wal_end = in.read<uint64_t>();
      in.read<int64_t>();
      message.reply_requested = in.read<uint8_t>() != 0;
    } else {
      return Status::io_error(std::string("postgres: unexpected replication message '") + kind + "'");
    }
    if (!in.ok()) return Status::io_error("postgres: truncated replication message");
    return std::optional<WalMessage>(message);
  }
  return std::optional<WalMessage>();
}

Status ReplicationConnection::send_status(Lsn received, Lsn flushed) {
  std::string message = "r";
  put_int64(message, static_cast<int64_t>(received));
  put_int64(message, static_cast<int64_t>(flushed));
  put_int64(message, static_cast<int64_t>(flushed));  // applied
  put_int64(message, pg_now_micros());
  message.push_back(0);  // no reply requested
  if (PQputCopyData(conn_.get(), message.data(), static_cast<int>(message.size())) != 1 ||
      PQflush(conn_.get()) != 0) {
    return conn_.error_status(nullptr, "confirming the replication position");
  }
  return Status::ok();
}

Status parse_pgoutput(std::string_view payload, PgOutputMessage& out) {
  Reader in(payload);
  out.type = static_cast<char>(in.read<uint8_t>());
  out.old_kind = 0;
  out.old_values.clear();
  out.new_values.clear();
  bool ok = true;
  switch (out.type) {
    case 'B':
      out.commit_lsn = in.read<uint64_t>();
      out.commit_time_us = unix_micros_from_pg(in.read<int64_t>());
      in.read<uint32_t>();  // xid
      break;
    case 'C':
      in.read<uint8_t>();  // flags
      out.commit_lsn = in.read<uint64_t>();
      out.end_lsn = in.read<uint64_t>();
      out.commit_time_us = unix_micros_from_pg(in.read<int64_t>());
      break;
    case 'R': {
      PgOutputRelation& relation = out.described;
      relation.oid = in.read<uint32_t>();
      relation.schema = in.cstring();
      relation.name = in.cstring();
      in.read<uint8_t>();  // replica identity
      int16_t columns = in.read<int16_t>();
      relation.columns.clear();
      for (int16_t i = 0; i < columns && in.ok(); ++i) {
        in.read<uint8_t>();  // flags: part of the key
        relation.columns.emplace_back(in.cstring());
        in.read<uint32_t>();  // type oid
        in.read<int32_t>();   // typmod
      }
      break;
    }
    case 'I':
      out.relation = in.read<uint32_t>();
      ok = in.read<uint8_t>() == 'N' && parse_tuple(in, out.new_values);
      break;
    case 'U': {
      out.relation = in.read<uint32_t>();
      char next = static_cast<char>(in.read<uint8_t>());
      if (next == 'K' || next == 'O') {
        out.old_kind = next;
        ok = parse_tuple(in, out.old_values);
        next = static_cast<char>(in.read<uint8_t>());
      }
      ok = ok && next == 'N' && parse_tuple(in, out.new_values);
      break;
    }
    case 'D': {
      out.relation = in.read<uint32_t>();
      out.old_kind = static_cast<char>(in.read<uint8_t>());
      ok = (out.old_kind == 'K' || out.old_kind == 'O') && parse_tuple(in, out.old_values);
      break;
    }
    case 'T': {
      int32_t count = in.read<int32_t>();
      in.read<uint8_t>();  // options: CASCADE, RESTART IDENTITY
      out.truncated.clear();
      for (int32_t i = 0; i < count && in.ok(); ++i) out.truncated.push_back(in.read<uint32_t>());
      break;
    }
    default: return Status::ok();
  }
  if (!ok || !in.ok()) {
    return Status::io_error(std::string("postgres: malformed pgoutput message '") + out.type + "'");
  }
  return Status::ok();
}

}  // namespace rbc::pg
