#include "router/pipeline/error_response.h"

#include "common/json_string.h"
#include "router/request/body_editor.h"

namespace kthena::router {

std::string_view error_type_for_status(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 502:
    case 503:
    case 504:
      return "service_unavailable_error";
    default:
      return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

std::string error_body(int status, std::string_view message, std::string_view code) {
  std::string out = "{\"error\":{\"message\":";
  append_json_string(out, message);
  out += ",\"type\":";
  append_json_string(out, error_type_for_status(status));
  out += ",\"code\":";
  if (code.empty()) {
    out += "null";
  } else {
    append_json_string(out, code);
  }
  out += "}}";
  return out;
}

http::ErrorBody protocol_error_body(int status, std::string_view message) {
  std::string_view code;
  switch (status) {
    case 400:
      code = "bad_request";
      break;
    case 413:
      code = "request_too_large";
      break;
    case 431:
      code = "request_header_fields_too_large";
      break;
    case 501:
      code = "not_implemented";
      break;
    case 505:
      code = "http_version_not_supported";
      break;
    default:
      code = status >= 500 ? "internal_error" : "bad_request";
  }
  return {"application/json", error_body(status, message, code)};
}

}  // namespace kthena::router
