#include "apiserver/api_model.h"

#include <memory>
#include <string_view>

#include "api/admission.h"
#include "apiserver/crd_rules.h"
#include "apiserver/object_service.h"

namespace kthena::apiserver {

ServedResource served_resource(const api::KindInfo& kind) {
  ResourceInfo info;
  info.group = kind.group;
  info.version = kind.version;
  info.resource = kind.plural;
  info.singular = kind.singular;
  info.kind = kind.kind;
  info.list_kind = kind.list_kind;
  info.namespaced = kind.namespaced;
  info.status_subresource = kind.status_subresource;
  if (kind.scale) {
    info.scale =
        ScaleInfo{kind.scale->spec_replicas_path, kind.scale->status_replicas_path, kind.scale->label_selector_path};
  }
  // Kubernetes' own groups: the core one, "apps", and those under k8s.io (not x-k8s.io, a CRD's suffix).
  const std::string_view group = kind.group;
  info.builtin = group.empty() || group == "apps" || (group.size() > 7 && group.ends_with(".k8s.io"));
  info.short_names = kind.short_names;
  info.categories = kind.categories;
  ServedResource served{std::move(info), {}, {}};
  for (const auto& column : kind.printer_columns) {
    served.printer_columns.push_back(
        {column.name, column.type, column.format, column.description, column.priority, column.json_path});
  }
  return served;
}

ListMergeRule merge_rule(const api::Schema* root, const std::vector<std::string>& path) {
  const api::Schema* node = root;
  for (const auto& name : path) {
    while (node != nullptr && node->items != nullptr) node = node->items;  // into list elements
    if (node == nullptr) return {};
    node = node->member(name);
  }
  if (node == nullptr || node->items == nullptr) return {};
  if (node->list_type == "map" && !node->list_map_keys.empty()) {
    return {ListMergeRule::Kind::kMergeByKey, node->list_map_keys.front()};
  }
  if (node->list_type == "set") return {ListMergeRule::Kind::kUnion, ""};
  return {};
}

ApiModel make_api_model(const api::KindRegistry& registry, const api::OpenApi* openapi) {
  ApiModel model;
  for (const auto& kind : registry.kinds()) model.resources.push_back(served_resource(kind));
  model.openapi = openapi;
  // Shared by every copy of the admission function; only a registry that has the CRD kind serves these objects.
  auto crds = std::make_shared<const std::vector<Json>>(served_crds(registry, now_rfc3339()));
  if (registry.find("apiextensions.k8s.io", "v1", "CustomResourceDefinition") != nullptr) {
    for (const Json& crd : *crds) {
      model.builtin_objects.push_back({"apiextensions.k8s.io", "customresourcedefinitions", crd});
    }
  }
  const api::KindRegistry* reg = &registry;
  model.admit = [reg, crds](const AdmissionRequest& request, Json object,
                            std::vector<std::string>& warnings) -> ApiResult<Json> {
    api::AdmissionOptions options;
    options.server = true;
    switch (request.validation) {
      case FieldValidation::kIgnore:
        options.field_validation = api::FieldValidation::kIgnore;
        break;
      case FieldValidation::kWarn:
        options.field_validation = api::FieldValidation::kWarn;
        break;
      case FieldValidation::kStrict:
        options.field_validation = api::FieldValidation::kStrict;
        break;
    }
    std::string name;
    if (object.contains("metadata") && object["metadata"].is_object() && object["metadata"].contains("name") &&
        object["metadata"]["name"].is_string()) {
      name = object["metadata"]["name"].get<std::string>();
    }
    auto admitted = api::admit(*reg, std::move(object), request.old, options);
    if (!admitted) return fail(bad_request(admitted.error().to_string()));
    if (!admitted->ok()) return fail(invalid(request.resource.kind, request.resource.group, name, admitted->errors));
    if (is_crd_resource(request.resource) && request.subresource == Subresource::kNone) {
      if (auto accepted = check_crd(*crds, admitted->object); !accepted) return fail(accepted.error());
    }
    if (request.validation == FieldValidation::kWarn) {
      for (auto& warning : admitted->warnings()) warnings.push_back(std::move(warning));
    }
    return std::move(admitted->object);
  };
  model.merge_rules = [reg](const ResourceInfo& resource, const std::vector<std::string>& path) {
    const api::KindInfo* kind = reg->find(resource.group, resource.version, resource.kind);
    return kind == nullptr ? ListMergeRule{} : merge_rule(kind->schema, path);
  };
  return model;
}

ApiModel builtin_api_model() {
  return make_api_model(api::KindRegistry::builtin(), &api::OpenApi::builtin());
}

}  // namespace kthena::apiserver
