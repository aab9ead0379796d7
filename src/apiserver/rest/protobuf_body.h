// The protobuf request bodies of kubectl's generator subcommands (`kubectl create configmap|secret|namespace|
// deployment|service|serviceaccount`, kubectl-protocol.md §12): kubectl's typed client sends them even to a
// JSON-only server, and does not retry with JSON after a 415. Only these kinds, and the fields kubectl fills, are
// decoded; a field with a value that is not known is refused, naming it, rather than dropped.
#pragma once

#include <string_view>

#include "api/json.h"
#include "common/result.h"

namespace kthena::apiserver {

inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";

// Decodes "k8s\0" + runtime.Unknown into the object's JSON form. kBadRequest (with the byte offset) for a
// truncated or malformed body, kUnsupported kinds as kBadRequest naming the kind.
Result<Json> decode_protobuf_body(std::string_view body);

}  // namespace kthena::apiserver
