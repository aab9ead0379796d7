#include "common/result.h"

namespace kthena {

std::string Error::to_string() const {
  if (field.empty()) return message;
  return field + ": " + message;
}

int Error::http_status() const {
  switch (code) {
    case ErrorCode::kInvalid:
      return 422;
    case ErrorCode::kBadRequest:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kMethodNotAllowed:
      return 405;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kGone:
      return 410;
    case ErrorCode::kTooLarge:
      return 413;
    case ErrorCode::kTooManyRequests:
      return 429;
    case ErrorCode::kInternal:
      return 500;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kTimeout:
      return 504;
    case ErrorCode::kIo:
      return 500;
  }
  return 500;
}

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalid:
      return "Invalid";
    case ErrorCode::kBadRequest:
      return "BadRequest";
    case ErrorCode::kUnauthorized:
      return "Unauthorized";
    case ErrorCode::kForbidden:
      return "Forbidden";
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kMethodNotAllowed:
      return "MethodNotAllowed";
    case ErrorCode::kAlreadyExists:
      return "AlreadyExists";
    case ErrorCode::kConflict:
      return "Conflict";
    case ErrorCode::kGone:
      return "Expired";
    case ErrorCode::kTooLarge:
      return "RequestEntityTooLarge";
    case ErrorCode::kTooManyRequests:
      return "TooManyRequests";
    case ErrorCode::kInternal:
      return "InternalError";
    case ErrorCode::kUnavailable:
      return "ServiceUnavailable";
    case ErrorCode::kTimeout:
      return "Timeout";
    case ErrorCode::kIo:
      return "InternalError";
  }
  return "InternalError";
}

}  // namespace kthena
