// ModelBooster -> ModelServer (spec kthena-workload.md §2.5): how the router finds, reaches and pairs the pods of
// the generated ModelServing.
#pragma once

#include <string>

#include "api/json.h"
#include "common/result.h"
#include "controllers/modelbooster/backend_settings.h"
#include "controllers/modelbooster/model_booster.h"

namespace kthena::controllers::modelbooster {

// The model name the engine serves: the first string `served-model-name` in a server or decode worker's config,
// scanning in order; the booster's metadata.name when there is none, or as soon as such a worker has no config
// object (upstream's early return). spec.name is not used here.
std::string served_model_name(const ModelBooster& booster);

// The complete ModelServer; its revision label hashes its spec.
Result<Json> build_model_server(const ModelBooster& booster, const BackendSettings& settings);

}  // namespace kthena::controllers::modelbooster
