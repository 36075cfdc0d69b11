// SQLSTATE classification and conversion of PostgreSQL errors to Status.
#include "connectors/postgres/pg_error.h"

namespace rbc::pg {

PgErrorCategory classify_sqlstate(std::string_view s) {
  if (s.size() != 5) return PgErrorCategory::connection;  // libpq-level failure: no server error
  std::string_view cls = s.substr(0, 2);
  if (cls == "08") return PgErrorCategory::connection;
  if (s == "40001") return PgErrorCategory::serialization;
  if (s == "40P01") return PgErrorCategory::deadlock;
  if (cls == "53" || s == "55P03" || s == "57P01" || s == "57P02" || s == "57P03") {
    return PgErrorCategory::resources;
  }
  if (cls == "22") return PgErrorCategory::data;
  if (cls == "23") return PgErrorCategory::constraint;
  if (s == "42501" || cls == "28") return PgErrorCategory::permission;
  if (s == "42P01" || s == "42703" || s == "3F000" || s == "42704") return PgErrorCategory::undefined;
  return PgErrorCategory::other;
}

bool PgError::is_retryable() const {
  switch (category) {
    case PgErrorCategory::connection:
    case PgErrorCategory::serialization:
    case PgErrorCategory::deadlock:
    case PgErrorCategory::resources: return true;
    default: return false;
  }
}

const char* category_name(PgErrorCategory category) {
  switch (category) {
    case PgErrorCategory::connection: return "connection";
    case PgErrorCategory::serialization: return "serialization";
    case PgErrorCategory::deadlock: return "deadlock";
    case PgErrorCategory::resources: return "resources";
    case PgErrorCategory::data: return "data";
    case PgErrorCategory::constraint: return "constraint";
    case PgErrorCategory::permission: return "permission";
    case PgErrorCategory::undefined: return "undefined";
    case PgErrorCategory::other: return "other";
  }
  return "other";
}

const char* commit_state_name(CommitState state) {
  switch (state) {
    case CommitState::before_commit: return "before commit";
    case CommitState::after_commit_confirmed: return "after commit";
    case CommitState::after_commit_unknown: return "commit outcome unknown";
  }
  return "?";
}

int base_backoff_ms(PgErrorCategory category) {
  switch (category) {
    case PgErrorCategory::serialization:
    case PgErrorCategory::deadlock: return 100;  // the other transaction is usually done by then
    case PgErrorCategory::connection: return 1000;
    case PgErrorCategory::resources: return 2000;  // give a server short of connections or memory time
    default: return 0;
  }
}

Status PgError::to_status() const {
  std::string text = "postgres: " + message + " [";
  if (!sqlstate.empty()) text += "SQLSTATE " + sqlstate + ", ";
  text += category_name(category);
  text += should_retry() ? ", retryable" : ", not retryable";
  if (commit_state != CommitState::before_commit) text += std::string(", ") + commit_state_name(commit_state);
  text += "]";
  RetryDetail retry{is_retryable(), safe_to_retry(), category_name(category), base_backoff_ms(category)};
  switch (category) {
    case PgErrorCategory::connection:
    case PgErrorCategory::serialization:
    case PgErrorCategory::deadlock:
    case PgErrorCategory::resources: return Status::io_error(std::move(text)).with_retry(retry);
    case PgErrorCategory::data: return Status::type_error(std::move(text)).with_retry(retry);
    case PgErrorCategory::undefined: return Status::not_found(std::move(text)).with_retry(retry);
    case PgErrorCategory::constraint:
    case PgErrorCategory::permission: return Status::invalid(std::move(text)).with_retry(retry);
    case PgErrorCategory::other: return Status::internal(std::move(text)).with_retry(retry);
  }
  return Status::internal(std::move(text)).with_retry(retry);
}

}  // namespace rbc::pg
