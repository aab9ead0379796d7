// gpu-usage (kthena-router.md §4.3): prefers pods whose engines report a lower KV-cache usage.
#pragma once

#include "router/scheduler/plugin.h"
#include "router/scheduler/plugin_registry.h"

namespace kthena::router {

class GpuUsage final : public ScorePlugin {
 public:
  static Result<PluginInstance> create(const PluginArgs& args, PluginEnv& env);

  std::string_view name() const override { return "gpu-usage"; }

  // ScorePlugin
  void score(SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
             std::span<int32_t> scores) const override;
};

}  // namespace kthena::router
