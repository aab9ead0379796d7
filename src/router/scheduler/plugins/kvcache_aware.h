// kvcache-aware (kthena-router.md §4.5): prefers pods whose engine already holds the longest run of this prompt's
// KV blocks, as reported by runtime sidecars into Redis. The prompt is tokenised by one candidate's engine
// (/tokenize) before scoring; the block owners come from the local Redis mirror (kv_block_index.h).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "router/scheduler/kv_block_index.h"
#include "router/scheduler/plugin.h"
#include "router/scheduler/plugin_registry.h"

namespace kthena::router {

struct KvCacheArgs {
  size_t block_size = 16;
  size_t max_blocks = 128;
  int32_t vllm_tokenizer_port = 8000;
  int32_t sglang_tokenizer_port = 30000;
};

// A POST /tokenize to send before scoring.
struct TokenizeCall {
  const Endpoint* endpoint = nullptr;
  int32_t port = 0;
  std::string body;
};

class KvCacheAware final : public ScorePlugin {
 public:
  static Result<PluginInstance> create(const PluginArgs& args, PluginEnv& env);
  KvCacheAware(KvCacheArgs args, std::shared_ptr<KvBlockIndex> index) : args_(args), index_(std::move(index)) {}

  std::string_view name() const override { return "kvcache-aware"; }

  // The tokenize request for this request: from a random candidate on, the first one whose engine has a
  // tokenizer port. Nothing when the prompt or the model is empty.
  std::optional<TokenizeCall> tokenize_call(const SchedulingContext& ctx,
                                            std::span<const Endpoint* const> candidates) const;

  // ScorePlugin
  void score(SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
             std::span<int32_t> scores) const override;

  const KvCacheArgs& args() const { return args_; }
  // Whether a Redis mirror backs the plugin; without one it scores nothing and needs no tokens.
  bool has_index() const { return index_ != nullptr; }

 private:
  KvCacheArgs args_;
  std::shared_ptr<KvBlockIndex> index_;  // null when Redis is not configured: the plugin scores nothing
};

// The /tokenize body upstream sends to each engine (kthena-router.md §4.6).
std::string tokenize_body(api::InferenceEngine engine, std::string_view model, const Prompt& prompt);
// Reads "tokens" out of a /tokenize response.
bool parse_tokenize_response(std::string_view body, std::vector<uint32_t>& tokens);

}  // namespace kthena::router
