// The API model this binary serves: every kind of the registry (src/api), its OpenAPI documents, the admission
// pipeline and the list-merge rules of its schemas, adapted to what the API server consumes.
#pragma once

#include "api/registry/kind_registry.h"
#include "api/registry/openapi.h"
#include "apiserver/api_server.h"

namespace kthena::apiserver {

// The registry and OpenAPI must outlive every server started with the result.
ApiModel make_api_model(const api::KindRegistry& registry, const api::OpenApi* openapi);
// The schemas compiled into this binary.
ApiModel builtin_api_model();

// The served form of one registered kind. Built-in kinds (core, apps, coordination.k8s.io) accept strategic merge
// patch; custom resources (Kthena's and Volcano's) answer it 415, as a real API server does.
ServedResource served_resource(const api::KindInfo& kind);

// Strategic-merge and apply rules from the schema: list-type=map lists merge by their first key, list-type=set
// lists take the union, other lists are replaced.
ListMergeRule merge_rule(const api::Schema* root, const std::vector<std::string>& path);

}  // namespace kthena::apiserver
