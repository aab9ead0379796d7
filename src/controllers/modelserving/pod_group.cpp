#include "controllers/modelserving/pod_group.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>

#include "api/json_fields.h"
#include "api/values/quantity.h"
#include "controllers/modelserving/naming.h"
#include "controllers/revision_hash.h"

namespace kthena::controllers::modelserving {

using api::lenient::member;
using api::lenient::str;
namespace {

constexpr std::string_view kQueueAnnotation = "scheduling.volcano.sh/queue-name";

// The spec fields upstream's hasPodGroupChanged looks at (queue since HEAD).
constexpr std::string_view kComparedFields[] = {"minMember", "minResources", "networkTopology", "queue",
                                                "subGroupPolicy"};

int64_t integer_or(const Json& value, int64_t fallback) {
  return value.is_number_integer() ? value.get<int64_t>() : fallback;
}

std::string string_or_empty(const Json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

int32_t clamp_int32(int64_t v) {
  return static_cast<int32_t>(
      std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
}

// minR(role): the role instances that must be schedulable together. Admission keeps minRoleReplicas within
// [0, replicas]; the clamp only guards objects built in code.
int64_t min_role_replicas(const Json& ms, const Json& role) {
  int64_t replicas = std::max<int64_t>(0, integer_or(member(role, "replicas"), 1));
  const Json& wanted = member(member(member(member(member(ms, "spec"), "template"), "gangPolicy"), "minRoleReplicas"),
                              string_or_empty(member(role, "name")));
  return std::clamp<int64_t>(integer_or(wanted, replicas), 0, replicas);
}

// Adds every container's requests, each times `factor`, in container order: the first term of a resource sets the
// format its sum prints in, as when upstream adds Go quantities. initContainers are not counted (upstream's rule).
// Admission has checked every quantity, so one that does not parse is skipped.
void add_requests(std::map<std::string, api::Quantity>& total, const Json& template_, int64_t factor) {
  const Json& containers = member(member(template_, "spec"), "containers");
  if (!containers.is_array()) return;
  for (const Json& container : containers) {
    const Json& requests = member(member(container, "resources"), "requests");
    if (!requests.is_object()) continue;
    for (const auto& [name, value] : requests.items()) {
      auto quantity = api::Quantity::from_json(value);
      if (!quantity) continue;
      quantity->mul(factor);
      auto it = total.find(name);
      if (it == total.end()) {
        total.emplace(name, std::move(*quantity));
      } else {
        it->second.add(*quantity);
      }
    }
  }
}

Json sub_group_policy(const Json& ms, const Json& role, int64_t min_replicas, int64_t workers) {
  std::string ms_name = string_or_empty(member(member(ms, "metadata"), "name"));
  std::string role_name = string_or_empty(member(role, "name"));
  Json policy = {
      {"name", role_name},
      {"subGroupSize", clamp_int32(1 + workers)},
      {"minSubGroups", clamp_int32(min_replicas)},
      // Keys in Go's (sorted) map order.
      {"labelSelector", {{"matchLabels", {{labels::kName, ms_name}, {labels::kRole, role_name}}}}},
      {"matchLabelKeys", Json::array({labels::kRoleId})},
  };
  const Json& role_policy = member(member(member(member(ms, "spec"), "template"), "networkTopology"), "rolePolicy");
  if (!role_policy.is_null()) policy["networkTopology"] = role_policy;
  return policy;
}

// minResources by value: both sides name the same resources with equal quantities ("1000m" == "1"). Text that does
// not parse is compared as text.
bool same_resources(const Json& a, const Json& b) {
  const Json empty = Json::object();
  const Json& left = a.is_object() ? a : empty;
  const Json& right = b.is_object() ? b : empty;
  if (left.size() != right.size()) return false;
  for (const auto& [name, value] : left.items()) {
    const Json& other = member(right, name);
    if (other.is_null()) return false;
    auto x = api::Quantity::from_json(value);
    auto y = api::Quantity::from_json(other);
    if (x && y) {
      if (*x != *y) return false;
    } else if (value != other) {
      return false;
    }
  }
  return true;
}

// Deep equality that ignores object key order (the API server may store keys in another order than we build them).
bool same_json(const Json& a, const Json& b) {
  return canonical_json(a) == canonical_json(b);
}

bool same_field(std::string_view field, const Json& existing, const Json& desired) {
  if (field == "minMember") return integer_or(existing, 0) == integer_or(desired, 0);
  if (field == "minResources") return same_resources(existing, desired);
  if (field == "queue") return string_or_empty(existing) == string_or_empty(desired);
  if (field == "subGroupPolicy") {
    // Go's omitempty: an empty list is stored as no list.
    bool existing_empty = existing.is_null() || (existing.is_array() && existing.empty());
    bool desired_empty = desired.is_null() || (desired.is_array() && desired.empty());
    if (existing_empty || desired_empty) return existing_empty == desired_empty;
  }
  if (existing.is_null() || desired.is_null()) return existing.is_null() == desired.is_null();
  return same_json(existing, desired);
}

}  // namespace

Json build_pod_group(const Json& ms, std::string_view group_name, const Json& roles, const PodGroupOptions& options) {
  const Json& metadata = member(ms, "metadata");
  std::string ms_name = string_or_empty(member(metadata, "name"));

  int64_t min_member = 0;
  std::map<std::string, api::Quantity> resources;
  Json sub_groups = Json::array();
  if (roles.is_array()) {
    for (const Json& role : roles) {
      int64_t min_replicas = min_role_replicas(ms, role);
      int64_t workers = std::max<int64_t>(0, integer_or(member(role, "workerReplicas"), 0));
      min_member += (1 + workers) * min_replicas;
      add_requests(resources, member(role, "entryTemplate"), min_replicas);
      // A role without a worker template runs no workers (admission requires one when workerReplicas > 0).
      // Upstream adds the worker template once per worker; one product gives the same sum and the same format,
      // since requests are never negative and the first non-zero term decides the format.
      const Json& worker_template = member(role, "workerTemplate");
      if (!worker_template.is_null() && workers > 0) add_requests(resources, worker_template, min_replicas * workers);
      sub_groups.push_back(sub_group_policy(ms, role, min_replicas, workers));
    }
  }

  Json min_resources = Json::object();
  for (const auto& [name, quantity] : resources) min_resources[name] = quantity.to_string();

  Json spec = {{"minMember", clamp_int32(min_member)}, {"minResources", std::move(min_resources)}};
  std::string queue = string_or_empty(member(member(metadata, "annotations"), kQueueAnnotation));
  if (!queue.empty()) spec["queue"] = queue;
  const Json& group_policy = member(member(member(member(ms, "spec"), "template"), "networkTopology"), "groupPolicy");
  if (!group_policy.is_null()) spec["networkTopology"] = group_policy;
  if (options.sub_group_policy) spec["subGroupPolicy"] = std::move(sub_groups);

  Json owner = {
      {"apiVersion", "workload.serving.volcano.sh/v1alpha1"},
      {"kind", "ModelServing"},
      {"name", ms_name},
      {"uid", string_or_empty(member(metadata, "uid"))},
      // Unlike the pods, no blockOwnerDeletion (upstream's buildOwnerReference).
      {"controller", true},
  };
  Json pod_group_metadata = {
      {"name", group_name},
      {"namespace", string_or_empty(member(metadata, "namespace"))},
      {"labels", {{labels::kGroupName, group_name}, {labels::kName, ms_name}}},
      {"annotations", {{kVolcanoGroupAnnotation, group_name}}},
      {"ownerReferences", Json::array({std::move(owner)})},
  };
  return Json{
      {"apiVersion", "scheduling.volcano.sh/v1beta1"},
      {"kind", "PodGroup"},
      {"metadata", std::move(pod_group_metadata)},
      {"spec", std::move(spec)},
  };
}

bool pod_group_needs_update(const Json& existing, const Json& desired) {
  const Json& have = member(existing, "spec");
  const Json& want = member(desired, "spec");
  for (std::string_view field : kComparedFields) {
    // A desired PodGroup without subGroupPolicy means the schema lacks it: upstream then leaves it alone.
    if (field == "subGroupPolicy" && member(want, field).is_null()) continue;
    if (!same_field(field, member(have, field), member(want, field))) return true;
  }
  return false;
}

Json pod_group_updated(const Json& existing, const Json& desired) {
  Json updated = existing;
  if (!updated.is_object()) updated = Json::object();
  Json& spec = updated["spec"];
  if (!spec.is_object()) spec = Json::object();
  const Json& want = member(desired, "spec");
  for (std::string_view field : kComparedFields) {
    const Json& value = member(want, field);
    if (!value.is_null()) {
      spec[std::string(field)] = value;
    } else if (field != "subGroupPolicy") {
      spec.erase(std::string(field));
    }
  }
  return updated;
}

}  // namespace kthena::controllers::modelserving
