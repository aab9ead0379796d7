// How plugins are named and created (kthena-router.md §4.1): one table in plugins/registry.cpp.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "common/result.h"
#include "router/scheduler/plugin.h"
#include "router/scheduler/plugin_args.h"

namespace kthena::router {

class PrefixIndex;
class KvBlockIndex;

// Shared state plugins may attach to. Lives longer than any one configuration, so that a configuration reload
// keeps what the router has learnt (the prefix index survives when its capacity does not change).
struct PluginEnv {
  // The prefix index with this per-pod capacity (created on first use).
  std::function<std::shared_ptr<PrefixIndex>(size_t capacity)> prefix_index;
  // The mirror of the Redis KV-block index written by the runtime sidecars, or null without Redis.
  std::function<std::shared_ptr<KvBlockIndex>()> kv_block_index;
};

// A plugin may act as a filter, a scorer, or both (least-request).
struct PluginInstance {
  std::shared_ptr<const FilterPlugin> filter;
  std::shared_ptr<const ScorePlugin> score;
};

using PluginFactory = Result<PluginInstance> (*)(const PluginArgs& args, PluginEnv& env);

struct PluginRegistration {
  std::string_view name;
  PluginFactory create;
};

std::span<const PluginRegistration> plugin_registry();
const PluginRegistration* find_plugin(std::string_view name);

}  // namespace kthena::router
