#include "api/registry/crd_renderer.h"

#include <algorithm>

#include "api/codec/yaml_encoder.h"

namespace kthena::api {

Json sort_keys(const Json& value) {
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& v : value) out.push_back(sort_keys(v));
    return out;
  }
  if (!value.is_object()) return value;
  std::vector<std::string> keys;
  for (const auto& [k, _] : value.items()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  Json out = Json::object();
  for (const std::string& k : keys) out[k] = sort_keys(value[k]);
  return out;
}

Json crd_schema(const KindInfo& kind, const SchemaSet& schemas) {
  Json schema = schemas.inline_refs(kind.schema_source);
  // A CRD cannot describe ObjectMeta: the API server validates metadata itself.
  if (schema.is_object() && schema.contains("properties") && schema["properties"].contains("metadata")) {
    schema["properties"]["metadata"] = Json{{"type", "object"}};
  }
  return schema;
}

std::vector<CrdFile> render_crds(const KindRegistry& registry) {
  std::vector<CrdFile> files;
  for (const KindInfo& kind : registry.kinds()) {
    if (!kind.crd) continue;
    std::string name = kind.plural + "." + kind.group;
    auto existing =
        std::find_if(files.begin(), files.end(), [&](const CrdFile& f) { return f.crd["metadata"]["name"] == name; });
    Json version = Json::object();
    if (!kind.printer_columns.empty()) {
      Json columns = Json::array();
      for (const PrinterColumn& c : kind.printer_columns) {
        Json col = {{"jsonPath", c.json_path}, {"name", c.name}, {"type", c.type}};
        if (!c.description.empty()) col["description"] = c.description;
        if (!c.format.empty()) col["format"] = c.format;
        if (c.priority != 0) col["priority"] = c.priority;
        columns.push_back(std::move(col));
      }
      version["additionalPrinterColumns"] = std::move(columns);
    }
    version["name"] = kind.version;
    version["schema"] = Json{{"openAPIV3Schema", crd_schema(kind, registry.schemas())}};
    version["served"] = true;
    version["storage"] = existing == files.end();
    Json subresources = Json::object();
    if (kind.scale) {
      Json scale = {{"specReplicasPath", kind.scale->spec_replicas_path},
                    {"statusReplicasPath", kind.scale->status_replicas_path}};
      if (!kind.scale->label_selector_path.empty()) scale["labelSelectorPath"] = kind.scale->label_selector_path;
      subresources["scale"] = std::move(scale);
    }
    if (kind.status_subresource) subresources["status"] = Json::object();
    if (!subresources.empty()) version["subresources"] = std::move(subresources);

    if (existing != files.end()) {
      existing->crd["spec"]["versions"].push_back(sort_keys(version));
      continue;
    }
    Json names = {
        {"kind", kind.kind}, {"listKind", kind.list_kind}, {"plural", kind.plural}, {"singular", kind.singular}};
    if (!kind.short_names.empty()) names["shortNames"] = kind.short_names;
    if (!kind.categories.empty()) names["categories"] = kind.categories;
    Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
                {"kind", "CustomResourceDefinition"},
                {"metadata",
                 {{"annotations", {{"controller-gen.kubebuilder.io/version", kControllerGenVersion}}}, {"name", name}}},
                {"spec",
                 {{"group", kind.group},
                  {"names", names},
                  {"scope", kind.namespaced ? "Namespaced" : "Cluster"},
                  {"versions", Json::array({version})}}}};
    files.push_back(CrdFile{kind.group + "_" + kind.plural + ".yaml", sort_keys(crd), {}});
  }
  for (CrdFile& f : files) f.yaml = "---\n" + encode_yaml(f.crd);
  return files;
}

}  // namespace kthena::api
