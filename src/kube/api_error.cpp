#include "kube/api_error.h"

#include <fmt/format.h>

namespace kthena::kube {
namespace {

ErrorCode code_of(std::string_view reason, int status) {
  if (reason == "NotFound") return ErrorCode::kNotFound;
  if (reason == "AlreadyExists") return ErrorCode::kAlreadyExists;
  if (reason == "Conflict") return ErrorCode::kConflict;
  if (reason == "Invalid") return ErrorCode::kInvalid;
  if (reason == "BadRequest") return ErrorCode::kBadRequest;
  if (reason == "Unauthorized") return ErrorCode::kUnauthorized;
  if (reason == "Forbidden") return ErrorCode::kForbidden;
  if (reason == "MethodNotAllowed") return ErrorCode::kMethodNotAllowed;
  if (reason == "Expired" || reason == "Gone") return ErrorCode::kGone;
  if (reason == "RequestEntityTooLarge") return ErrorCode::kTooLarge;
  if (reason == "TooManyRequests") return ErrorCode::kTooManyRequests;
  if (reason == "ServiceUnavailable") return ErrorCode::kUnavailable;
  if (reason == "Timeout") return ErrorCode::kTimeout;
  switch (status) {
    case 400:
      return ErrorCode::kBadRequest;
    case 401:
      return ErrorCode::kUnauthorized;
    case 403:
      return ErrorCode::kForbidden;
    case 404:
      return ErrorCode::kNotFound;
    case 405:
      return ErrorCode::kMethodNotAllowed;
    case 409:
      return ErrorCode::kConflict;
    case 410:
      return ErrorCode::kGone;
    case 413:
      return ErrorCode::kTooLarge;
    case 422:
      return ErrorCode::kInvalid;
    case 429:
      return ErrorCode::kTooManyRequests;
    case 503:
      return ErrorCode::kUnavailable;
    case 504:
      return ErrorCode::kTimeout;
    default:
      return status >= 400 && status < 500 ? ErrorCode::kBadRequest : ErrorCode::kInternal;
  }
}

}  // namespace

Error error_from_status(const Json& status) {
  std::string reason = status.is_object() && status.contains("reason") && status["reason"].is_string()
                           ? status["reason"].get<std::string>()
                           : "";
  int code = status.is_object() && status.contains("code") && status["code"].is_number_integer()
                 ? status["code"].get<int>()
                 : 500;
  Error error;
  error.code = code_of(reason, code);
  error.message = status.is_object() && status.contains("message") && status["message"].is_string()
                      ? status["message"].get<std::string>()
                      : fmt::format("the server answered {}", code);
  return error;
}

Error error_from_response(int status, std::string_view body) {
  Json parsed = Json::parse(body, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("kind") && parsed["kind"] == "Status") {
    Json copy = parsed;
    if (!copy.contains("code")) copy["code"] = status;
    return error_from_status(copy);
  }
  Error error;
  error.code = code_of("", status);
  std::string text(body.substr(0, 200));
  error.message = fmt::format("the server answered {}{}{}", status, text.empty() ? "" : ": ", text);
  return error;
}

}  // namespace kthena::kube
