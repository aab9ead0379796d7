// The node agent's scheduler (spec: issue 17; Volcano's gang semantics, kthena-workload.md §3.10): which pending
// pods this node binds now, with which accelerator devices, and why the others wait. Pure: the caller reads the
// world from its caches, applies the decisions (annotation + binding) and reports the waiting ones (Events, PodGroup
// conditions); a decision never depends on anything but its arguments, so every case is a table test.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/json.h"
#include "kube/object_cache.h"

namespace kthena::node {

// Resource amounts in milli-units ("cpu: 2" is 2000, "memory: 1Gi" is 1073741824000, "nvidia.com/gpu: 1" is 1000),
// one unit for every resource so that sums and comparisons need no per-resource rule.
using ResourceList = std::map<std::string, int64_t>;

// The pod annotation that records a bound pod's devices, written before the binding so that a restarted agent (and
// the container environment) knows them: {"huawei.com/ascend-1980": ["0", "1"]}.
inline constexpr const char* kDevicesAnnotation = "node.kthena.io/devices";

struct NodeState {
  std::string name;
  ResourceList allocatable;  // what pods may use
  Json labels = Json::object();
  Json taints = Json::array();  // [{key, value, effect}]
  // Extended resources handed out as device IDs (declared accelerators): resource name -> every ID, in order.
  std::map<std::string, std::vector<std::string>> devices;
};

struct Binding {
  std::string pod_key;  // "<namespace>/<name>"
  std::map<std::string, std::vector<std::string>> devices;
};

// A pod that stays Pending. The agent writes its PodScheduled condition (False, `reason`, `message`) and a Warning
// Event with reason kFailedScheduling and the same message, as kube-scheduler does.
struct Waiting {
  std::string pod_key;
  std::string pod_group;  // "<namespace>/<name>" when the pod waits for its gang, else ""
  std::string reason;     // "Unschedulable"
  // Names the resource and the numbers: "0/1 nodes are available: 1 Insufficient nvidia.com/gpu: need 2, free 1,
  // node allocatable 8." (docs/node.md, "Scheduling").
  std::string message;
};

inline constexpr const char* kFailedSchedulingReason = "FailedScheduling";

// Volcano's PodGroup phases as far as one node can tell them: Pending (minResources do not fit, or the group cannot
// be checked), Inqueue (minResources fit but the minimum cannot be bound yet), Running (minMember pods placed).
enum class GangPhase { kPending, kInqueue, kRunning };

// What one scheduling pass concluded about a PodGroup, for its status (pod_group_status) and its Events.
struct GangOutcome {
  std::string pod_group;  // "<namespace>/<name>"
  GangPhase phase = GangPhase::kPending;
  bool scheduled = false;  // the group's minimum is placed (Volcano's "Scheduled" condition)
  std::string reason;      // when not scheduled: "NotEnoughResources" or "NotEnoughTasks" (Volcano's reasons)
  std::string message;     // when not scheduled: "2/4 tasks in gang unschedulable: ... need 16, free 8, ..."
  int32_t placed = 0;      // member pods holding a node after this pass
  int32_t min_member = 0;
};

struct Decisions {
  std::vector<Binding> bindings;
  std::vector<Waiting> waiting;
  // Pods already bound here that request declared devices but carry no kDevicesAnnotation entry for them (bound by
  // someone else, or an agent that stopped between binding and annotating): the IDs this pass counted as theirs,
  // which the agent records on them so that the next pass, and a restarted agent, agree.
  std::vector<Binding> adopted;
  // One per PodGroup in `pod_groups`, in their order.
  std::vector<GangOutcome> gangs;
};

// `pods`: every pod the node should consider: bound to it (spec.nodeName == node.name, not finished: they hold
// resources, also while being deleted, and their devices are read from kDevicesAnnotation) and pending (no nodeName;
// those whose schedulerName is unset, "default-scheduler", kSchedulerName or "volcano" are ours, others are left
// alone). `pod_groups`: the Volcano PodGroups of their namespaces (annotation scheduling.k8s.io/group-name names a
// pod's group). Pods are considered in creation order (creationTimestamp, then namespace/name), a gang as one unit at
// the place of its oldest pod; the rules are in docs/node.md, "Scheduling".
Decisions schedule(const NodeState& node, const std::vector<kube::ObjectPtr>& pods,
                   const std::vector<kube::ObjectPtr>& pod_groups);

// Our own scheduler name. On a single node there is no other scheduler, so pods without a schedulerName (the API
// server defaults it to "default-scheduler") are ours too.
inline constexpr const char* kSchedulerName = "kthena";

// The status Volcano would write on a PodGroup after a pass: `phase` ("Pending", "Inqueue", "Running") and the
// condition to upsert by type: {type: Unschedulable, status: "True", reason: NotEnoughResources|NotEnoughTasks,
// message} while the group waits, {type: Scheduled, status: "True", reason: "tasks in gang are ready to be scheduled"}
// once placed. No lastTransitionTime or transitionID: the caller stamps them (this stays pure).
struct PodGroupStatus {
  std::string phase;
  Json condition;
};
PodGroupStatus pod_group_status(const GangOutcome& outcome);

// The requests a pod holds: per resource, the larger of the sum over its containers and the largest init container
// (Kubernetes' effective request); a limit stands for a missing request.
ResourceList pod_requests(const Json& pod);

// The environment a device plugin gives a container of a pod holding `devices`: ASCEND_VISIBLE_DEVICES for Ascend
// NPUs, CUDA_VISIBLE_DEVICES and NVIDIA_VISIBLE_DEVICES for NVIDIA GPUs ("0,1").
std::vector<std::pair<std::string, std::string>> device_env(
    const std::map<std::string, std::vector<std::string>>& devices);

}  // namespace kthena::node
