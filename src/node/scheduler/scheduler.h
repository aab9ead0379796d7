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

struct Waiting {
  std::string pod_key;
  std::string pod_group;  // "<namespace>/<name>" when the pod waits for its gang, else ""
  std::string reason;     // "Unschedulable"
  std::string message;    // names the resource: "insufficient huawei.com/ascend-1980: the gang needs 16, 8 free"
};

struct Decisions {
  std::vector<Binding> bindings;
  std::vector<Waiting> waiting;
};

// `pods`: every pod the node should consider: bound to it (spec.nodeName == node.name, not finished: they hold
// resources, and their devices are read from kDevicesAnnotation) and pending (no nodeName, schedulerName ours or
// "volcano", not being deleted). `pod_groups`: the Volcano PodGroups of their namespaces (annotation
// scheduling.k8s.io/group-name names a pod's group).
Decisions schedule(const NodeState& node, const std::vector<kube::ObjectPtr>& pods,
                   const std::vector<kube::ObjectPtr>& pod_groups);

// The requests a pod holds: per resource, the larger of the sum over its containers and the largest init container
// (Kubernetes' effective request); a limit stands for a missing request.
ResourceList pod_requests(const Json& pod);

// The environment a device plugin gives a container of a pod holding `devices`: ASCEND_VISIBLE_DEVICES for Ascend
// NPUs, CUDA_VISIBLE_DEVICES and NVIDIA_VISIBLE_DEVICES for NVIDIA GPUs ("0,1").
std::vector<std::pair<std::string, std::string>> device_env(const std::map<std::string, std::vector<std::string>>& devices);

}  // namespace kthena::node
