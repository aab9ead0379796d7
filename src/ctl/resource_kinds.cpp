#include "ctl/resource_kinds.h"

#include <algorithm>
#include <cctype>

#include "api/json_fields.h"
#include "api/registry/kind_registry.h"

namespace kthena::ctl {
namespace {

struct Alias {
  std::string_view name;
  KthenaKind kind;
};

// Upstream's spellings (spec kthena-workload.md §6), plus the singular/plural each lacks.
constexpr Alias kAliases[] = {
    {"model-boosters", KthenaKind::kModelBooster},
    {"model-booster", KthenaKind::kModelBooster},
    {"model-servings", KthenaKind::kModelServing},
    {"model-serving", KthenaKind::kModelServing},
    {"ms", KthenaKind::kModelServing},
    {"model-routes", KthenaKind::kModelRoute},
    {"model-route", KthenaKind::kModelRoute},
    {"mroute", KthenaKind::kModelRoute},
    {"model-servers", KthenaKind::kModelServer},
    {"model-server", KthenaKind::kModelServer},
    {"mserver", KthenaKind::kModelServer},
    {"autoscaling-policies", KthenaKind::kAutoscalingPolicy},
    {"autoscaling-policy", KthenaKind::kAutoscalingPolicy},
    {"asp", KthenaKind::kAutoscalingPolicy},
};

ResolvedKind of(KthenaKind kind) {
  switch (kind) {
    case KthenaKind::kModelBooster:
      return {kube::resources::model_boosters(), kind, "model-booster"};
    case KthenaKind::kModelServing:
      return {kube::resources::model_servings(), kind, "model-serving"};
    case KthenaKind::kModelRoute:
      return {kube::resources::model_routes(), kind, "model-route"};
    case KthenaKind::kModelServer:
      return {kube::resources::model_servers(), kind, "model-server"};
    case KthenaKind::kAutoscalingPolicy:
      return {kube::resources::autoscaling_policies(), kind, "autoscaling-policy"};
  }
  return {};
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

ResolvedKind of(const api::KindInfo& info) {
  ResolvedKind resolved{
      {info.group, info.version, info.plural, info.kind, info.namespaced}, std::nullopt, info.singular};
  // A Kthena kind found by its Kubernetes name still gets upstream's columns.
  for (const Alias& alias : kAliases) {
    ResolvedKind known = of(alias.kind);
    if (known.resource.group == info.group && known.resource.plural == info.plural) return known;
  }
  return resolved;
}

}  // namespace

Result<ResolvedKind> resolve_kind(std::string_view name) {
  const std::string wanted = lower(name);
  for (const Alias& alias : kAliases) {
    if (alias.name == wanted) return of(alias.kind);
  }
  if (const api::KindInfo* info = api::KindRegistry::builtin().find_by_name(name)) return of(*info);
  return fail(ErrorCode::kNotFound,
              "the server doesn't have a resource type \"" + std::string(name) +
                  "\" (known: model-boosters, model-servings (ms), model-routes (mroute), model-servers (mserver), "
                  "autoscaling-policies (asp), pods, ...)");
}

Result<ResolvedKind> resolve_object_kind(const Json& object) {
  const std::string api_version = api::lenient::str(object, "apiVersion");
  const std::string kind = api::lenient::str(object, "kind");
  if (api_version.empty()) return fail(ErrorCode::kInvalid, "apiVersion not set", "apiVersion");
  if (kind.empty()) return fail(ErrorCode::kInvalid, "kind not set", "kind");
  const api::KindInfo* info = api::KindRegistry::builtin().find_by_api_version(api_version, kind);
  if (info == nullptr) {
    return fail(ErrorCode::kNotFound,
                "no matches for kind \"" + kind + "\" in version \"" + api_version + "\" (not served by kthena)",
                "kind");
  }
  return of(*info);
}

Result<std::pair<ResolvedKind, std::string>> resolve_type_name(std::string_view argument) {
  const size_t slash = argument.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == argument.size()) {
    return fail(ErrorCode::kInvalid, "expected TYPE/NAME (model-booster/demo), got \"" + std::string(argument) + "\"");
  }
  auto kind = resolve_kind(argument.substr(0, slash));
  if (!kind) return fail(kind.error());
  return std::pair{std::move(*kind), std::string(argument.substr(slash + 1))};
}

}  // namespace kthena::ctl
