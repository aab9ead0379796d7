// The pods and headless Services of one role instance, as upstream generates them (spec §3.2, §3.3).
#pragma once

#include <string>

#include "api/json.h"

namespace kthena::controllers::modelserving {

struct RoleInstance {
  const Json* ms = nullptr;
  const Json* role = nullptr;  // the role spec the instance is built from (the spec's or a ControllerRevision's)
  std::string group_name;      // <ms>-<g>
  std::string role_id;         // <role>-<r>
  std::string revision;
  std::string template_hash;
  bool pod_group = false;  // the group has a Volcano PodGroup: add the annotations that bind pods to it
};

int32_t worker_replicas(const Json& role);
int32_t role_replicas(const Json& role);

// Pod `index` of the instance: 0 is the entry pod (from entryTemplate), 1..workerReplicas the workers.
Json build_pod(const RoleInstance& instance, int index);
// The headless Service named after the entry pod (only for roles with a workerTemplate).
Json build_headless_service(const RoleInstance& instance);

// The controller ownerReference to `ms`.
Json owner_reference(const Json& ms, bool block_owner_deletion = true);

}  // namespace kthena::controllers::modelserving
