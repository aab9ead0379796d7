// The webhooks' validateIntOrPercent (kthena's, not apimachinery's): an IntOrString that counts ServingGroups or
// role instances must be a non-negative integer or "N%" with N in 0..100.
#pragma once

#include "api/field_error.h"
#include "api/json.h"

namespace kthena::api::validation {

FieldErrors validate_int_or_percent(const Json& value, const FieldPath& path);

}  // namespace kthena::api::validation
