// The AutoscalingPolicy validating webhook (spec kthena-workload.md §1.5), extended to accept v0.2.0 policies:
// metrics named by `metricName`, and no target (a v0.2.0 AutoscalingPolicyBinding supplies it).
#pragma once

#include "api/field_error.h"
#include "api/json.h"

namespace kthena::api {

FieldErrors validate_autoscaling_policy(const Json& object, const Json* old_object);

// The metric rules (positive finite targets, unique names) over one metrics list; null is an empty list. Shared
// with the ModelBooster webhook for v0.2.0's spec.autoscalingPolicy.
void validate_policy_metrics(const Json* metrics, const FieldPath& path, FieldErrors& errs);

// The behaviour rules (every period, window and hold within 0..30 minutes); null is an empty behaviour.
void validate_policy_behavior(const Json* behavior, const FieldPath& path, FieldErrors& errs);

}  // namespace kthena::api
