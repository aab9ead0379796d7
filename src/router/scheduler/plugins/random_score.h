// random (kthena-router.md §4.3): a uniform score in [0, 100] per pod per request.
#pragma once

#include "router/scheduler/plugin.h"
#include "router/scheduler/plugin_registry.h"

namespace kthena::router {

class RandomScore final : public ScorePlugin {
 public:
  static Result<PluginInstance> create(const PluginArgs& args, PluginEnv& env);

  std::string_view name() const override { return "random"; }

  // ScorePlugin
  void score(SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
             std::span<int32_t> scores) const override;
};

}  // namespace kthena::router
