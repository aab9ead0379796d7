#include "apiserver/crd_rules.h"

#include <algorithm>

#include <fmt/format.h>

#include "api/registry/crd_renderer.h"

namespace kthena::apiserver {
namespace {

constexpr const char* kGroup = "apiextensions.k8s.io";
constexpr const char* kPlural = "customresourcedefinitions";

std::string text_at(const Json& object, std::initializer_list<const char*> path) {
  const Json* node = &object;
  for (const char* part : path) {
    if (!node->is_object() || !node->contains(part)) return {};
    node = &(*node)[part];
  }
  return node->is_string() ? node->get<std::string>() : std::string();
}

Json condition(const char* type, const char* reason, const char* message, const std::string& now) {
  return {{"type", type}, {"status", "True"}, {"lastTransitionTime", now}, {"reason", reason}, {"message", message}};
}

std::string served_names(const std::vector<Json>& served) {
  std::string out;
  for (const Json& crd : served) {
    if (!out.empty()) out += ", ";
    out += text_at(crd, {"metadata", "name"});
  }
  return out;
}

void check_name(FieldErrors& errors, const Json& object, const Json& served, std::initializer_list<const char*> path,
                const std::string& field) {
  const std::string want = text_at(served, path);
  const std::string got = text_at(object, path);
  if (got == want) return;
  errors.push_back({FieldErrorType::kInvalid, field, Json(got),
                    fmt::format("the embedded API server serves {} with {} \"{}\"",
                                text_at(served, {"metadata", "name"}), field, want)});
}

void check_versions(FieldErrors& errors, const Json& object, const Json& served) {
  const Json& versions = object["spec"]["versions"];
  if (!versions.is_array()) return;
  std::vector<std::string> supported;
  for (const Json& v : served["spec"]["versions"]) supported.push_back(v.value("name", std::string()));
  for (size_t i = 0; i < versions.size(); ++i) {
    const Json& v = versions[i];
    if (!v.is_object() || !v.value("served", false)) continue;
    const std::string name = v.value("name", std::string());
    if (std::find(supported.begin(), supported.end(), name) != supported.end()) continue;
    std::string quoted;
    for (const std::string& s : supported) quoted += (quoted.empty() ? "\"" : ", \"") + s + "\"";
    errors.push_back({FieldErrorType::kNotSupported, fmt::format("spec.versions[{}].name", i), Json(name),
                      fmt::format("supported values: {} (the versions the embedded API server serves)", quoted)});
  }
}

}  // namespace

bool is_crd_resource(const ResourceInfo& resource) {
  return resource.group == kGroup && resource.resource == kPlural;
}

Json established_status(const Json& spec, const std::string& now) {
  Json stored = Json::array();
  for (const Json& v : spec["versions"]) {
    if (v.value("storage", false)) stored.push_back(v.value("name", std::string()));
  }
  return {
      {"conditions",
       Json::array({condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
                    condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now)})},
      {"acceptedNames", spec["names"]},
      {"storedVersions", std::move(stored)}};
}

std::vector<Json> served_crds(const api::KindRegistry& registry, const std::string& now) {
  std::vector<Json> out;
  for (api::CrdFile& file : api::render_crds(registry)) {
    Json crd = std::move(file.crd);
    crd["metadata"] = Json{{"name", crd["metadata"]["name"]}};
    crd["status"] = established_status(crd["spec"], now);
    out.push_back(std::move(crd));
  }
  return out;
}

ApiResult<void> check_crd(const std::vector<Json>& served, const Json& object) {
  const std::string name = text_at(object, {"metadata", "name"});
  auto match = std::find_if(served.begin(), served.end(), [&](const Json& crd) {
    return text_at(crd, {"metadata", "name"}) == name;
  });
  if (match == served.end()) {
    ApiStatus status = forbidden(fmt::format(
        "{}.{} \"{}\" is forbidden: the embedded API server serves only its built-in kinds and cannot serve a new "
        "one from a CustomResourceDefinition; it accepts the CRDs of the kinds it serves ({}); use a Kubernetes "
        "cluster for other custom resources",
        kPlural, kGroup, name, served_names(served)));
    status.name = name;
    status.group = kGroup;
    status.kind = kPlural;
    return fail(std::move(status));
  }
  FieldErrors errors;
  check_name(errors, object, *match, {"spec", "group"}, "spec.group");
  check_name(errors, object, *match, {"spec", "names", "plural"}, "spec.names.plural");
  check_name(errors, object, *match, {"spec", "names", "kind"}, "spec.names.kind");
  check_name(errors, object, *match, {"spec", "scope"}, "spec.scope");
  check_versions(errors, object, *match);
  if (!errors.empty()) return fail(invalid("CustomResourceDefinition", kGroup, name, errors));
  return {};
}

ApiStatus crd_deletion_refused(const std::string& name) {
  ApiStatus status = forbidden(
      fmt::format("{}.{} \"{}\" is forbidden: it defines a kind built into the embedded API server, which cannot "
                  "stop serving it (in Kubernetes, deleting a CRD deletes every object of its kind); delete the "
                  "objects instead",
                  kPlural, kGroup, name));
  status.name = name;
  status.group = kGroup;
  status.kind = kPlural;
  return status;
}

}  // namespace kthena::apiserver
