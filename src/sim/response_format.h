// Response bodies and SSE chunks in vLLM's and SGLang's exact shapes (key order, null versus absent, compact JSON),
// built by appending to a string: a streamed token costs no JSON document.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/engine_config.h"
#include "sim/openai_codec.h"
#include "sim/sim_request.h"

namespace kthena::sim {

struct ResponseContext {
  EngineKind kind = EngineKind::kVllm;
  Api api = Api::kChat;
  std::string id;
  int64_t created = 0;
  std::string model;
};

// The non-streaming body. `kv_transfer_params` is raw JSON ("null" when none).
std::string full_response(const ResponseContext& ctx, const SimRequest& r, std::string_view kv_transfer_params);

// SSE payloads (without "data: " and the blank line). Usage is appended when `usage` is true.
void role_chunk(std::string& out, const ResponseContext& ctx, const SimRequest& r, bool usage);
void content_chunk(std::string& out, const ResponseContext& ctx, const SimRequest& r, std::string_view delta,
                   bool usage);
void final_chunk(std::string& out, const ResponseContext& ctx, const SimRequest& r, std::string_view delta, bool usage);
void usage_chunk(std::string& out, const ResponseContext& ctx, const SimRequest& r);

std::string_view finish_reason_name(FinishReason reason);

// POST /tokenize's answer: {"count","max_model_len","tokens","token_strs"}, token_strs null unless asked for. Written
// directly, because a JSON document of one value per token took about 100 bytes per token: gigabytes for one prompt
// of a 64 MiB body.
std::string tokenize_response(const std::vector<TokenId>& tokens, uint32_t max_model_len, bool token_strs);

}  // namespace kthena::sim
