#include "router/scheduler/plugins/kvcache_aware.h"

#include <simdjson.h>

#include "common/json_string.h"
#include "router/request/body_editor.h"
#include "router/scheduler/kv_block_hash.h"

namespace kthena::router {

Result<PluginInstance> KvCacheAware::create(const PluginArgs& args, PluginEnv& env) {
  KvCacheArgs a;
  auto block = args.get_int("blockSizeToHash");
  if (!block) return fail(block.error());
  if (block->has_value() && **block > 0) a.block_size = static_cast<size_t>(**block);
  auto blocks = args.get_int("maxBlocksToMatch");
  if (!blocks) return fail(blocks.error());
  if (blocks->has_value() && **blocks > 0) a.max_blocks = static_cast<size_t>(**blocks);
  for (auto [name, target] : {std::pair<std::string_view, int32_t*>{"vllmTokenizerPort", &a.vllm_tokenizer_port},
                              {"sglangTokenizerPort", &a.sglang_tokenizer_port}}) {
    auto v = args.get_int(name);
    if (!v) return fail(v.error());
    // Upstream: a port outside 1..65535 falls back to the default.
    if (v->has_value() && **v >= 1 && **v <= 65535) *target = static_cast<int32_t>(**v);
  }
  std::shared_ptr<KvBlockIndex> index = env.kv_block_index ? env.kv_block_index() : nullptr;
  return PluginInstance{nullptr, std::make_shared<KvCacheAware>(a, std::move(index))};
}

std::string tokenize_body(api::InferenceEngine engine, std::string_view model, const Prompt& prompt) {
  std::string out = "{";
  if (!model.empty()) {
    out += "\"model\":";
    append_json_string(out, model);
    out += ",";
  }
  bool vllm = engine == api::InferenceEngine::kVllm;
  if (prompt.kind == Prompt::Kind::kText) {
    out += "\"prompt\":";
    append_json_string(out, prompt.text);
    out += ",\"add_special_tokens\":true";
  } else {
    out += "\"messages\":[";
    for (size_t i = 0; i < prompt.messages.size(); ++i) {
      if (i > 0) out += ",";
      out += "{\"role\":";
      append_json_string(out, prompt.messages[i].role);
      out += ",\"content\":";
      append_json_string(out, prompt.messages[i].content);
      out += "}";
    }
    out += "],\"add_special_tokens\":false";
    if (vllm) out += ",\"add_generation_prompt\":true";
  }
  if (vllm) out += ",\"return_token_strs\":false";
  out += "}";
  return out;
}

bool parse_tokenize_response(std::string_view body, std::vector<uint32_t>& tokens) {
  tokens.clear();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc)) return false;
  simdjson::dom::array list;
  if (doc["tokens"].get_array().get(list)) return false;
  for (simdjson::dom::element t : list) {
    int64_t v = 0;
    if (t.get_int64().get(v)) return false;
    tokens.push_back(static_cast<uint32_t>(v));  // upstream casts to uint32
  }
  return true;
}

std::optional<TokenizeCall> KvCacheAware::tokenize_call(const SchedulingContext& ctx,
                                                        std::span<const Endpoint* const> candidates) const {
  if (index_ == nullptr || ctx.prompt.empty() || ctx.model.empty() || candidates.empty()) return std::nullopt;
  size_t start = ctx.rng->below(candidates.size());
  for (size_t k = 0; k < candidates.size(); ++k) {
    const Endpoint* e = candidates[(start + k) % candidates.size()];
    if (e->ip.empty()) continue;
    int32_t port = e->engine == api::InferenceEngine::kVllm ? args_.vllm_tokenizer_port : args_.sglang_tokenizer_port;
    // The engine knows its served model, not necessarily the client-facing name upstream sends it.
    std::string_view model = ctx.upstream_model.empty() ? ctx.model : ctx.upstream_model;
    return TokenizeCall{e, port, tokenize_body(e->engine, model, *ctx.prompt_parts)};
  }
  return std::nullopt;
}

void KvCacheAware::score(SchedulingContext& ctx, std::span<const Endpoint* const> candidates,
                         std::span<int32_t> scores) const {
  for (int32_t& s : scores) s = kNoScore;
  if (index_ == nullptr || ctx.tokens_state != SchedulingContext::Tokens::kReady || ctx.tokens.empty()) return;
  SchedulingScratch& scratch = *ctx.scratch;
  kv_block_hashes(ctx.tokens, args_.block_size, args_.max_blocks, scratch.kv_hashes);
  auto& runs = scratch.kv_runs;
  runs.clear();
  // A block written before the pod's container (re)started is gone from that pod's cache, whatever its position.
  auto fresh = [&](size_t c, const KvBlockOwner& owner) {
    const auto& started = candidates[c]->pod->newest_container_started_at;
    return !(started && owner.written_at && *owner.written_at <= *started);
  };
  index_->visit(ctx.reader_slot, ctx.model, scratch.kv_hashes, [&](size_t i, const KvBlockIndex::Owners& owners) {
    if (i == 0) {
      for (const KvBlockOwner& owner : owners) {
        for (size_t c = 0; c < candidates.size(); ++c) {
          if (candidates[c]->kv_owner != owner.id) continue;
          if (fresh(c, owner)) runs.emplace_back(static_cast<uint32_t>(c), 1);
          break;
        }
      }
      return !runs.empty();
    }
    bool progressed = false;
    for (const KvBlockOwner& owner : owners) {
      for (auto& [c, count] : runs) {
        if (count == i && candidates[c]->kv_owner == owner.id && fresh(c, owner)) {
          ++count;
          progressed = true;
        }
      }
    }
    return progressed;
  });
  uint32_t longest = 0;
  auto blocks = static_cast<double>(scratch.kv_hashes.size());
  for (const auto& [c, count] : runs) {
    scores[c] = static_cast<int32_t>(static_cast<double>(count) / blocks * 100.0);
    longest = std::max(longest, count);
  }
  if (ctx.observer != nullptr && !scratch.kv_hashes.empty()) {
    ctx.observer->kvcache_match_ratio(ctx.model, static_cast<double>(longest) / blocks);
  }
}

}  // namespace kthena::router
