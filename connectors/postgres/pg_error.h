// PostgreSQL error classification: SQLSTATE class → category → retry policy, plus where
// the failure happened relative to the commit, so the runtime never retries work that
// may already be durable (docs/execution.md, Retries: only if is_retryable && safe_to_retry).
#pragma once

#include <string>
#include <string_view>

#include "graph/status.h"

namespace rbc::pg {

enum class PgErrorCategory {
  connection,     // class 08, or libpq lost/failed the connection (no SQLSTATE)
  serialization,  // 40001
  deadlock,       // 40P01
  resources,      // class 53 (too many connections, out of memory), 55P03 lock not available,
                  // 57P01..57P03 server shutting down / cannot connect now
  data,           // class 22: bad value for the column type
  constraint,     // class 23: unique, not null, foreign key, check
  permission,     // 42501, 28xxx (authentication)
  undefined,      // 42P01 undefined table, 42703 undefined column, 3F000 undefined schema
  other,
};

enum class CommitState {
  before_commit,           // nothing was committed: the attempt can be redone
  after_commit_confirmed,  // the server confirmed the commit, the failure came later
  after_commit_unknown,    // the connection broke during COMMIT: it may or may not have happened
};

struct PgError {
  std::string sqlstate;  // five characters, or empty when libpq failed without one
  PgErrorCategory category = PgErrorCategory::other;
  CommitState commit_state = CommitState::before_commit;
  std::string message;  // one line, password redacted

  // The error is transient in nature (a retry may succeed).
  bool is_retryable() const;
  // Retrying cannot duplicate committed work.
  bool safe_to_retry() const { return commit_state == CommitState::before_commit; }
  bool should_retry() const { return is_retryable() && safe_to_retry(); }
  // "postgres: <message> [SQLSTATE 23505, constraint, not retryable]" with a matching code
  // and the RetryDetail the runtime decides on.
  Status to_status() const;
};

PgErrorCategory classify_sqlstate(std::string_view sqlstate);
// The first retry's wait for a retryable category, in milliseconds (0 for the others).
int base_backoff_ms(PgErrorCategory category);
const char* category_name(PgErrorCategory category);
const char* commit_state_name(CommitState state);

}  // namespace rbc::pg
