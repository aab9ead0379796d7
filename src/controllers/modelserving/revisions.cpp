#include "controllers/modelserving/revisions.h"

#include "controllers/modelserving/naming.h"
#include "controllers/revision_hash.h"

namespace kthena::controllers::modelserving {
namespace {

Json without_rollout_fields(const Json& role) {
  Json copy = role;
  if (copy.is_object()) {
    copy.erase("replicas");
    copy.erase("maxUnavailable");
    copy.erase("partition");
  }
  return copy;
}

}  // namespace

std::string serving_revision(const Json& roles) {
  Json stripped = Json::array();
  if (roles.is_array()) {
    for (const Json& role : roles) stripped.push_back(without_rollout_fields(role));
  }
  return revision_hash(stripped);
}

std::string role_template_hash(const Json& role) {
  return revision_hash(without_rollout_fields(role));
}

Json build_controller_revision(const Json& ms, const std::string& revision, const Json& roles) {
  const Json& meta = ms.at("metadata");
  std::string name = meta.at("name").get<std::string>();
  return Json{
      {"apiVersion", "apps/v1"},
      {"kind", "ControllerRevision"},
      {"metadata",
       {{"name", revision_name(name, revision)},
        {"namespace", meta.value("namespace", std::string("default"))},
        {"labels", {{std::string(labels::kName), name}, {std::string(labels::kRevision), revision}}},
        {"ownerReferences", Json::array({{{"apiVersion", kApiVersion},
                                          {"kind", kKind},
                                          {"name", name},
                                          {"uid", meta.value("uid", std::string())},
                                          {"controller", true},
                                          {"blockOwnerDeletion", true}}})}}},
      {"data", {{"data", roles}}},
      {"revision", 1},
  };
}

std::optional<Json> roles_of_revision(const Json& controller_revision) {
  auto data = controller_revision.find("data");
  if (data == controller_revision.end() || !data->is_object()) return std::nullopt;
  auto roles = data->find("data");
  if (roles == data->end() || !roles->is_array()) return std::nullopt;
  return *roles;
}

const Json* find_role(const Json& roles, std::string_view name) {
  if (!roles.is_array()) return nullptr;
  for (const Json& role : roles) {
    auto it = role.find("name");
    if (it != role.end() && it->is_string() && it->get<std::string_view>() == name) return &role;
  }
  return nullptr;
}

}  // namespace kthena::controllers::modelserving
