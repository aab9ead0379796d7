#include "router/scheduler/plugins/lora_affinity.h"

namespace kthena::router {

Result<PluginInstance> LoraAffinity::create(const PluginArgs&, PluginEnv&) {
  return PluginInstance{std::make_shared<LoraAffinity>(), nullptr};
}

void LoraAffinity::filter(const SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
                          std::vector<const Endpoint*>& kept) const {
  for (const Endpoint* e : candidates) {
    if (e->serves_model(ctx.model)) kept.push_back(e);
  }
}

}  // namespace kthena::router
