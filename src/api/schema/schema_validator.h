// Validation of a value against a compiled structural schema, with the Kubernetes API server's messages:
// types ("spec.replicas in body must be of type integer: \"string\""), formats, enum ("Unsupported value"),
// pattern, bounds, lengths, item and property counts, required members, list-type set/map uniqueness,
// x-kubernetes-validations rules (CEL), and non-finite numbers (JSON cannot carry them). Every error of the value
// at once: schema errors first, then rule errors, each in document order.
#pragma once

#include "api/field_error.h"
#include "api/json.h"
#include "api/schema/schema.h"

namespace kthena::api {

// `old_value` is the stored object on update (transition rules, those reading oldSelf, run only where an old value
// correlates with the new one: same property, same map key, same key of an x-kubernetes-list-type=map item), and
// null on create. `path` is where `value` sits ("" for a whole object).
FieldErrors validate_schema(const Json& value, const Schema& schema, const Json* old_value = nullptr,
                            const FieldPath& path = FieldPath());

}  // namespace kthena::api
