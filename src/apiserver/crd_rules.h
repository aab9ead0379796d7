// apiextensions.k8s.io/v1 CustomResourceDefinitions in an API server whose kinds are fixed when it starts: the CRD
// objects of its custom kinds, and which writes of them it accepts. Serving a new kind at run time would mean
// swapping the served resources, the OpenAPI documents and the admission schemas under every request thread and
// the garbage collector; docs/compatibility.md says why that is not done. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "api/json.h"
#include "api/registry/kind_registry.h"
#include "apiserver/api_status.h"
#include "apiserver/resource_info.h"

namespace kthena::apiserver {

bool is_crd_resource(const ResourceInfo& resource);

// The CRD object of each custom kind (crd: true): the spec `kthena crds` renders (the served schema, without the
// controller-gen annotation: nobody applied these files) and the status kube-apiserver writes once it has
// accepted a CRD's names and serves it, with `now` as the conditions' transition time.
std::vector<Json> served_crds(const api::KindRegistry& registry, const std::string& now);

// The status of an established CRD whose spec is `spec`: NamesAccepted and Established True, acceptedNames the
// spec's names, storedVersions its storage version.
Json established_status(const Json& spec, const std::string& now);

// A CRD write is accepted only when it describes one of `served` (same name, group, plural, kind, scope, and no
// served version the server does not serve); the object is then stored as written, while the server keeps
// validating and serving the kind with its own schema. A CRD of any other kind is a 403 that says so; one that
// names a served kind differently a 422 with a cause per field.
ApiResult<void> check_crd(const std::vector<Json>& served, const Json& object);

// Deleting a CRD deletes every object of its kind in Kubernetes, and the kinds of this server are built in: 403.
ApiStatus crd_deletion_refused(const std::string& name);

}  // namespace kthena::apiserver
