// prefix-cache (kthena-router.md §4.4): prefers pods that recently served the longest chained-block prefix of this
// prompt, so that their engine's prefix cache already holds it. Learns after each success.
#pragma once

#include <memory>

#include "router/scheduler/plugin.h"
#include "router/scheduler/plugin_registry.h"
#include "router/scheduler/prefix_index.h"

namespace kthena::router {

struct PrefixCacheArgs {
  size_t block_size = 64;
  size_t max_blocks = 128;
  size_t max_hash_cache_size = 50000;
  size_t top_k = 5;
};

class PrefixCache final : public ScorePlugin {
 public:
  static Result<PluginInstance> create(const PluginArgs& args, PluginEnv& env);
  PrefixCache(PrefixCacheArgs args, std::shared_ptr<PrefixIndex> index) : args_(args), index_(std::move(index)) {}

  std::string_view name() const override { return "prefix-cache"; }

  // ScorePlugin
  void score(SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
             std::span<int32_t> scores) const override;
  void on_success(const SchedulingContext& ctx, std::span<const Endpoint* const> endpoints) const override;

  const PrefixCacheArgs& args() const { return args_; }

 private:
  PrefixCacheArgs args_;
  std::shared_ptr<PrefixIndex> index_;
};

}  // namespace kthena::router
