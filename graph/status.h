// Errors as values: Status and Result<T>, in the manner of Arrow.
// Compile-time code returns these; exceptions only cross oneTBB node bodies.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace rbc {

enum class StatusCode { ok, invalid, not_found, io_error, type_error, cancelled, internal };

// Whether the attempt that failed may be run again (docs/execution.md, Retries), for errors from an
// external system that knows (PostgreSQL's SQLSTATE and commit state). A Status without
// it is never retried.
struct RetryDetail {
  bool retryable = false;      // transient in nature: a new attempt may succeed
  bool safe_to_retry = false;  // nothing the failed step did can have been committed
  std::string category;        // "connection", "deadlock", ... (for messages and logs)
  int base_backoff_ms = 0;     // the first wait; it doubles with every retry
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status ok() { return {}; }
  static Status invalid(std::string message) { return {StatusCode::invalid, std::move(message)}; }
  static Status not_found(std::string message) { return {StatusCode::not_found, std::move(message)}; }
  static Status io_error(std::string message) { return {StatusCode::io_error, std::move(message)}; }
  static Status type_error(std::string message) { return {StatusCode::type_error, std::move(message)}; }
  static Status cancelled(std::string message) { return {StatusCode::cancelled, std::move(message)}; }
  static Status internal(std::string message) { return {StatusCode::internal, std::move(message)}; }

  bool is_ok() const { return code_ == StatusCode::ok; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::optional<RetryDetail>& retry() const { return retry_; }
  // The same error, carrying `detail`.
  Status with_retry(RetryDetail detail) && {
    retry_ = std::move(detail);
    return std::move(*this);
  }
  // The same error with `prefix` before its message ("commit: ..."), keeping the detail.
  Status prefixed(std::string_view prefix) const {
    Status out = *this;
    out.message_.insert(0, prefix);
    return out;
  }

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::ok;
  std::string message_;
  std::optional<RetryDetail> retry_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : value_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(value_).is_ok() && "a Result needs a value or an error");
  }

  bool is_ok() const { return std::holds_alternative<T>(value_); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const {
    static const Status ok_status;
    return is_ok() ? ok_status : std::get<Status>(value_);
  }
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace rbc

#define RBC_CONCAT_INNER(a, b) a##b
#define RBC_CONCAT(a, b) RBC_CONCAT_INNER(a, b)

// Returns early from the enclosing function when `expr` (a Status) is not ok.
#define RBC_RETURN_NOT_OK(expr)                   \
  do {                                            \
    ::rbc::Status rbc_status_ = (expr);           \
    if (!rbc_status_.is_ok()) return rbc_status_; \
  } while (false)

#define RBC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.is_ok()) return tmp.status();          \
  lhs = std::move(tmp).value()

// `RBC_ASSIGN_OR_RETURN(auto x, f());` binds x to f()'s value or returns its error.
#define RBC_ASSIGN_OR_RETURN(lhs, expr) \
  RBC_ASSIGN_OR_RETURN_IMPL(RBC_CONCAT(rbc_result_, __LINE__), lhs, expr)
