#include "router/scheduler/plugins/least_request.h"

#include <algorithm>

namespace kthena::router {

Result<PluginInstance> LeastRequest::create(const PluginArgs& args, PluginEnv&) {
  auto max_waiting = args.get_int("maxWaitingRequests");
  if (!max_waiting) return fail(max_waiting.error());
  int64_t value = max_waiting->value_or(0);
  auto plugin = std::make_shared<LeastRequest>(value <= 0 ? 10 : value);
  return PluginInstance{plugin, plugin};
}

void LeastRequest::filter(const SchedulingContext&, std::span<const Endpoint* const> candidates,
                          std::vector<const Endpoint*>& kept) const {
  for (const Endpoint* e : candidates) {
    if (e->stats->waiting.load(std::memory_order_relaxed) < static_cast<double>(max_waiting_)) kept.push_back(e);
  }
}

void LeastRequest::score(SchedulingContext&, std::span<const Endpoint* const> candidates,
                         std::span<int32_t> scores) const {
  // base = in-flight + 100 x (in-flight the engine does not yet run), so queued work weighs more than running work.
  int64_t max_base = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    int64_t in_flight = std::max<int64_t>(candidates[i]->stats->in_flight.load(std::memory_order_relaxed), 0);
    auto running = static_cast<int64_t>(candidates[i]->stats->running.load(std::memory_order_relaxed));
    int64_t base = in_flight + 100 * std::max<int64_t>(in_flight - running, 0);
    scores[i] = static_cast<int32_t>(std::min<int64_t>(base, INT32_MAX));
    max_base = std::max<int64_t>(max_base, scores[i]);
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (max_base == 0) {
      scores[i] = 100;
    } else {
      scores[i] =
          static_cast<int32_t>(static_cast<double>(max_base - scores[i]) / static_cast<double>(max_base) * 100.0);
    }
  }
}

}  // namespace kthena::router
