// What kube-apiserver's registry strategies for apps/v1 Deployments, ReplicaSets and StatefulSets enforce beyond
// their schema (pkg/apis/apps/validation), with its paths and texts: a non-empty selector that the template's labels
// match and that never changes, pods that restart Always, a rolling update that can make progress; and the defaults
// that depend on other fields (apps/v1 SetDefaults_Deployment fills rollingUpdate only for the RollingUpdate type).
#pragma once

#include "api/field_error.h"
#include "api/json.h"

namespace kthena::api {

void default_deployment(Json& deployment);
void default_stateful_set(Json& stateful_set);

FieldErrors validate_deployment(const Json& deployment, const Json* old_deployment);
FieldErrors validate_replica_set(const Json& replica_set, const Json* old_replica_set);
FieldErrors validate_stateful_set(const Json& stateful_set, const Json* old_stateful_set);

}  // namespace kthena::api
