// Request bodies by Content-Type: JSON (the default), YAML, and the protobuf envelope of `kubectl create
// configmap|secret|namespace`; patch bodies by patch type.
#pragma once

#include <string_view>

#include "api/json.h"
#include "apiserver/api_status.h"
#include "apiserver/object_service.h"

namespace kthena::apiserver {

// The media type without parameters, lower-cased: "application/json; charset=utf-8" -> "application/json".
std::string media_type(std::string_view content_type);

// An object body for POST and PUT. 415 for a type we do not read; 400 naming the line and column of a syntax
// error.
ApiResult<Json> decode_object_body(std::string_view content_type, std::string_view body);

// The patch type of a PATCH's Content-Type (415 for anything else) and its decoded body.
ApiResult<PatchType> patch_type_of(std::string_view content_type);
ApiResult<Json> decode_patch_body(PatchType type, std::string_view body);

}  // namespace kthena::apiserver
