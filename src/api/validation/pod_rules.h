// What kube-apiserver's pod registry does beyond the schema: the defaults it gives a pod's spec (SetDefaults_PodSpec,
// SetDefaults_Container; in code, not in the schema, because the PodSpec schema is shared with the pod templates of
// ModelServing and LeaderWorkerSet, which are custom resources that a real server does not default), and the rule
// that an update changes nothing in a pod's spec but a few fields (ValidatePodUpdate).
#pragma once

#include "api/field_error.h"
#include "api/json.h"

namespace kthena::api {

// Fills the spec's defaults where absent; never overwrites. Applied on every write, as a real server applies them
// whenever it decodes a pod, so a pod stored before a default existed gets it on its next write.
void default_pod(Json& pod);

// On update: the spec unchanged but for containers[*].image, initContainers[*].image, activeDeadlineSeconds (set, or
// lowered), tolerations (added to) and schedulingGates (removed from), with kube-apiserver's messages. The old pod is
// compared with its defaults filled in, so that a pod stored without them can still be updated.
FieldErrors validate_pod(const Json& pod, const Json* old_pod);

}  // namespace kthena::api
