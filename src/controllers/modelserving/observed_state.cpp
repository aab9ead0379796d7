#include "controllers/modelserving/observed_state.h"

#include "api/json_fields.h"
#include "controllers/modelserving/naming.h"

namespace kthena::controllers::modelserving {

using api::lenient::member;
using api::lenient::str;
namespace {

std::string label(const Json& object, std::string_view key) {
  return str(member(member(object, "metadata"), "labels"), key);
}

bool owned_by(const Json& object, const std::string& uid) {
  const Json& meta = object.at("metadata");
  auto refs = meta.find("ownerReferences");
  if (refs == meta.end() || !refs->is_array()) return false;
  for (const Json& ref : *refs) {
    if (ref.is_object() && ref.value("controller", false) && ref.value("uid", std::string()) == uid) return true;
  }
  return false;
}

bool restarted(const Json& status, const char* key) {
  auto it = status.find(key);
  if (it == status.end() || !it->is_array()) return false;
  for (const Json& c : *it) {
    if (c.is_object() && c.value("restartCount", 0) > 0) return true;
  }
  return false;
}

}  // namespace

bool pod_running_and_ready(const Json& pod) {
  auto status = pod.find("status");
  if (status == pod.end() || !status->is_object() || status->value("phase", std::string()) != "Running") return false;
  auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) return false;
  for (const Json& c : *conditions) {
    if (c.is_object() && c.value("type", std::string()) == "Ready") return c.value("status", std::string()) == "True";
  }
  return false;
}

bool pod_failed(const Json& pod) {
  if (pod_running_and_ready(pod)) return false;
  auto status = pod.find("status");
  if (status == pod.end() || !status->is_object()) return false;
  std::string phase = status->value("phase", std::string());
  if (phase == "Failed") return true;
  if (phase != "Running" && phase != "Pending") return false;
  return restarted(*status, "containerStatuses") || restarted(*status, "initContainerStatuses");
}

bool is_terminating(const Json& object) {
  auto meta = object.find("metadata");
  return meta != object.end() && meta->is_object() && meta->contains("deletionTimestamp") &&
         !meta->at("deletionTimestamp").is_null();
}

ObservedState observe(const Json& ms, const std::vector<ObjectPtr>& pods, const std::set<std::string>& pending_names,
                      const std::set<std::string>& deleted_uids) {
  ObservedState state;
  const Json& meta = ms.at("metadata");
  std::string ms_name = meta.at("name").get<std::string>();
  std::string uid = meta.value("uid", std::string());
  auto group_of = [&](int ordinal) -> GroupState& {
    GroupState& g = state.groups[ordinal];
    g.ordinal = ordinal;
    g.name = group_name(ms_name, ordinal);
    return g;
  };
  auto instance_of = [&](GroupState& g, const std::string& role, const std::string& role_id) -> InstanceState* {
    auto ordinal = ordinal_of(role_id);
    if (!ordinal || role_id != modelserving::role_id(role, *ordinal)) return nullptr;
    InstanceState& inst = g.roles[role][*ordinal];
    inst.ordinal = *ordinal;
    inst.role = role;
    inst.role_id = role_id;
    return &inst;
  };
  for (const ObjectPtr& pod : pods) {
    if (!owned_by(*pod, uid)) {
      state.foreign_pods.push_back(pod);
      continue;
    }
    std::string group = label(*pod, labels::kGroupName);
    auto ordinal = ordinal_of(group);
    if (!ordinal || group != group_name(ms_name, *ordinal)) continue;
    GroupState& g = group_of(*ordinal);
    std::string role = label(*pod, labels::kRole);
    std::string pod_name = pod->at("metadata").value("name", std::string());
    InstanceState* inst = instance_of(g, role, label(*pod, labels::kRoleId));
    if (!inst) continue;
    auto index = ordinal_of(pod_name);
    if (!index || pod_name != modelserving::pod_name(g.name, inst->role_id, *index)) continue;
    bool terminating = is_terminating(*pod) || deleted_uids.count(pod->at("metadata").value("uid", std::string())) != 0;
    if (terminating) {
      ++inst->terminating;
      ++g.terminating_pods;
      continue;
    }
    ++g.live_pods;
    inst->pods[*index] = pod;
    if (inst->revision.empty()) inst->revision = label(*pod, labels::kRevision);
    if (inst->template_hash.empty()) inst->template_hash = label(*pod, labels::kRoleTemplateHash);
    g.revisions.insert(label(*pod, labels::kRevision));
    if (pod_running_and_ready(*pod)) ++inst->ready;
    if (pod_failed(*pod)) inst->failed = true;
  }
  // Pods we created that the cache does not show yet: "<ms>-<g>-<role>-<r>-<i>", parsed back.
  for (const std::string& name : pending_names) {
    if (!name.starts_with(ms_name + "-")) continue;
    std::string rest = name.substr(ms_name.size() + 1);  // "<g>-<role>-<r>-<i>"
    size_t dash = rest.find('-');
    if (dash == std::string::npos) continue;
    auto group = ordinal_of("-" + rest.substr(0, dash));
    std::string tail = rest.substr(dash + 1);  // "<role>-<r>-<i>"
    std::string role_and_ordinal = tail.substr(0, tail.rfind('-'));
    auto role_ordinal = ordinal_of(role_and_ordinal);
    if (!group || !role_ordinal || tail.rfind('-') == std::string::npos) continue;
    std::string role = role_and_ordinal.substr(0, role_and_ordinal.rfind('-'));
    GroupState& g = group_of(*group);
    if (InstanceState* inst = instance_of(g, role, role_and_ordinal)) {
      ++inst->pending;
      ++g.live_pods;
    }
  }
  return state;
}

}  // namespace kthena::controllers::modelserving
