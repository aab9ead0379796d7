// The Volcano PodGroup of one ServingGroup (spec kthena-workload.md §3.10, HEAD behaviour): the gang that Volcano
// schedules all together or not at all. Pure builders; the reconciler decides when a PodGroup is in use
// (schedulerName "volcano" and the PodGroup kind served) and does the create, update and delete calls.
#pragma once

#include <string_view>

#include "api/json.h"

namespace kthena::controllers::modelserving {

struct PodGroupOptions {
  // Whether the installed PodGroup schema has spec.subGroupPolicy (Volcano 1.13 and later); without it the field
  // would be pruned, so it is neither emitted nor compared.
  bool sub_group_policy = true;
};

// The PodGroup for `group_name` ("<ms>-<g>") of the ModelServing `ms`. `roles` are the role specs this group runs (a
// JSON array): normally ms.spec.template.roles, or the roles of an older ControllerRevision for a partition-protected
// group. Gang sizes come from gangPolicy.minRoleReplicas (minR(role) = min(minRoleReplicas[role] or replicas,
// replicas)):
//   minMember      Σ (1 + workerReplicas) · minR
//   minResources   Σ minR · (entry containers' requests + workerReplicas · worker containers' requests), summed
//                  exactly per resource name and printed canonically ("500m" + "500m" = "1")
//   queue          the annotation scheduling.volcano.sh/queue-name of the ModelServing
//   networkTopology spec.template.networkTopology.groupPolicy
//   subGroupPolicy one per role, in `roles` order, when options.sub_group_policy
Json build_pod_group(const Json& ms, std::string_view group_name, const Json& roles, const PodGroupOptions& options);

// Whether `existing` (as read from the API server) differs from `desired` in what upstream compares: minMember,
// minResources (by value: "1000m" equals "1"), networkTopology, queue (absent equals empty) and, when `desired`
// carries one, subGroupPolicy. Labels, annotations and owner references are never compared.
bool pod_group_needs_update(const Json& existing, const Json& desired);

// `existing` with desired's compared fields copied into its spec (removed where desired has none), everything else
// (metadata, resourceVersion, status, fields we do not manage) kept: the body of the update call.
Json pod_group_updated(const Json& existing, const Json& desired);

}  // namespace kthena::controllers::modelserving
