// The bodies of the router's own error answers. Upstream answers with bare JSON strings ("route not found"); we
// keep its status codes and texts but wrap them as OpenAI error objects, which OpenAI clients parse:
// {"error":{"message":"route not found","type":"not_found_error","code":"route_not_found"}}.
#pragma once

#include <string>
#include <string_view>

#include "http/server.h"

namespace kthena::router {

// The OpenAI `type` for an HTTP status ("invalid_request_error", "not_found_error", ...).
std::string_view error_type_for_status(int status);

// `code` is the access-log error type (route_not_found, pod_discovery, ...), or empty for null.
std::string error_body(int status, std::string_view message, std::string_view code);

// For http::ServerOptions::error_body: the errors the HTTP server answers itself (malformed request 400, body over
// --max-body-size 413, head too large 431, ...) as the same error objects, with a code naming the condition.
http::ErrorBody protocol_error_body(int status, std::string_view message);

}  // namespace kthena::router
