// ModelBooster -> ModelRoute (spec kthena-workload.md §2.6): the client-facing model name, routed to the
// generated ModelServer.
#pragma once

#include "api/json.h"
#include "controllers/modelbooster/model_booster.h"

namespace kthena::controllers::modelbooster {

// The complete ModelRoute, named after the booster, with an empty backend-name label; its revision label hashes
// its spec.
Json build_model_route(const ModelBooster& booster);

}  // namespace kthena::controllers::modelbooster
