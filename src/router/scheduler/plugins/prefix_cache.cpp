#include "router/scheduler/plugins/prefix_cache.h"

#include <algorithm>

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
  // A match of `blocks` leading blocks scores their share of the prompt, 0-100; a share that truncates to 0 is -1,
  // so that the pod still counts as matched until the end.
  auto match_score = [&hashes](size_t blocks) {
    auto s = static_cast<int32_t>(static_cast<double>(blocks) / static_cast<double>(hashes.size()) * 100.0);
    return s == 0 ? -1 : s;
  };
  // Records no reader sees in the index yet count as learnt, as upstream records synchronously: a request with the
  // same prefix lands where the last one went, whichever thread serves it. Read before the index, so that a record
  // applied meanwhile is seen in one or the other.
  auto& unapplied = scratch.unapplied_prefixes;
  unapplied.clear();
  index_->visit_unapplied(hashes, [&](uint32_t pod, size_t common) { unapplied.emplace_back(pod, common); });
  // From the longest prefix down: a pod first seen at block i matched i+1 blocks.
  size_t matched = 0;
  size_t longest = 0;
  index_->visit_from_last(ctx.reader_slot, hashes, [&](size_t i, std::span<const uint32_t> pods) {
    for (uint32_t pod : pods) {
      if (pod >= scratch.stamp.size() || scratch.stamp[pod] != stamp) continue;
      int32_t& s = scores[static_cast<size_t>(scratch.position[pod])];
      if (s != 0) continue;
      s = match_score(i + 1);
      longest = std::max(longest, i + 1);
      if (++matched >= args_.top_k) return false;
    }
    return true;
  });
  for (auto [pod, common] : unapplied) {
    if (pod >= scratch.stamp.size() || scratch.stamp[pod] != stamp) continue;
    int32_t s = match_score(common);
    int32_t& current = scores[static_cast<size_t>(scratch.position[pod])];
    if (current == 0 || s > current) current = s;
    longest = std::max<size_t>(longest, common);
  }
  for (int32_t& s : scores) {
    if (s < 0) s = 0;
  }
  if (ctx.observer != nullptr) {
    ctx.observer->prefix_match_ratio(ctx.model, static_cast<double>(longest) / static_cast<double>(hashes.size()));
  }
}

void PrefixCache::on_success(const SchedulingContext& ctx, std::span<const Endpoint* const> endpoints) const {
  if (ctx.prefix_hashes.empty()) return;
  // A context without scratch is not a worker's (tests, tools): its records need not be visible before applied.
  uint32_t slot = ctx.scratch != nullptr ? ctx.reader_slot : PrefixIndex::kUntracked;
  for (const Endpoint* e : endpoints) {
    if (e != nullptr) index_->record(e->id(), std::string(ctx.model), ctx.prefix_hashes, slot);
  }
}

}  // namespace kthena::router
