// Identity of the generated objects (spec kthena-workload.md §1.2, §2.3): names, the five labels the ModelBooster
// controller selects its children by, and the controlling owner reference that lets garbage collection remove
// them with their ModelBooster.
#pragma once

#include <string>
#include <string_view>

#include "api/json.h"
#include "controllers/modelbooster/model_booster.h"

namespace kthena::controllers::modelbooster {

inline constexpr std::string_view kModelNameLabel = "workload.serving.volcano.sh/model-name";
inline constexpr std::string_view kBackendNameLabel = "workload.serving.volcano.sh/backend-name";
inline constexpr std::string_view kManagedByLabel = "workload.serving.volcano.sh/managed-by";
inline constexpr std::string_view kRevisionLabel = "workload.serving.volcano.sh/revision";
inline constexpr std::string_view kModelUidLabel = "workload.serving.volcano.sh/model-uid";
inline constexpr std::string_view kManagedByValue = "workload.serving.volcano.sh";

inline constexpr std::string_view kWorkloadApiVersion = "workload.serving.volcano.sh/v1alpha1";
inline constexpr std::string_view kNetworkingApiVersion = "networking.serving.volcano.sh/v1alpha1";

// "<model>-<backend>", or "<model>" when the backend name is empty (upstream's GetBackendResourceName).
std::string backend_resource_name(std::string_view model_name, std::string_view backend_name);

// The five labels, in upstream's key order (sorted, as Go prints a map).
Json controller_labels(const ModelBooster& booster, std::string_view backend_name, std::string_view revision);

// {apiVersion, kind: ModelBooster, name, uid, controller: true, blockOwnerDeletion: true}.
Json owner_reference(const ModelBooster& booster);

// metadata {name, namespace, labels, ownerReferences}. The namespace is omitted when the booster has none, the owner
// reference when it has no UID (`kthena convert` of a file that was never stored).
Json object_metadata(const ModelBooster& booster, std::string_view name, std::string_view backend_name,
                     std::string_view revision);

}  // namespace kthena::controllers::modelbooster
