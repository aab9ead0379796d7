// Structural pruning, as the Kubernetes API server prunes custom resources: members a schema does not declare are
// dropped, except under x-kubernetes-preserve-unknown-fields (and in additionalProperties maps, whose members are
// pruned by their own schema). apiVersion, kind and metadata of the root and of every
// x-kubernetes-embedded-resource are kept; their metadata is pruned to ObjectMeta's fields.
#pragma once

#include <string>
#include <vector>

#include "api/json.h"
#include "api/schema/schema.h"

namespace kthena::api {

// Prunes `value` in place and returns the path of every member it dropped ("spec.foo", "spec.roles[0].bar"), in
// document order, for strict field validation (`unknown field "spec.foo"`).
std::vector<std::string> prune(Json& value, const Schema& schema);

// The same, without changing anything: what prune() would drop.
std::vector<std::string> unknown_fields(const Json& value, const Schema& schema);

}  // namespace kthena::api
