#include "router/scheduler/plugins/prefix_cache.h"

#include "router/scheduler/prefix_hash.h"

namespace kthena::router {

Result<PluginInstance> PrefixCache::create(const PluginArgs& args, PluginEnv& env) {
  PrefixCacheArgs a;
  for (auto [name, target] : {std::pair<std::string_view, size_t*>{"blockSizeToHash", &a.block_size},
                              {"maxBlocksToMatch", &a.max_blocks},
                              {"maxHashCacheSize", &a.max_hash_cache_size},
                              {"topKMatches", &a.top_k}}) {
    auto v = args.get_int(name);
    if (!v) return fail(v.error());
    // Upstream: zero or negative means "use the default".
    if (v->has_value() && **v > 0) *target = static_cast<size_t>(**v);
  }
  return PluginInstance{nullptr, std::make_shared<PrefixCache>(a, env.prefix_index(a.max_hash_cache_size))};
}

void PrefixCache::score(SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
                        std::span<int32_t> scores) const {
  if (!ctx.prefix_hashes_ready) {
    hash_prompt_blocks(ctx.model, ctx.prompt, args_.block_size, args_.max_blocks, ctx.prefix_hashes);
    ctx.prefix_hashes_ready = true;
  }
  const auto& hashes = ctx.prefix_hashes;
  if (hashes.empty()) {
    for (int32_t& s : scores) s = kNoScore;
    return;
  }
  // Map pod ids to candidate positions through stamped scratch arrays, so nothing is cleared per request.
  SchedulingScratch& scratch = *ctx.scratch;
  uint32_t stamp = ++scratch.stamp_now;
  if (stamp == 0) {
    std::fill(scratch.stamp.begin(), scratch.stamp.end(), 0);
    stamp = scratch.stamp_now = 1;
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    uint32_t id = candidates[i]->id();
    if (id >= scratch.position.size()) {
      scratch.position.resize(id + 1);
      scratch.stamp.resize(id + 1, 0);
    }
    scratch.position[id] = static_cast<int32_t>(i);
    scratch.stamp[id] = stamp;
    scores[i] = 0;
  }
  // From the longest prefix down: a pod first seen at block i matched i+1 blocks.
  size_t matched = 0;
  size_t longest = 0;
  index_->visit_from_last(ctx.reader_slot, hashes, [&](size_t i, std::span<const uint32_t> pods) {
    for (uint32_t pod : pods) {
      if (pod >= scratch.stamp.size() || scratch.stamp[pod] != stamp) continue;
      int32_t& s = scores[static_cast<size_t>(scratch.position[pod])];
      if (s != 0) continue;
      s = static_cast<int32_t>(static_cast<double>(i + 1) / static_cast<double>(hashes.size()) * 100.0);
      if (s == 0) s = -1;  // matched, with a ratio that truncates to 0: remember it as taken
      longest = std::max(longest, i + 1);
      if (++matched >= args_.top_k) return false;
    }
    return true;
  });
  for (int32_t& s : scores) {
    if (s < 0) s = 0;
  }
  if (ctx.observer != nullptr) {
    ctx.observer->prefix_match_ratio(ctx.model, static_cast<double>(longest) / static_cast<double>(hashes.size()));
  }
}

void PrefixCache::on_success(const SchedulingContext& ctx, std::span<const Endpoint* const> endpoints) const {
  if (ctx.prefix_hashes.empty()) return;
  for (const Endpoint* e : endpoints) {
    if (e != nullptr) index_->record(e->id(), std::string(ctx.model), ctx.prefix_hashes);
  }
}

}  // namespace kthena::router
