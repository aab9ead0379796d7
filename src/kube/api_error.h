// Kubernetes Status failures as kthena::Error values: the reason picks the ErrorCode (NotFound, AlreadyExists,
// Conflict, Invalid, Expired, ...), the message is the server's, and the first cause's field becomes the field.
#pragma once

#include <string_view>

#include "api/json.h"
#include "common/result.h"

namespace kthena::kube {

// `body` is what the server answered with HTTP `status`; it need not be a Status (a proxy's HTML error page).
Error error_from_response(int status, std::string_view body);
// A Status object (as a watch ERROR event carries it).
Error error_from_status(const Json& status);

}  // namespace kthena::kube
