#include "controllers/modelbooster/ownership.h"

namespace kthena::controllers::modelbooster {

std::string backend_resource_name(std::string_view model_name, std::string_view backend_name) {
  if (backend_name.empty()) return std::string(model_name);
  return std::string(model_name) + "-" + std::string(backend_name);
}

Json controller_labels(const ModelBooster& booster, std::string_view backend_name, std::string_view revision) {
  return Json{
      {kBackendNameLabel, backend_name}, {kManagedByLabel, kManagedByValue}, {kModelNameLabel, booster.name},
      {kModelUidLabel, booster.uid},     {kRevisionLabel, revision},
  };
}

Json owner_reference(const ModelBooster& booster) {
  return Json{
      {"apiVersion", kWorkloadApiVersion},
      {"kind", "ModelBooster"},
      {"name", booster.name},
      {"uid", booster.uid},
      {"controller", true},
      {"blockOwnerDeletion", true},
  };
}

Json object_metadata(const ModelBooster& booster, std::string_view name, std::string_view backend_name,
                     std::string_view revision) {
  Json metadata = Json::object();
  metadata["name"] = name;
  if (!booster.namespace_.empty()) metadata["namespace"] = booster.namespace_;
  metadata["labels"] = controller_labels(booster, backend_name, revision);
  // Without a UID there is no owner to reference; a made-up one would get the object garbage-collected.
  if (!booster.uid.empty()) metadata["ownerReferences"] = Json::array({owner_reference(booster)});
  return metadata;
}

}  // namespace kthena::controllers::modelbooster
