// lora-affinity (kthena-router.md §4.3): keeps the pods whose engine lists the request's model in /v1/models,
// i.e. the pods that have the requested LoRA adapter loaded.
#pragma once

#include "router/scheduler/plugin.h"
#include "router/scheduler/plugin_registry.h"

namespace kthena::router {

class LoraAffinity final : public FilterPlugin {
 public:
  static Result<PluginInstance> create(const PluginArgs& args, PluginEnv& env);

  std::string_view name() const override { return "lora-affinity"; }

  // FilterPlugin
  void filter(const SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
              std::vector<const Endpoint*>& kept) const override;
};

}  // namespace kthena::router
