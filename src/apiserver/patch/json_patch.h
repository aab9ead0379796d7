// JSON patch (RFC 6902): `kubectl patch --type=json`. Every operation applies or none does; an error names the
// operation's index and path.
#pragma once

#include "api/json.h"
#include "common/result.h"

namespace kthena::apiserver {

// kBadRequest when `patch` is not a list of operations; kInvalid when an operation does not apply (a missing path,
// a failed test), as the Kubernetes API server answers (422).
Result<Json> apply_json_patch(const Json& document, const Json& patch);

}  // namespace kthena::apiserver
