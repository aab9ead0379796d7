// Objects that every server holds from its start because the binary defines them (the CRDs of its custom kinds).
#pragma once

#include <string>
#include <vector>

#include "api/json.h"
#include "apiserver/object_service.h"
#include "apiserver/served_resources.h"
#include "common/result.h"

namespace kthena::apiserver {

struct BuiltinObject {
  std::string group;
  std::string resource;  // plural
  Json object;           // with its status
};

// Creates each object that is missing (through admission, as any client's create), then writes its status where
// the stored one differs: the status says what this binary serves, so it is the binary's, while the rest of a
// stored object is what its users last wrote. A condition whose status did not change keeps its
// lastTransitionTime. Called once at start, before the server answers requests.
Result<void> ensure_builtin_objects(ObjectService& objects, const ServedResources& resources,
                                    const std::vector<BuiltinObject>& builtin);

// `desired` with the lastTransitionTime of each condition of `stored` that has the same type and status.
Json keep_transition_times(Json desired, const Json& stored);

}  // namespace kthena::apiserver
