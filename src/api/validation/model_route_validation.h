// The ModelRoute validating webhook that upstream runs in the router (spec kthena-router.md §1.4).
#pragma once

#include "api/field_error.h"
#include "api/json.h"

namespace kthena::api {

FieldErrors validate_model_route(const Json& object, const Json* old_object);

}  // namespace kthena::api
