// Errors as values. Every fallible function returns Result<T>; exceptions never cross the router's hot path.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace kthena {

// The kinds of failure the platform distinguishes. Each maps onto one HTTP status (http_status()) and onto the
// `reason` of a Kubernetes Status object, so an error can travel from storage to kubectl without re-classification.
enum class ErrorCode {
  kInvalid,           // 422 Unprocessable Entity: the input is well-formed but breaks a rule (field errors)
  kBadRequest,        // 400: the input cannot be parsed
  kUnauthorized,      // 401
  kForbidden,         // 403
  kNotFound,          // 404
  kMethodNotAllowed,  // 405
  kAlreadyExists,     // 409, reason AlreadyExists
  kConflict,          // 409, reason Conflict (stale resourceVersion)
  kGone,              // 410: a watch resumed from a compacted resourceVersion
  kTooLarge,          // 413
  kTooManyRequests,   // 429
  kInternal,          // 500
  kUnavailable,       // 503
  kTimeout,           // 504
  kIo,                // a file or socket failed; 500 when it reaches HTTP
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string field;    // the offending field path or input position ("spec.replicas", "file.yaml:3:7"), may be empty
  std::string message;  // what went wrong, for humans; never includes the field again

  // "field: message", or just the message when there is no field.
  std::string to_string() const;
  int http_status() const;
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string message, std::string field = {}) {
  return tl::unexpected<Error>(Error{code, std::move(field), std::move(message)});
}
inline tl::unexpected<Error> fail(Error error) {
  return tl::unexpected<Error>(std::move(error));
}

std::string_view to_string(ErrorCode code);

}  // namespace kthena
