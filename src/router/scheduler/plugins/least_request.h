// least-request (kthena-router.md §4.3): a filter that drops pods whose engine queue is at maxWaitingRequests, and
// a score that prefers pods with fewer requests in flight from this router, penalising in-flight requests the
// engine does not report as running yet.
#pragma once

#include "router/scheduler/plugin.h"
#include "router/scheduler/plugin_registry.h"

namespace kthena::router {

class LeastRequest final : public FilterPlugin, public ScorePlugin {
 public:
  static Result<PluginInstance> create(const PluginArgs& args, PluginEnv& env);
  explicit LeastRequest(int64_t max_waiting) : max_waiting_(max_waiting) {}

  std::string_view name() const override { return "least-request"; }

  // FilterPlugin
  void filter(const SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
              std::vector<const Endpoint*>& kept) const override;

  // ScorePlugin
  void score(SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
             std::span<int32_t> scores) const override;

 private:
  int64_t max_waiting_;
};

}  // namespace kthena::router
