// Discovery documents (kubectl-protocol.md §2): the legacy ones (APIVersions, APIGroupList, APIGroup,
// APIResourceList) and aggregated discovery v2 (APIGroupDiscoveryList), all derived from ServedResources.
#pragma once

#include <string>

#include "api/json.h"
#include "apiserver/served_resources.h"

namespace kthena::apiserver {

inline constexpr std::string_view kAggregatedDiscoveryContentType =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

// GET /api: {"kind":"APIVersions",...}; `server_address` is "host:port" as clients reach us.
Json legacy_core_versions(const std::string& server_address);
// GET /apis
Json legacy_group_list(const ServedResources& resources);
// GET /apis/<group>; null when the group is not served.
Json legacy_group(const ServedResources& resources, const std::string& group);
// GET /api/v1 and /apis/<group>/<version>; null when not served.
Json resource_list(const ServedResources& resources, const std::string& group, const std::string& version);
// GET /api or /apis with the aggregated Accept type: the core group alone, or every other group.
Json aggregated_discovery(const ServedResources& resources, bool core);

}  // namespace kthena::apiserver
