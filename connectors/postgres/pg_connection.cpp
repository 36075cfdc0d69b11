// Connection settings, connecting, running statements and turning libpq errors into
// one-line, redacted, classified errors.
#include "connectors/postgres/pg_connection.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <optional>

#include "graph/redact.h"
#include "graph/utf8.h"

namespace rbc::pg {

namespace {

std::string json_to_string(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  return json_text(value);
}

// Collapses newlines and runs of spaces ("FATAL:  password ...\n") onto one line.
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

void set_keyword(std::vector<std::pair<std::string, std::string>>& keywords, const std::string& key,
                 std::string value) {
  for (auto& [k, v] : keywords) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  keywords.emplace_back(key, std::move(value));
}

const std::string* find_keyword(const std::vector<std::pair<std::string, std::string>>& keywords,
                                const std::string& key) {
  for (const auto& [k, v] : keywords) {
    if (k == key) return &v;
  }
  return nullptr;
}

// Removes the user:password part of anything that looks like a URI in `text`, for the
// case where the password could not be extracted (an unparsable url).
std::string strip_uri_credentials(std::string text) {
  for (size_t at = text.find("://"); at != std::string::npos; at = text.find("://", at + 3)) {
    size_t end = text.find_first_of("/ \"'", at + 3);
    size_t amp = text.rfind('@', end == std::string::npos ? text.size() : end);
    if (amp != std::string::npos && amp > at) text.replace(at + 3, amp - at - 3, "***");
  }
  return text;
}

}  // namespace

std::string ConnParams::redact(std::string text) const {
  // A secret is replaced where it stands as a token of its own, not inside a longer
  // name: a password "rbc" must not turn the table rbc_orders into ***_orders.
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    // A password that is also the user (or database, or host) name cannot be told apart
    // from it in free text; the structural redaction below still masks it where it
    // stands as a password.
    bool names_something = false;
    for (const char* keyword : {"user", "dbname", "host"}) {
      const std::string* named = find_keyword(keywords, keyword);
      names_something = names_something || (named != nullptr && *named == secret);
    }
    if (names_something) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 1)) {
      bool inside_word = (at > 0 && word_char(text[at - 1]) && word_char(secret.front())) ||
                         (at + secret.size() < text.size() && word_char(text[at + secret.size()]) &&
                          word_char(secret.back()));
      if (inside_word) continue;
      text.replace(at, secret.size(), "***");
    }
  }
  return one_line(redact_secrets(text));
}

Result<ConnParams> conn_params_from_config(const Config& config) {
  ConnParams params;
  const auto& values = config.values;
  if (auto it = values.find("url"); it != values.end()) {
    if (!it->is_string()) return Status::invalid("postgres: `url` must be a string");
    std::string url = it->get<std::string>();
    char* err = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &err);
    if (options == nullptr) {
      std::string message = err ? err : "out of memory";
      PQfreemem(err);
      return Status::invalid("postgres: invalid `url`: " + strip_uri_credentials(one_line(message)));
    }
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
      if (o->val == nullptr) continue;
      set_keyword(params.keywords, o->keyword, o->val);
      if (std::strcmp(o->keyword, "password") == 0) params.secrets.push_back(o->val);
    }
    PQconninfoFree(options);
  }
  static const std::pair<const char*, const char*> kOverrides[] = {
      {"host", "host"},       {"port", "port"},
      {"user", "user"},       {"password", "password"},
      {"database", "dbname"}, {"dbname", "dbname"},
      {"sslmode", "sslmode"}, {"connect_timeout", "connect_timeout"}};
  for (const auto& [key, keyword] : kOverrides) {
    auto it = values.find(key);
    if (it == values.end() || it->is_null()) continue;
    std::string value = json_to_string(*it);
    if (std::strcmp(key, "password") == 0) params.secrets.push_back(value);
    set_keyword(params.keywords, keyword, std::move(value));
  }
  if (!find_keyword(params.keywords, "connect_timeout"))
    set_keyword(params.keywords, "connect_timeout", "10");
  if (!find_keyword(params.keywords, "application_name"))
    set_keyword(params.keywords, "application_name", "rbc");
  params.schema = config.string_or("schema", "public");

  // What libpq uses for a keyword the config leaves out: its environment variable (PGHOST,
  // PGPORT, PGUSER, PGDATABASE, PGPASSWORD, ...) or its built-in default.
  std::map<std::string, std::string> defaults;
  if (PQconninfoOption* options = PQconndefaults()) {
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
      if (o->val != nullptr && *o->val != '\0') defaults[o->keyword] = o->val;
    }
    PQconninfoFree(options);
  }
  if (!find_keyword(params.keywords, "password") && defaults.count("password"))
    params.secrets.push_back(defaults["password"]);
  auto part = [&](const char* key, const std::string& fallback) {
    if (const std::string* v = find_keyword(params.keywords, key)) return *v;
    auto it = defaults.find(key);
    return it != defaults.end() ? it->second : fallback;
  };
  std::string user = part("user", "");
  params.describe = user + "@" + part("host", "localhost") + ":" + part("port", "5432") + "/" +
                    part("dbname", user);  // libpq's default database is the user's name
  if (params.describe.front() == '@') params.describe.erase(0, 1);
  return params;
}

