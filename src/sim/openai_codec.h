// The OpenAI wire format as vLLM and SGLang speak it (shared spec engine-wire.md §1-2): request parsing with
// vLLM's validation messages, and the exact response, chunk and error shapes of each engine.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "sim/engine_config.h"
#include "sim/tokenizer.h"

namespace kthena::sim {

enum class Api { kChat, kCompletion };

// An error as the engine reports it: HTTP status, OpenAI `type`, and `param`.
struct ApiError {
  int status = 400;
  std::string type = "BadRequestError";
  std::string message;
  std::optional<std::string> param;
};

struct GenerationRequest {
  Api api = Api::kChat;
  std::string model;  // as requested; empty: the base model
  std::vector<TokenId> prompt;
  std::optional<uint32_t> max_tokens;
  uint32_t min_tokens = 0;
  bool ignore_eos = false;
  std::vector<std::string> stop;
  std::optional<uint64_t> seed;
  uint32_t n = 1;
  bool stream = false;
  bool include_usage = false;
  bool continuous_usage = false;
  std::optional<std::string> request_id;
  nlohmann::ordered_json kv_transfer_params;  // null when absent
  std::optional<int64_t> bootstrap_room;
  std::string bootstrap_host;
};

// The chat template: ChatML, "<|im_start|>role\ncontent<|im_end|>\n" per message, then the assistant header.
std::string apply_chat_template(const nlohmann::ordered_json& messages, bool add_generation_prompt, std::string* error);

std::optional<GenerationRequest> parse_generation(std::string_view body, Api api, EngineKind kind, ApiError& error);

// Error bodies: vLLM's current envelope, or SGLang's flat object.
std::string error_body(EngineKind kind, const ApiError& e);

// n lowercase hex digits from `rng`.
std::string random_hex(size_t n, std::mt19937_64& rng);

}  // namespace kthena::sim
