#include "controllers/modelbooster/model_route_builder.h"

#include "controllers/modelbooster/ownership.h"
#include "controllers/revision_hash.h"

namespace kthena::controllers::modelbooster {

Json build_model_route(const ModelBooster& booster) {
  Json rule = {{"name", "default"}};
  if (!booster.model_match.is_null()) rule["modelMatch"] = booster.model_match;
  rule["targetModels"] =
      Json::array({Json{{"modelServerName", backend_resource_name(booster.name, booster.backend.name)}}});
  Json spec = {
      {"modelName", booster.served_name.empty() ? booster.name : booster.served_name},
      {"rules", Json::array({std::move(rule)})},
  };
  return Json{
      {"apiVersion", kNetworkingApiVersion},
      {"kind", "ModelRoute"},
      {"metadata", object_metadata(booster, booster.name, "", revision_hash(spec))},
      {"spec", std::move(spec)},
  };
}

}  // namespace kthena::controllers::modelbooster
