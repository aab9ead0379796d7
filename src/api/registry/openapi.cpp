#include "api/registry/openapi.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <set>

namespace kthena::api {
namespace {

constexpr std::string_view kComponentPrefix = "#/components/schemas/";

// "workload.serving.volcano.sh" -> "WorkloadServingVolcanoSh", "" -> "Core".
std::string camel_group(const std::string& group) {
  if (group.empty()) return "Core";
  std::string out;
  bool upper = true;
  for (char c : group) {
    if (c == '.' || c == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::string capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// Schema nodes as written -> OpenAPI: `$ref: X` becomes a component reference; a ref with its own description
// becomes {allOf: [ref], description}, as kube-openapi publishes ObjectMeta.
Json to_openapi(const Json& node, std::set<std::string>& referenced) {
  if (!node.is_object()) return node;
  if (auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
    std::string name = ref->get<std::string>();
    referenced.insert(name);
    Json r = {{"$ref", std::string(kComponentPrefix) + name}};
    if (auto d = node.find("description"); d != node.end())
      return Json{{"allOf", Json::array({r})}, {"description", *d}};
    return r;
  }
  Json out = Json::object();
  for (const auto& [k, v] : node.items()) {
    if (k == "properties" && v.is_object()) {
      Json props = Json::object();
      for (const auto& [name, p] : v.items()) props[name] = to_openapi(p, referenced);
      out[k] = std::move(props);
    } else if (k == "items" || k == "additionalProperties" || k == "not") {
      out[k] = to_openapi(v, referenced);
    } else if ((k == "anyOf" || k == "allOf" || k == "oneOf") && v.is_array()) {
      Json list = Json::array();
      for (const Json& x : v) list.push_back(to_openapi(x, referenced));
      out[k] = std::move(list);
    } else {
      out[k] = v;
    }
  }
  return out;
}

Json gvk(const KindInfo& k) {
  return Json{{"group", k.group}, {"version", k.version}, {"kind", k.kind}};
}

Json query_parameter(const char* name, const char* type, const char* description) {
  return Json{{"name", name},
              {"in", "query"},
              {"description", description},
              {"schema", {{"type", type}}},
              {"uniqueItems", true}};
}

Json write_parameters(bool patch) {
  Json params = Json::array({
      query_parameter("dryRun", "string", "When present, indicates that modifications should not be persisted."),
      query_parameter("fieldManager", "string",
                      "A name associated with the actor or entity that is making these changes."),
      query_parameter("fieldValidation", "string",
                      "How the server handles unknown or duplicate fields: Ignore, Warn or Strict (the default)."),
  });
  if (patch) params.push_back(query_parameter("force", "boolean", "Force is going to \"force\" Apply requests."));
  return params;
}

Json json_response(const std::string& component) {
  Json schema = {{"$ref", std::string(kComponentPrefix) + component}};
  return Json{{"description", "OK"},
              {"content", {{"application/json", {{"schema", schema}}}, {"application/yaml", {{"schema", schema}}}}}};
}

Json operation(const std::string& id, const std::string& action, const KindInfo& k, const std::string& component,
               Json parameters, bool body, bool patch_body) {
  Json op = {{"tags", Json::array({camel_group(k.group) + "_" + k.version})},
             {"description", fmt::format("{} {}", action, k.kind)},
             {"operationId", id}};
  if (!parameters.empty()) op["parameters"] = std::move(parameters);
  if (patch_body) {
    Json object = {{"schema", {{"type", "object"}}}};
    op["requestBody"] = {{"content",
                          {{"application/json-patch+json", object},
                           {"application/merge-patch+json", object},
                           {"application/apply-patch+yaml", object}}},
                         {"required", true}};
  } else if (body) {
    Json schema = {{"schema", {{"$ref", std::string(kComponentPrefix) + component}}}};
    op["requestBody"] = {{"content", {{"application/json", schema}, {"application/yaml", schema}}}, {"required", true}};
  }
  op["responses"] = {{"200", json_response(component)}};
  if (action == "create") op["responses"]["201"] = json_response(component);
  op["x-kubernetes-action"] = action;
  op["x-kubernetes-group-version-kind"] = gvk(k);
  return op;
}

Json path_parameter(const char* name, const std::string& description) {
  return Json{{"name", name},
              {"in", "path"},
              {"description", description},
              {"required", true},
              {"schema", {{"type", "string"}}}};
}

void add_paths(Json& paths, const KindInfo& k, const std::string& component) {
  std::string base = k.group.empty() ? "/api/" + k.version : "/apis/" + k.group + "/" + k.version;
  std::string collection = base + (k.namespaced ? "/namespaces/{namespace}/" : "/") + k.plural;
  std::string scope = k.namespaced ? "Namespaced" : "";
  std::string suffix = camel_group(k.group) + capitalized(k.version) + scope + k.kind;
  Json common = Json::array();
  if (k.namespaced)
    common.push_back(path_parameter("namespace", "object name and auth scope, such as for teams and projects"));
  Json item_params = common;
  item_params.push_back(path_parameter("name", "name of the " + k.kind));

  paths[collection] = {
      {"parameters", common},
      {"get", operation("list" + suffix, "list", k, component, Json::array(), false, false)},
      {"post", operation("create" + suffix, "post", k, component, write_parameters(false), true, false)}};
  paths[collection]["post"]["x-kubernetes-action"] = "post";
  std::string item = collection + "/{name}";
  paths[item] = {{"parameters", item_params},
                 {"get", operation("read" + suffix, "get", k, component, Json::array(), false, false)},
                 {"put", operation("replace" + suffix, "put", k, component, write_parameters(false), true, false)},
                 {"patch", operation("patch" + suffix, "patch", k, component, write_parameters(true), false, true)},
                 {"delete", operation("delete" + suffix, "delete", k, component, Json::array(), false, false)}};
  auto subresource = [&](const std::string& name, const std::string& op_suffix) {
    paths[item + "/" + name] = {
        {"parameters", item_params},
        {"get", operation("read" + suffix + op_suffix, "get", k, component, Json::array(), false, false)},
        {"put", operation("replace" + suffix + op_suffix, "put", k, component, write_parameters(false), true, false)},
        {"patch", operation("patch" + suffix + op_suffix, "patch", k, component, write_parameters(true), false, true)}};
  };
  if (k.status_subresource) subresource("status", "Status");
  if (k.scale) subresource("scale", "Scale");
  if (!k.namespaced) return;
  paths[base + "/" + k.plural] = {
      {"get", operation("list" + camel_group(k.group) + capitalized(k.version) + k.kind + "ForAllNamespaces", "list", k,
                        component, Json::array(), false, false)}};
}

std::string hash_hex(std::string_view text) {
  XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  return fmt::format("{:016X}{:016X}", h.high64, h.low64);
}

}  // namespace

OpenApi OpenApi::build(const KindRegistry& registry) {
  OpenApi api;
  Json index_paths = Json::object();
  for (const std::string& gv : registry.group_versions()) {
    std::set<std::string> referenced;
    Json components = Json::object();
    Json paths = Json::object();
    for (const KindInfo& k : registry.kinds()) {
      if (k.api_version() != gv) continue;
      std::string component = k.schema_name;
      Json kind_schema;
      if (component.empty()) {  // an inline root schema gets a name of the usual shape
        std::string reversed;
        std::string g = k.group;
        while (!g.empty()) {
          size_t dot = g.rfind('.');
          reversed += (reversed.empty() ? "" : ".") + g.substr(dot == std::string::npos ? 0 : dot + 1);
          g = dot == std::string::npos ? "" : g.substr(0, dot);
        }
        component = (reversed.empty() ? "io.k8s.api.core" : reversed) + "." + k.version + "." + k.kind;
        kind_schema = to_openapi(k.schema_source, referenced);
      } else {
        kind_schema = to_openapi(*registry.schemas().definition_source(component), referenced);
      }
      kind_schema["x-kubernetes-group-version-kind"] = Json::array({gvk(k)});
      components[component] = std::move(kind_schema);
      add_paths(paths, k, component);
    }
    // Every definition the kinds reach, transitively.
    std::set<std::string> done;
    while (true) {
      std::vector<std::string> pending;
      for (const std::string& r : referenced) {
        if (!done.count(r) && !components.contains(r)) pending.push_back(r);
      }
      if (pending.empty()) break;
      for (const std::string& name : pending) {
        done.insert(name);
        if (const Json* src = registry.schemas().definition_source(name))
          components[name] = to_openapi(*src, referenced);
      }
    }
    Json doc = {{"openapi", "3.0.0"},
                {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
                {"paths", std::move(paths)},
                {"components", {{"schemas", std::move(components)}}}};
    std::string path = gv.find('/') == std::string::npos ? "api/" + gv : "apis/" + gv;
    std::string json = doc.dump();
    std::string hash = hash_hex(json);
    index_paths[path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + hash}};
    api.documents_.push_back(OpenApiDocument{path, hash, std::move(doc), std::move(json)});
  }
  api.index_json_ = Json{{"paths", std::move(index_paths)}}.dump();
  return api;
}

const OpenApi& OpenApi::builtin() {
  static const OpenApi api = build(KindRegistry::builtin());
  return api;
}

const OpenApiDocument* OpenApi::find(std::string_view path) const {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (const OpenApiDocument& d : documents_) {
    if (d.path == path) return &d;
  }
  return nullptr;
}

}  // namespace kthena::api
