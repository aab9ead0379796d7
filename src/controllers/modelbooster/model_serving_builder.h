// ModelBooster -> ModelServing (spec kthena-workload.md §2.4): the values that fill templates/vllm.yaml or
// templates/vllm_pd.yaml.
#pragma once

#include <cstdint>

#include "api/json.h"
#include "common/result.h"
#include "controllers/modelbooster/backend_settings.h"
#include "controllers/modelbooster/convert_options.h"
#include "controllers/modelbooster/model_booster.h"

namespace kthena::controllers::modelbooster {

// The parsed templates, by backend type.
struct ServingTemplates {
  Json vllm;
  Json vllm_pd;
};

// The complete ModelServing. `replicas` is its spec.replicas (the backend's, or the v0.2.0 mapping's). Its
// revision label hashes spec.backend exactly as admitted, as upstream's does.
Result<Json> build_model_serving(const ModelBooster& booster, const BackendSettings& settings,
                                 const ConvertOptions& options, int32_t replicas, const ServingTemplates& templates);

}  // namespace kthena::controllers::modelbooster
