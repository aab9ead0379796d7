#include "controllers/modelbooster/model_server_builder.h"

#include "api/validation/kv_connector.h"
#include "controllers/modelbooster/ownership.h"
#include "controllers/revision_hash.h"

namespace kthena::controllers::modelbooster {

std::string served_model_name(const ModelBooster& booster) {
  for (const ModelWorker& w : booster.backend.workers) {
    if (w.type != kWorkerServer && w.type != kWorkerDecode) continue;
    if (!w.config.is_object()) break;
    auto it = w.config.find("served-model-name");
    if (it != w.config.end() && it->is_string()) return it->get<std::string>();
  }
  return booster.name;
}

Result<Json> build_model_server(const ModelBooster& booster, const BackendSettings& settings) {
  const ModelBackend& backend = booster.backend;
  const bool disaggregated = backend.type == kBackendVllmDisaggregated;
  if (backend.type != kBackendVllm && !disaggregated) {
    return field_failure(invalid(FieldPath("spec.backend.type"), backend.type,
                                 "not support " + backend.type + " backend yet, please use vLLM backend"));
  }
  auto connector = api::kv_connector_type(backend.json);
  if (!connector) {
    return field_failure(invalid(FieldPath("spec.backend.workers"), backend.name,
                                 "invalid kv connector configuration: " + connector.error().message));
  }

  Json selector = {{"matchLabels", {{kModelUidLabel, booster.uid}}}};
  if (disaggregated) {
    selector["pdGroup"] = {
        {"groupKey", "modelserving.volcano.sh/group-name"},
        {"prefillLabels", {{"modelserving.volcano.sh/role", kWorkerPrefill}}},
        {"decodeLabels", {{"modelserving.volcano.sh/role", kWorkerDecode}}},
    };
  }
  Json spec = {
      {"model", served_model_name(booster)},
      {"inferenceEngine", "vLLM"},
      {"workloadSelector", std::move(selector)},
      {"workloadPort", {{"port", settings.engine_port}}},
      {"trafficPolicy", {{"retry", {{"attempts", 5}, {"retryInterval", "0s"}}}}},
  };
  if (*connector) spec["kvConnector"] = {{"type", **connector}};

  const std::string name = backend_resource_name(booster.name, backend.name);
  return Json{
      {"apiVersion", kNetworkingApiVersion},
      {"kind", "ModelServer"},
      {"metadata", object_metadata(booster, name, backend.name, revision_hash(spec))},
      {"spec", std::move(spec)},
  };
}

}  // namespace kthena::controllers::modelbooster
