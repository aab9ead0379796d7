// The resource names the CLI accepts: upstream `kthena`'s (model-boosters, ms, mroute, mserver, asp, ...) and
// every name kubectl accepts for a kind the platform serves (plural, singular, short name, kind, `.group`).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"
#include "kube/resource.h"

namespace kthena::ctl {

// The label the ModelBooster controller puts on its ModelServing, ModelServer and ModelRoute (spec §1.2).
inline constexpr std::string_view kModelNameLabel = "workload.serving.volcano.sh/model-name";
// The label the ModelServing controller puts on its pods.
inline constexpr std::string_view kServingNameLabel = "modelserving.volcano.sh/name";

// The five kinds upstream's CLI lists, in the order `kthena get --help` names them.
enum class KthenaKind { kModelBooster, kModelServing, kModelRoute, kModelServer, kAutoscalingPolicy };

struct ResolvedKind {
  kube::Resource resource;
  std::optional<KthenaKind> kthena;  // set for the five kinds: they have upstream's columns
  std::string type_name;             // how `TYPE/NAME` names it in messages ("model-booster", "pod")
};

// Upstream's aliases first (case-insensitive), then the registry's names. kNotFound lists upstream's names.
Result<ResolvedKind> resolve_kind(std::string_view name);

// The resource of a manifest's object by apiVersion and kind; kNotFound names them when the platform does not
// serve that kind.
Result<ResolvedKind> resolve_object_kind(const Json& object);

// "model-booster/demo" -> (kind, "demo"); errors name the argument.
Result<std::pair<ResolvedKind, std::string>> resolve_type_name(std::string_view argument);

}  // namespace kthena::ctl
