// Structural defaulting, as the Kubernetes API server defaults custom resources: a property's `default` is set
// when the property is absent (or null and not nullable), recursively, including inside defaults just applied;
// a parent that is absent is never created. Nulls of non-nullable properties without a default are dropped.
#pragma once

#include "api/json.h"
#include "api/schema/schema.h"

namespace kthena::api {

void apply_defaults(Json& value, const Schema& schema);

}  // namespace kthena::api
