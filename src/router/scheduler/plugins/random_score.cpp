#include "router/scheduler/plugins/random_score.h"

namespace kthena::router {

Result<PluginInstance> RandomScore::create(const PluginArgs&, PluginEnv&) {
  return PluginInstance{nullptr, std::make_shared<RandomScore>()};
}

void RandomScore::score(SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
                        std::span<int32_t> scores) const {
  for (size_t i = 0; i < candidates.size(); ++i) scores[i] = static_cast<int32_t>(ctx.rng->below(101));
}

}  // namespace kthena::router
