// One simulated engine: vLLM's continuous-batching scheduler over a KV cache with prefix caching, stepping on a
// timer of its reactor (no thread of its own). Each step schedules running requests first (one decode token each,
// or the next chunk of a prefill), then admits waiting ones while max_num_seqs, the token budget
// (max_num_batched_tokens) and free KV blocks allow; when a running request needs a block and none is free, the
// most recently admitted request is preempted and recomputed later. The step lasts as long as the model profile
// says (scaled by time_scale), and then every request that completed its known tokens gets one new token.
//
// Thread contract: everything runs on the engine's reactor thread, except the process-wide registry lookups.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "common/result.h"
#include "http/reactor.h"
#include "sim/engine_config.h"
#include "sim/engine_stats.h"
#include "sim/kv_cache.h"
#include "sim/sim_request.h"

namespace kthena::sim {

// KV blocks a prefill engine keeps for a decode engine to pull.
struct HeldKv {
  std::vector<uint32_t> blocks;
  size_t num_tokens = 0;
  Clock::time_point expires;
};

class Engine {
 public:
  Engine(EngineConfig config, http::Reactor& reactor, std::string engine_id, uint32_t index);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const EngineConfig& config() const { return config_; }
  const std::string& engine_id() const { return engine_id_; }
  uint32_t index() const { return index_; }
  http::Reactor& reactor() { return reactor_; }
  boost::asio::any_io_executor executor() { return reactor_.executor(); }

  // Queues a request; the engine starts stepping if it was idle.
  std::shared_ptr<SimRequest> submit(RequestSpec spec);
  // Ends a request the client no longer waits for (finish reason abort).
  void abort(const std::shared_ptr<SimRequest>& request);

  size_t num_running() const { return running_.size(); }
  size_t num_waiting() const { return waiting_.size(); }
  const KvCache& kv() const { return kv_; }
  void reset_prefix_cache() { kv_.reset_prefix_cache(); }
  const EngineStats& stats() const { return stats_; }
  EngineStats& mutable_stats() { return stats_; }
  uint64_t steps() const { return steps_; }

  // LoRA adapters, in load order.
  const std::vector<LoraModule>& loras() const { return loras_; }
  bool has_lora(std::string_view name) const;
  Result<void> load_lora(LoraModule module);
  Result<void> unload_lora(std::string_view name);
  // Comma-joined names of adapters with running / waiting requests (vllm:lora_requests_info).
  std::string running_loras() const;
  std::string waiting_loras() const;

  // Prefill/decode: the blocks held for `key` (a request id, or an SGLang bootstrap room) are handed over and
  // freed here; nullopt when nothing is held (never prefilled here, already pulled, or the lease expired).
  std::optional<size_t> release_held(const std::string& key);
  bool holds(const std::string& key) const { return held_.contains(key); }

 private:
  void kick();
  void schedule_step();
  void complete_step();
  bool ensure_blocks(SimRequest& r, size_t tokens);
  void preempt(const std::shared_ptr<SimRequest>& r);
  void admit_prefix(SimRequest& r);
  void append_token(const std::shared_ptr<SimRequest>& request, Clock::time_point now);
  void finish(const std::shared_ptr<SimRequest>& r, FinishReason reason, Clock::time_point now);
  void extend_hashes(SimRequest& r);
  void expire_leases();
  bool lora_slot_available(const SimRequest& r) const;

  EngineConfig config_;
  http::Reactor& reactor_;
  std::string engine_id_;
  uint32_t index_;
  KvCache kv_;
  EngineStats stats_;
  std::vector<LoraModule> loras_;

  std::deque<std::shared_ptr<SimRequest>> waiting_;
  std::vector<std::shared_ptr<SimRequest>> running_;
  struct Scheduled {
    std::shared_ptr<SimRequest> request;
    uint32_t tokens;
  };
  std::vector<Scheduled> batch_;
  boost::asio::steady_timer step_timer_;
  bool stepping_ = false;
  uint64_t steps_ = 0;
  uint64_t submitted_ = 0;

  std::map<std::string, HeldKv> held_;
  boost::asio::steady_timer lease_timer_;
};

}  // namespace kthena::sim
