// The AutoscalingPolicy mutating webhook (spec kthena-workload.md §1.5): fills the scaling behaviour that the CRD
// defaults cannot, because a default only applies inside an object that exists. It runs after the schema defaults,
// as the real apiserver orders them, so a policy that names only some sub-objects of `behavior` gets the CRD
// defaults there and just the missing stabilization windows from here.
#pragma once

#include "api/json.h"

namespace kthena::api {

void default_autoscaling_policy(Json& object);

}  // namespace kthena::api
