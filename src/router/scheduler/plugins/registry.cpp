// Every scheduling plugin, one line each (kthena-router.md §4.1).
#include "router/scheduler/plugin_registry.h"

#include "router/scheduler/plugins/gpu_usage.h"
#include "router/scheduler/plugins/kvcache_aware.h"
#include "router/scheduler/plugins/least_latency.h"
#include "router/scheduler/plugins/least_request.h"
#include "router/scheduler/plugins/lora_affinity.h"
#include "router/scheduler/plugins/prefix_cache.h"
#include "router/scheduler/plugins/random_score.h"

namespace kthena::router {
namespace {

constexpr PluginRegistration kPlugins[] = {
    {"least-request", &LeastRequest::create}, {"least-latency", &LeastLatency::create},
    {"gpu-usage", &GpuUsage::create},         {"random", &RandomScore::create},
    {"lora-affinity", &LoraAffinity::create}, {"prefix-cache", &PrefixCache::create},
    {"kvcache-aware", &KvCacheAware::create},
};

}  // namespace

std::span<const PluginRegistration> plugin_registry() {
  return kPlugins;
}

const PluginRegistration* find_plugin(std::string_view name) {
  for (const PluginRegistration& p : kPlugins) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace kthena::router
