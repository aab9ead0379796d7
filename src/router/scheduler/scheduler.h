// The filter/score framework (kthena-router.md §4.2): runs the configured filters in order, sums weighted scores,
// and picks the best pods (aggregated) or the best decode pods each with its best prefill partner (PD). Immutable
// once built; called concurrently from every worker thread.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "router/endpoints/model_server_entry.h"
#include "router/scheduler/plugin.h"
#include "router/scheduler/plugin_registry.h"
#include "router/scheduler/plugins/kvcache_aware.h"
#include "router/scheduler/scheduler_config.h"

namespace kthena::router {

inline constexpr size_t kTopN = 5;

struct ScheduleResult {
  std::array<const Endpoint*, kTopN> best{};  // aggregated: best first
  size_t best_count = 0;
  std::array<const Endpoint*, kTopN> decode{};   // PD: decode pods, best first
  std::array<const Endpoint*, kTopN> prefill{};  // PD: prefill[i] pairs with decode[i]; null when it has none
  size_t pair_count = 0;
};

class Scheduler {
 public:
  // Creates every plugin the configuration enables, validating their arguments once.
  static Result<std::shared_ptr<const Scheduler>> create(const SchedulerConfig& config, PluginEnv& env);

  // Aggregated mode. Fails ("pods have all been filtered out by ...") only when a filter leaves nothing; an empty
  // result without failure means no plugin scored any pod.
  Result<void> schedule(SchedulingContext& ctx, std::span<const Endpoint* const> endpoints, ScheduleResult& out) const;
  // Prefill/decode mode over the pods of `server`.
  Result<void> schedule_pd(SchedulingContext& ctx, const ModelServerEntry& server, ScheduleResult& out) const;
  // Post-schedule hooks after a success on `endpoints`.
  void on_success(const SchedulingContext& ctx, std::span<const Endpoint* const> endpoints) const;

  bool uses_least_request() const { return uses_least_request_; }
  // The kvcache-aware plugin, which needs the prompt tokenised before scoring; null when not enabled, or when it has
  // no block index to score with (no Redis).
  const KvCacheAware* kvcache() const { return kvcache_; }
  const SchedulerConfig& config() const { return config_; }

 private:
  struct WeightedScore {
    std::shared_ptr<const ScorePlugin> plugin;
    int64_t weight;
  };

  // Filters `candidates` into scratch.candidates; returns the name of the filter that emptied it, or "".
  std::string_view run_filters(SchedulingContext& ctx, std::span<const Endpoint* const> candidates) const;
  // The filter chain over `candidates` into scratch.candidates; the name of the filter that left none, or "".
  std::string_view filter(SchedulingContext& ctx, std::span<const Endpoint* const> candidates) const;
  // Scores scratch.candidates and writes up to `n` best into `out`; returns how many.
  size_t top(SchedulingContext& ctx, size_t n, const Endpoint** out) const;

  SchedulerConfig config_;
  std::vector<std::shared_ptr<const FilterPlugin>> filters_;
  std::vector<WeightedScore> scores_;
  bool uses_least_request_ = false;
  const KvCacheAware* kvcache_ = nullptr;
};

}  // namespace kthena::router
