// The per-request state that scheduling reads and plugins may add to. Owned by the request; the scratch buffers it
// points to are owned by the worker thread, so that scheduling allocates nothing once warm.
#pragma once

#include <chrono>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/rng.h"
#include "router/endpoints/endpoint.h"
#include "router/request/prompt.h"

namespace kthena::router {

// Where scheduling reports what it measured (the kthena_router_scheduler_*, prefix_cache_* and kvcache_aware_*
// metrics). Called on the worker thread that schedules; implementations keep per-thread handles.
class SchedulerObserver {
 public:
  enum class PluginKind { kFilter, kScore };
  enum class KvStage { kTokenize, kRedis };
  virtual ~SchedulerObserver() = default;
  virtual void plugin_duration(std::string_view model, std::string_view plugin, PluginKind kind, double seconds) = 0;
  virtual void prefix_match_ratio(std::string_view model, double ratio) = 0;
  virtual void kvcache_match_ratio(std::string_view model, double ratio) = 0;
  virtual void kvcache_duration(std::string_view model, KvStage stage, double seconds) = 0;
  virtual void kvcache_error(std::string_view model, KvStage stage) = 0;
};

// Reusable per-thread buffers for scheduling.
struct SchedulingScratch {
  std::string prompt;  // the prompt string of the request being scheduled
  std::vector<const Endpoint*> candidates;
  std::vector<const Endpoint*> filtered;
  std::vector<const Endpoint*> healthy;  // the candidates passive health has not ejected
  std::vector<int32_t> plugin_scores;
  std::vector<int64_t> totals;
  std::vector<uint8_t> scored;     // some plugin scored candidate i
  std::vector<uint32_t> ranked;    // indices of scored candidates, best first after ranking
  std::vector<uint64_t> tie_keys;  // a random key per candidate, to break ties
  std::vector<int32_t> position;   // pod_id -> index in the current candidate list, valid when stamp matches
  std::vector<uint32_t> stamp;
  uint32_t stamp_now = 0;
  std::vector<uint64_t> kv_hashes;
  std::vector<std::pair<uint32_t, uint32_t>> kv_runs;           // (candidate index, blocks held from the first)
  std::vector<std::pair<uint32_t, size_t>> unapplied_prefixes;  // prefix-cache: (pod, blocks) not in the index yet
};

struct SchedulingContext {
  std::string_view model;   // the client-facing model of the request
  std::string_view prompt;  // the prompt string (prompt.h)
  const Prompt* prompt_parts = nullptr;
  std::string_view model_server;    // "ns/name"
  std::string_view upstream_model;  // the model the engine serves (after the ModelServer rewrite)
  Rng* rng = nullptr;
  SchedulingScratch* scratch = nullptr;
  SchedulerObserver* observer = nullptr;
  uint32_t reader_slot = 0;  // this thread's slot in read-mostly shared indexes (prefix_index.h)
  // With an observer, each plugin is timed from this mark, which then moves to the plugin's end: one clock read per
  // plugin. The caller sets it right before scheduling and may take it afterwards as the time scheduling ended.
  std::chrono::steady_clock::time_point clock_mark{};

  // Set by prefix-cache while scoring, read again by its success hook. Chained block hashes of the prompt.
  std::vector<uint64_t> prefix_hashes;
  bool prefix_hashes_ready = false;
  // Filled before scheduling when kvcache-aware is enabled: the prompt's token ids from an engine's /tokenize.
  enum class Tokens { kNotRequested, kReady, kFailed } tokens_state = Tokens::kNotRequested;
  std::vector<uint32_t> tokens;
};

}  // namespace kthena::router
