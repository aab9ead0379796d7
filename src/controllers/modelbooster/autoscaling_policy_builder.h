// v0.2.0 ModelBoosters on the current API (docs/convert.md, "v0.2.0 ModelBoosters").
//
// v0.2.0 sized a backend with minReplicas/maxReplicas and, given spec.autoscalingPolicy, generated an
// AutoscalingPolicy (metrics, tolerance, behavior) plus an AutoscalingPolicyBinding (target, bounds, metric
// endpoint). The Binding kind no longer exists, so we generate the current API's single equivalent: one
// AutoscalingPolicy whose homogeneousTarget points at the generated ModelServing, carrying the same metrics,
// target values, bounds and pod selector, and scraping the runtime sidecar's port.
#pragma once

#include <cstdint>
#include <optional>

#include "api/json.h"
#include "common/result.h"
#include "controllers/modelbooster/backend_settings.h"
#include "controllers/modelbooster/model_booster.h"

namespace kthena::controllers::modelbooster {

// The ModelServing's spec.replicas: backend.replicas when set; otherwise (v0.2.0) minReplicas, raised to 1 when an
// autoscaler is to manage it, because the autoscaler reads its metrics from the serving's pods and can never
// scale up from zero.
Result<int32_t> serving_replicas(const ModelBooster& booster);

// The AutoscalingPolicy of a booster with spec.autoscalingPolicy, nullopt without one. Its minReplicas is raised
// to 1 for the same reason; an idle model scaled to zero would stay there.
Result<std::optional<Json>> build_autoscaling_policy(const ModelBooster& booster, const BackendSettings& settings);

}  // namespace kthena::controllers::modelbooster
