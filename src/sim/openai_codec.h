// The OpenAI wire format as vLLM and SGLang speak it (shared spec engine-wire.md §1-2): request parsing with
// vLLM's validation messages, and the exact response, chunk and error shapes of each engine.
//
// Request bodies are untrusted and one reactor thread serves many engines, so reading one costs time and memory
// linear in its size: simdjson's DOM (an insertion-ordered map, which searches on every insert, made a body of
// 50,000 keys cost 3 s), one pass over each object however many keys it repeats (the last value wins, as in
// Python's json.loads), and no recursion over the input's depth.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sim/engine_config.h"
#include "sim/tokenizer.h"

namespace kthena::sim {

enum class Api { kChat, kCompletion };

// A value nested deeper (the body's object is level 1) is refused with the 400 vLLM answers when Python's json module
// runs out of recursion ("There was an error parsing the body"). vLLM's own limit is Python's recursion limit; this
// one is the router's (RequestParser::kDefaultMaxDepth), far above any OpenAI request, so what it forwards parses.
inline constexpr size_t kMaxJsonDepth = 128;
// More stop strings are refused: each is searched for after every generated token, so their number multiplies the
// cost of every step of the batch. vLLM has no limit; OpenAI allows 4.
inline constexpr size_t kMaxStopStrings = 128;
// Longer ids (body request_id, X-Request-Id, kv_transfer_params.transfer_id) are refused: an id is copied into every
// streamed chunk and kept as the key of held KV blocks. vLLM has no limit; its own ids have 16 to 36 characters.
inline constexpr size_t kMaxRequestIdLength = 1024;

// An error as the engine reports it: HTTP status, OpenAI `type`, and `param`.
struct ApiError {
  int status = 400;
  std::string type = "BadRequestError";
  std::string message;
  std::optional<std::string> param;
};

// What the engine reads of a vLLM kv_transfer_params object (engine-wire.md §5).
struct KvTransferParams {
  bool do_remote_decode = false;
  bool do_remote_prefill = false;
  std::string transfer_id;        // empty when absent or not a string
  std::string remote_request_id;  // likewise
  // The object as sent (compact, keys in request order), for the log line of a decode that finds no KV; cut to
  // kMaxLoggedParams bytes so that a request cannot write megabytes into the log. Empty unless do_remote_prefill.
  std::string logged;
  static constexpr size_t kMaxLoggedParams = 512;
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
  std::optional<KvTransferParams> kv_transfer_params;  // when the request's is an object
  std::optional<int64_t> bootstrap_room;
  std::string bootstrap_host;
};

// POST /tokenize, prompt or chat form.
struct TokenizeRequest {
  std::string text;  // the prompt, or the messages through the chat template
  std::optional<std::string> model;
  bool return_token_strs = false;
};

// POST /[v1/]load_lora_adapter and unload_lora_adapter: the fields that are strings, else empty.
struct LoraRequest {
  std::string name;
  std::string path;
};

// Each parser returns nullopt with `error` set (a 4xx, with vLLM's message) when the body is refused.
std::optional<GenerationRequest> parse_generation(std::string_view body, Api api, EngineKind kind, ApiError& error);
std::optional<TokenizeRequest> parse_tokenize(std::string_view body, ApiError& error);
std::optional<std::vector<TokenId>> parse_detokenize(std::string_view body, ApiError& error);
LoraRequest parse_lora_request(std::string_view body);

// Error bodies: vLLM's current envelope, or SGLang's flat object.
std::string error_body(EngineKind kind, const ApiError& e);

// n lowercase hex digits from `rng`.
std::string random_hex(size_t n, std::mt19937_64& rng);

}  // namespace kthena::sim
