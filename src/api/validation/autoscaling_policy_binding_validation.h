// Validation of v0.2.0's AutoscalingPolicyBinding (spec kthena-workload.md §1.6), which upstream removed in v1.0.0
// and which we still accept so that v0.2.0 manifests keep working. The messages follow upstream's binding webhook
// of that era; unlike it, a binding may name a policy that does not exist yet (it is inert until it does), so that
// `kubectl apply -f dir/` does not depend on file order.
#pragma once

#include "api/field_error.h"
#include "api/json.h"

namespace kthena::api {

FieldErrors validate_autoscaling_policy_binding(const Json& object, const Json* old_object);

}  // namespace kthena::api