PgConn& PgConn::operator=(PgConn&& other) noexcept {
  if (this != &other) {
    close();
    conn_ = std::exchange(other.conn_, nullptr);
    params_ = std::move(other.params_);
  }
  return *this;
}

void PgConn::close() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
}

Result<PgConn> PgConn::connect(const ConnParams& params) {
  std::vector<const char*> keys, vals;
  for (const auto& [k, v] : params.keywords) {
    keys.push_back(k.c_str());
    vals.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  vals.push_back(nullptr);
  PgConn conn;
  conn.params_ = std::make_shared<const ConnParams>(params);
  conn.conn_ = PQconnectdbParams(keys.data(), vals.data(), 0);
  if (conn.conn_ == nullptr) return Status::io_error("postgres: out of memory while connecting");
  if (PQstatus(conn.conn_) != CONNECTION_OK) {
    PgError error;
    std::string message = PQerrorMessage(conn.conn_);
    // libpq reports connection-time server errors as text only; recover the SQLSTATE of
    // the ones that a retry cannot fix, so that they are not retried.
    if (message.find("password authentication failed") != std::string::npos ||
        message.find("no password supplied") != std::string::npos) {
      error.sqlstate = "28P01";
    } else if (message.find("role \"") != std::string::npos &&
               message.find("does not exist") != std::string::npos) {
      error.sqlstate = "28000";
    } else if (message.find("database \"") != std::string::npos &&
               message.find("does not exist") != std::string::npos) {
      error.sqlstate = "3D000";
    } else {
      error.sqlstate = "08001";
    }
    error.category = classify_sqlstate(error.sqlstate);
    error.message = params.redact("cannot connect to " + params.describe + ": " + message);
    return error.to_status();
  }
  // Server NOTICEs ("table does not exist, skipping") are not errors; keep them off stderr.
  PQsetNoticeProcessor(
      conn.conn_, [](void*, const char*) {}, nullptr);
  return conn;
}

std::string settings_key(const ConnParams& params) {
  std::string key;
  for (const auto& [k, v] : params.keywords) key += k + '=' + v + '\n';
  return key;
}

void IdleConnections::keep(const ConnParams& params, PgConn conn) {
  if (!conn.is_open() || PQtransactionStatus(conn.get()) != PQTRANS_IDLE) return;
  std::lock_guard lock(mu_);
  by_settings_.emplace(settings_key(params), std::move(conn));
}

std::optional<PgConn> IdleConnections::take(const std::string& settings) {
  std::lock_guard lock(mu_);
  auto it = by_settings_.find(settings);
  if (it == by_settings_.end()) return std::nullopt;
  PgConn conn = std::move(it->second);
  by_settings_.erase(it);
  // The server may have closed it meanwhile (a restart, idle_session_timeout).
  if (PQconsumeInput(conn.get()) == 0 || PQstatus(conn.get()) != CONNECTION_OK) return std::nullopt;
  return conn;
}

size_t IdleConnections::size() {
  std::lock_guard lock(mu_);
  return by_settings_.size();
}

ConnectAhead::~ConnectAhead() {
  for (auto& [key, connection] : pending_) connection.wait();
}

void ConnectAhead::start(const Config& config, int count, IdleConnections* idle_connections) {
  Result<ConnParams> params = conn_params_from_config(config);
  if (!params.is_ok() || count <= 0) return;
  std::lock_guard lock(mu_);
  const std::string key = settings_key(*params);
  std::shared_future<Status> first_opened;
  std::optional<PgConn> idle = idle_connections ? idle_connections->take(key) : std::nullopt;
  if (idle) {
    std::promise<Result<PgConn>> open;
    open.set_value(std::move(*idle));
    pending_.emplace_back(key, open.get_future());
    std::promise<Status> ok;
    ok.set_value(Status::ok());
    first_opened = ok.get_future().share();
  } else {
    auto opened = std::make_shared<std::promise<Status>>();
    first_opened = opened->get_future().share();
    pending_.emplace_back(key, std::async(std::launch::async, [params = *params, opened] {
                            Result<PgConn> conn = PgConn::connect(params);
                            opened->set_value(conn.status());
                            return conn;
                          }));
  }
  for (int i = 1; i < count; ++i) {
    pending_.emplace_back(
        key, std::async(std::launch::async, [params = *params, first_opened]() -> Result<PgConn> {
          if (Status status = first_opened.get(); !status.is_ok()) return status;
          return PgConn::connect(params);
        }));
  }
}

Result<PgConn> ConnectAhead::take(const ConnParams& params) {
  std::future<Result<PgConn>> connection;
  {
    std::lock_guard lock(mu_);
    auto it = std::find_if(pending_.begin(), pending_.end(),
                           [key = settings_key(params)](const auto& p) { return p.first == key; });
    if (it == pending_.end()) return PgConn::connect(params);
    connection = std::move(it->second);
    pending_.erase(it);
  }
  return connection.get();
}

void ConnectAhead::give_back(const ConnParams& params, PgConn conn) {
  if (!conn.is_open() || PQtransactionStatus(conn.get()) != PQTRANS_IDLE) return;
  std::promise<Result<PgConn>> ready;
  ready.set_value(std::move(conn));
  std::lock_guard lock(mu_);
  pending_.emplace(pending_.begin(), settings_key(params), ready.get_future());
}

PgError PgConn::error(const PGresult* result, std::string_view context, CommitState state) const {
  PgError error;
  error.commit_state = state;
  std::string text;
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (sqlstate != nullptr) error.sqlstate = sqlstate;
  if (primary != nullptr) {
    text = primary;
    if (const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL))
      text += " (" + std::string(detail) + ")";
  } else if (result != nullptr && *PQresultErrorMessage(result) != '\0') {
    text = PQresultErrorMessage(result);
  } else if (conn_ != nullptr) {
    text = PQerrorMessage(conn_);
  }
  if (text.empty()) text = "unknown error";
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_BAD && error.sqlstate.empty()) {
    // libpq lost the connection without a server error to say why: report it as
    // connection_failure so that every message names a SQLSTATE.
    error.sqlstate = "08006";
  }
  error.category = classify_sqlstate(error.sqlstate);
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_BAD) error.category = PgErrorCategory::connection;
  std::string full = context.empty() ? text : std::string(context) + ": " + text;
  error.message = params_ ? params_->redact(full) : one_line(full);
  return error;
}

Status PgConn::exec(const std::string& sql, CommitState state) {
  PgResult result(PQexec(conn_, sql.c_str()));
  ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Status::ok();
  return error_status(result.get(), {}, state);
}

Result<PgResult> PgConn::query(const std::string& sql) {
  PgResult result(PQexec(conn_, sql.c_str()));
  if (result && PQresultStatus(result.get()) == PGRES_TUPLES_OK) return result;
  return error_status(result.get());
}

std::string quote_ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

TableRef parse_table_name(std::string_view stream, std::string_view default_schema) {
  size_t dot = stream.find('.');
  if (dot == std::string_view::npos) return {std::string(default_schema), std::string(stream)};
  return {std::string(stream.substr(0, dot)), std::string(stream.substr(dot + 1))};
}

}  // namespace rbc::pg
