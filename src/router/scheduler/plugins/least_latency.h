// least-latency (kthena-router.md §4.3): prefers pods whose engines report lower time-to-first-token and time per
// output token, mixed by TTFTTPOTWeightFactor (1 = TTFT only, 0 = TPOT only). Unmeasured pods score 50.
#pragma once

#include "router/scheduler/plugin.h"
#include "router/scheduler/plugin_registry.h"

namespace kthena::router {

class LeastLatency final : public ScorePlugin {
 public:
  static Result<PluginInstance> create(const PluginArgs& args, PluginEnv& env);
  explicit LeastLatency(double alpha) : alpha_(alpha) {}

  std::string_view name() const override { return "least-latency"; }

  // ScorePlugin
  void score(SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
             std::span<int32_t> scores) const override;

 private:
  double alpha_;
};

}  // namespace kthena::router
