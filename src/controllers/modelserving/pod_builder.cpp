#include "controllers/modelserving/pod_builder.h"

#include <fmt/format.h>

#include "controllers/modelserving/naming.h"

namespace kthena::controllers::modelserving {
namespace {

const std::string kInjected[] = {"GROUP_SIZE", "ENTRY_ADDRESS", "WORKER_INDEX"};

void inject_env(Json& containers, int32_t group_size, const std::string& entry_address, int index) {
  if (!containers.is_array()) return;
  for (Json& container : containers) {
    if (!container.is_object()) continue;
    Json env = Json::array();
    if (auto it = container.find("env"); it != container.end() && it->is_array()) {
      for (Json& var : *it) {
        std::string name = var.is_object() ? var.value("name", std::string()) : std::string();
        if (std::find(std::begin(kInjected), std::end(kInjected), name) == std::end(kInjected)) {
          env.push_back(std::move(var));
        }
      }
    }
    env.push_back({{"name", "GROUP_SIZE"}, {"value", std::to_string(group_size)}});
    env.push_back({{"name", "ENTRY_ADDRESS"}, {"value", entry_address}});
    env.push_back({{"name", "WORKER_INDEX"}, {"value", std::to_string(index)}});
    container["env"] = std::move(env);
  }
}

void merge_strings(Json& into, const Json& from) {
  if (!from.is_object()) return;
  if (!into.is_object()) into = Json::object();
  for (auto it = from.begin(); it != from.end(); ++it) into[it.key()] = it.value();
}

Json base_labels(const RoleInstance& r) {
  const Json& meta = r.ms->at("metadata");
  return Json{{labels::kName, meta.at("name")},
              {labels::kGroupName, r.group_name},
              {labels::kRole, r.role->at("name")},
              {labels::kRoleId, r.role_id}};
}

}  // namespace

int32_t worker_replicas(const Json& role) {
  auto it = role.find("workerReplicas");
  return it != role.end() && it->is_number_integer() ? std::max<int32_t>(0, it->get<int32_t>()) : 0;
}

int32_t role_replicas(const Json& role) {
  auto it = role.find("replicas");
  return it != role.end() && it->is_number_integer() ? std::max<int32_t>(0, it->get<int32_t>()) : 1;
}

Json owner_reference(const Json& ms, bool block_owner_deletion) {
  const Json& meta = ms.at("metadata");
  Json ref = {{"apiVersion", kApiVersion},
              {"kind", kKind},
              {"name", meta.at("name")},
              {"uid", meta.value("uid", std::string())},
              {"controller", true}};
  if (block_owner_deletion) ref["blockOwnerDeletion"] = true;
  return ref;
}

Json build_pod(const RoleInstance& r, int index) {
  const Json& ms_meta = r.ms->at("metadata");
  std::string ns = ms_meta.value("namespace", std::string("default"));
  std::string entry_name = pod_name(r.group_name, r.role_id, 0);
  const char* template_key = index == 0 ? "entryTemplate" : "workerTemplate";
  Json tmpl = r.role->contains(template_key) ? r.role->at(template_key) : Json::object();

  Json labels = base_labels(r);
  labels[labels::kRevision] = r.revision;
  labels[labels::kRoleTemplateHash] = r.template_hash;
  if (index == 0) labels[labels::kEntry] = "true";
  Json annotations = Json::object();
  if (auto meta = tmpl.find("metadata"); meta != tmpl.end() && meta->is_object()) {
    // Template labels may overwrite the controller's (upstream's order).
    if (auto l = meta->find("labels"); l != meta->end()) merge_strings(labels, *l);
    if (auto a = meta->find("annotations"); a != meta->end()) merge_strings(annotations, *a);
  }
  if (r.pod_group) {
    annotations[kVolcanoGroupAnnotation] = r.group_name;
    annotations[kVolcanoTaskAnnotation] = r.role_id;
  }

  Json spec = tmpl.contains("spec") && tmpl["spec"].is_object() ? tmpl["spec"] : Json::object();
  // Always the ModelServing's, even empty (upstream overrides the template's).
  spec["schedulerName"] = r.ms->at("spec").value("schedulerName", std::string());
  int32_t group_size = worker_replicas(*r.role) + 1;
  std::string entry_address = fmt::format("{}.{}", entry_name, ns);
  if (spec.contains("containers")) inject_env(spec["containers"], group_size, entry_address, index);
  if (spec.contains("initContainers")) inject_env(spec["initContainers"], group_size, entry_address, index);

  Json meta = {{"name", pod_name(r.group_name, r.role_id, index)},
               {"namespace", ns},
               {"labels", std::move(labels)},
               {"ownerReferences", Json::array({owner_reference(*r.ms)})}};
  if (!annotations.empty()) meta["annotations"] = std::move(annotations);
  return Json{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", std::move(meta)}, {"spec", std::move(spec)}};
}

Json build_headless_service(const RoleInstance& r) {
  const Json& ms_meta = r.ms->at("metadata");
  Json selector = {{labels::kGroupName, r.group_name},
                   {labels::kRole, r.role->at("name")},
                   {labels::kRoleId, r.role_id},
                   {labels::kEntry, "true"}};
  return Json{{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata",
               {{"name", pod_name(r.group_name, r.role_id, 0)},
                {"namespace", ms_meta.value("namespace", std::string("default"))},
                {"labels", base_labels(r)},
                {"ownerReferences", Json::array({owner_reference(*r.ms)})}}},
              {"spec", {{"clusterIP", "None"}, {"publishNotReadyAddresses", true}, {"selector", std::move(selector)}}}};
}

}  // namespace kthena::controllers::modelserving
