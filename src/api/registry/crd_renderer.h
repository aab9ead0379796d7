// CustomResourceDefinitions (apiextensions.k8s.io/v1) for the kinds marked `crd: true`, in controller-gen's
// layout: refs inlined, keys sorted, the root `metadata` reduced to {type: object}, and the controller-gen
// version annotation upstream's files carry (v0.17.2), so that the files diff cleanly against upstream's.
#pragma once

#include <string>
#include <vector>

#include "api/json.h"
#include "api/registry/kind_registry.h"

namespace kthena::api {

inline constexpr std::string_view kControllerGenVersion = "v0.17.2";

struct CrdFile {
  std::string file_name;  // "workload.serving.volcano.sh_modelservings.yaml", as controller-gen names it
  Json crd;
  std::string yaml;  // "---\n" followed by the document, as controller-gen writes it
};

// One CRD per (group, plural); every version of it that the registry holds, the first one being the storage
// version. In the order the registry lists the kinds.
std::vector<CrdFile> render_crds(const KindRegistry& registry);

// The openAPIV3Schema of one kind as a CRD carries it.
Json crd_schema(const KindInfo& kind, const SchemaSet& schemas);

// Recursively sorts object keys, as Go's map-based YAML marshalling does.
Json sort_keys(const Json& value);

}  // namespace kthena::api
