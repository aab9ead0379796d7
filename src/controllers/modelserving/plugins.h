// The ModelServing plugin chain (spec kthena-workload.md §3.13): spec.plugins, in list order, may change each pod
// before it is created and observe it when it becomes ready. Only built-in plugins exist, in one const table
// (builtin_plugins). As upstream, the chain is built for every hook call, so a bad entry (an unknown name, a config
// of the wrong shape) fails every pod's creation and ready handling until the spec is fixed, naming its field.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"

namespace kthena::controllers::modelserving {

// The pod a hook runs for (upstream's HookRequest without the pod).
struct PodContext {
  const Json* ms = nullptr;  // the ModelServing; no plugins run without one
  std::string group_name;    // "<ms>-<g>"
  int group_ordinal = 0;     // g
  std::string role_name;
  std::string role_id;  // "<role>-<r>"
  bool is_entry = false;
};

class PodPlugin {
 public:
  virtual ~PodPlugin() = default;
  // Before the pod is created; may change `pod`. An error aborts the creation.
  virtual Result<void> on_pod_create(const PodContext& ctx, Json& pod) const = 0;
  // When the pod has become Running and Ready. An error aborts the ready handling.
  virtual Result<void> on_pod_ready(const PodContext& ctx, const Json& pod) const = 0;
};

// Builds a plugin from the `config` of its spec (null when absent), checked once; errors name the offending field
// under `field` ("spec.plugins[i].config").
using PluginFactory = Result<std::unique_ptr<PodPlugin>> (*)(const Json& config, const std::string& field);

struct BuiltInPlugin {
  std::string_view name;
  PluginFactory create;
};

// demo-pod-tweaks and lws-standard-labels.
std::span<const BuiltInPlugin> builtin_plugins();

// Builds the chain of ctx.ms's spec.plugins (every entry, before any runs, so a bad one leaves `pod` untouched), then
// runs, in list order, the plugins whose scope matches the pod: scope.roles (when not empty) names ctx.role_name, and
// scope.target is empty, "All", or "Entry"/"Worker" as the pod is. Errors: "plugin X has unsupported type Y",
// "plugin X not registered", "build plugin X: ..." (a config error, its field named), "plugin X OnPodCreate: ...".
Result<void> run_on_pod_create(const PodContext& ctx, Json& pod);
Result<void> run_on_pod_ready(const PodContext& ctx, const Json& pod);

}  // namespace kthena::controllers::modelserving
