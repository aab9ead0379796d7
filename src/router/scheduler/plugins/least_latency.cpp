#include "router/scheduler/plugins/least_latency.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace kthena::router {

Result<PluginInstance> LeastLatency::create(const PluginArgs& args, PluginEnv&) {
  auto alpha = args.get_double("TTFTTPOTWeightFactor");
  if (!alpha) return fail(alpha.error());
  double value = alpha->value_or(0.5);
  if (!std::isfinite(value) || value < 0 || value > 1) {
    return fail(ErrorCode::kInvalid, fmt::format("must be a finite number within [0, 1], got {}", value),
                args.field("TTFTTPOTWeightFactor"));
  }
  return PluginInstance{nullptr, std::make_shared<LeastLatency>(value)};
}

void LeastLatency::score(SchedulingContext&, std::span<const Endpoint* const> candidates,
                         std::span<int32_t> scores) const {
  double min_ttft = std::numeric_limits<double>::max(), max_ttft = 0;
  double min_tpot = std::numeric_limits<double>::max(), max_tpot = 0;
  bool any = false;
  for (const Endpoint* e : candidates) {
    double ttft = e->stats->ttft.load(std::memory_order_relaxed);
    double tpot = e->stats->tpot.load(std::memory_order_relaxed);
    if (!(ttft > 0 && tpot > 0)) continue;
    any = true;
    min_ttft = std::min(min_ttft, ttft);
    max_ttft = std::max(max_ttft, ttft);
    min_tpot = std::min(min_tpot, tpot);
    max_tpot = std::max(max_tpot, tpot);
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    double ttft = candidates[i]->stats->ttft.load(std::memory_order_relaxed);
    double tpot = candidates[i]->stats->tpot.load(std::memory_order_relaxed);
    if (!any || !(ttft > 0 && tpot > 0)) {
      scores[i] = 50;
      continue;
    }
    double s_ttft = max_ttft > min_ttft ? 100.0 * (max_ttft - ttft) / (max_ttft - min_ttft) : 100.0;
    double s_tpot = max_tpot > min_tpot ? 100.0 * (max_tpot - tpot) / (max_tpot - min_tpot) : 100.0;
    scores[i] = static_cast<int32_t>(alpha_ * s_ttft + (1 - alpha_) * s_tpot);
  }
}

}  // namespace kthena::router
