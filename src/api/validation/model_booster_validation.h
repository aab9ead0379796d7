// The ModelBooster validating webhook (spec kthena-workload.md §1.3), plus the checks that keep a v0.2.0
// autoscalingPolicy convertible into an AutoscalingPolicy. The mutating webhook is a no-op upstream, so there is
// none here.
#pragma once

#include "api/field_error.h"
#include "api/json.h"

namespace kthena::api {

FieldErrors validate_model_booster(const Json& object, const Json* old_object);

}  // namespace kthena::api
