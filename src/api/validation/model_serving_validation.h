// The ModelServing validating webhook (spec kthena-workload.md §1.4), plus v0.2.0's maxSurge, which is validated
// as upstream v0.2.0 did and otherwise ignored. There is no ModelServing mutating webhook upstream.
#pragma once

#include "api/field_error.h"
#include "api/json.h"

namespace kthena::api {

FieldErrors validate_model_serving(const Json& object, const Json* old_object);

}  // namespace kthena::api
