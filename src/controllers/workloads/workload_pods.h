// What the apps/v1 controllers (Deployment, ReplicaSet, StatefulSet) share about the pods they make, after
// kube-controller-manager's controller_utils: which pods count (active, ready, available), the order in which
// surplus pods go, pods stamped from a template with a controller reference, and the template hash that names a
// Deployment's ReplicaSets.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "kube/object_cache.h"

namespace kthena::controllers::workloads {

using kube::ObjectPtr;
using Clock = std::chrono::system_clock;

// The index the workload controllers add to the pods' and ReplicaSets' caches: the uid of an object's controller.
inline constexpr const char* kByControllerUid = "workloads.controller-uid";
std::vector<std::string> controller_uid_index(const Json& object);

// The value at `path`, or a null when anything on the way is missing (never inserts, never throws).
const Json& field(const Json& object, std::initializer_list<const char*> path);

bool is_terminating(const Json& object);
// Not being deleted, and neither Succeeded nor Failed: a pod that counts toward the replicas.
bool pod_active(const Json& pod);
bool pod_ready(const Json& pod);
// Ready for at least `min_ready_seconds` (podutil.IsPodAvailable).
bool pod_available(const Json& pod, int64_t min_ready_seconds, Clock::time_point now);
// When a ready pod becomes available, for a requeue; nullopt when it is not ready or already available.
std::optional<Clock::duration> until_available(const Json& pod, int64_t min_ready_seconds, Clock::time_point now);

// The pods to remove first when scaling down (controller.ActivePods' order): unscheduled before scheduled,
// Pending before Unknown before Running, not ready before ready, ready for less time first, more restarts first,
// newer first.
void sort_for_deletion(std::vector<ObjectPtr>& pods);

// {apiVersion: apps/v1, kind, name, uid, controller: true, blockOwnerDeletion: true} of `owner`, an apps/v1 `kind`
// (named here: a cached object need not carry its kind).
Json controller_reference(const Json& owner, std::string_view kind);
// A pod of `tmpl` (a PodTemplateSpec) named `name`, owned by `owner` (an apps/v1 `kind`): the template's labels,
// annotations and spec.
Json pod_from_template(const Json& tmpl, const Json& owner, std::string_view kind, const std::string& name);

// A name suffix of `n` characters from apimachinery's alphabet (no vowels, no look-alikes), as generateName gives.
std::string random_suffix(size_t n);

// The int or percentage of `value` against `total` (intstr.GetScaledValueFromIntOrPercent): percentages round up
// when `round_up`, down otherwise; `fallback` when the value is absent or malformed.
int64_t scaled_value(const Json* value, int64_t total, bool round_up, int64_t fallback);

// The replicas of a workload's spec, or the apps/v1 default, 1.
int64_t spec_replicas(const Json& object);
int64_t int_at(const Json& object, std::initializer_list<const char*> path, int64_t fallback = 0);
std::string str_at(const Json& object, std::initializer_list<const char*> path);

}  // namespace kthena::controllers::workloads
