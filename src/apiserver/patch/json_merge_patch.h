// JSON merge patch (RFC 7386), the patch type kubectl sends for label, annotate, scale and client-side apply of
// custom resources: objects merge key by key, null deletes, anything else replaces.
#pragma once

#include "api/json.h"

namespace kthena::apiserver {

void apply_merge_patch(Json& target, const Json& patch);

}  // namespace kthena::apiserver
