#include "router/scheduler/plugins/gpu_usage.h"

#include <algorithm>

namespace kthena::router {

Result<PluginInstance> GpuUsage::create(const PluginArgs&, PluginEnv&) {
  return PluginInstance{nullptr, std::make_shared<GpuUsage>()};
}

void GpuUsage::score(SchedulingContext&, std::span<const Endpoint* const> candidates, std::span<int32_t> scores) const {
  for (size_t i = 0; i < candidates.size(); ++i) {
    double usage = std::clamp(candidates[i]->stats->gpu_cache_usage.load(std::memory_order_relaxed), 0.0, 1.0);
    scores[i] = static_cast<int32_t>((1 - usage) * 100);
  }
}

}  // namespace kthena::router
