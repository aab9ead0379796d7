#include "sim/openai_codec.h"

#include <algorithm>
#include <array>
#include <limits>
#include <random>

#include <simdjson.h>
#include <nlohmann/json.hpp>

namespace kthena::sim {
namespace {

namespace dom = simdjson::dom;
using dom::element;

constexpr std::string_view kNotJson = "JSON decode error: the request body is not valid JSON";

bool bad(ApiError& e, std::string message, std::optional<std::string> param = std::nullopt) {
  e = ApiError{400, "BadRequestError", std::move(message), std::move(param)};
  return false;
}

// The body's root. simdjson's DOM costs time and memory linear in the body whatever its shape, and its depth limit
// refuses deep nesting while parsing, before anything is built.
std::optional<element> parse_body(dom::parser& parser, std::string_view body, ApiError& e) {
  // Python reads a body that starts with a byte order mark (json.loads detects utf-8-sig), as nlohmann did.
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  element root;
  simdjson::error_code error = parser.allocate(body.size(), kMaxJsonDepth);
  if (!error) error = parser.parse(body.data(), body.size()).get(root);
  if (error == simdjson::DEPTH_ERROR) {
    // What vLLM answers when json.loads raises RecursionError: FastAPI turns it into this HTTPException.
    e = ApiError{400, "Bad Request", "There was an error parsing the body", std::nullopt};
    return std::nullopt;
  }
  if (error == simdjson::MEMALLOC) {
    e = ApiError{500, "InternalServerError", "Internal server error", std::nullopt};
    return std::nullopt;
  }
  if (error) {
    bad(e, std::string(kNotJson));
    return std::nullopt;
  }
  return root;
}

// The values of `keys` in `object`, from one walk over its members. A repeated key keeps its last value, as Python's
// json.loads reads it.
template <size_t N>
std::array<std::optional<element>, N> members(dom::object object, const std::array<std::string_view, N>& keys) {
  std::array<std::optional<element>, N> values;
  for (dom::key_value_pair member : object) {
    for (size_t i = 0; i < N; ++i) {
      if (member.key == keys[i]) {
        values[i] = member.value;
        break;
      }
    }
  }
  return values;
}

std::optional<std::string_view> as_string(const std::optional<element>& v) {
  std::string_view s;
  if (!v || v->get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

bool is_null(const std::optional<element>& v) {
  return !v || v->is_null();
}

bool is_true(const std::optional<element>& v) {
  bool b = false;
  return v && v->get(b) == simdjson::SUCCESS && b;
}

// Flags the simulator reads leniently, as it always has: anything but a boolean leaves `out` as it is.
void read_flag(const std::optional<element>& v, bool& out) {
  bool b = false;
  if (v && v->get(b) == simdjson::SUCCESS) out = b;
}

// JSON integers as Python reads them: any that fits int64 or uint64 (the two kinds simdjson stores).
std::optional<int64_t> as_int64_bits(const element& v) {
  int64_t i = 0;
  uint64_t u = 0;
  if (v.get(i) == simdjson::SUCCESS) return i;
  if (v.get(u) == simdjson::SUCCESS) return static_cast<int64_t>(u);
  return std::nullopt;
}

std::optional<uint32_t> as_uint32(const element& v) {
  int64_t i = 0;
  if (v.get(i) != simdjson::SUCCESS || i < 0 || i > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  return static_cast<uint32_t>(i);
}

bool read_uint(const std::optional<element>& v, const char* key, std::optional<uint32_t>& out, ApiError& e) {
  if (is_null(v)) return true;
  out = as_uint32(*v);
  return out || bad(e, std::string(key) + ": Input should be a valid non-negative integer", key);
}

// An optional boolean: absent is `fallback`, null is false (vLLM's Optional[bool] fields test truthiness).
bool read_bool(const std::optional<element>& v, std::string_view path, const char* param, bool fallback, bool& out,
               ApiError& e) {
  if (!v) {
    out = fallback;
    return true;
  }
  if (v->is_null()) {
    out = false;
    return true;
  }
  return v->get(out) == simdjson::SUCCESS || bad(e, std::string(path) + ": Input should be a valid boolean", param);
}

// The text of a message's content: a string, or the text parts of an array of parts.
bool content_text(const element& content, std::string& out, std::string& error) {
  if (content.is_null()) return true;
  std::string_view text;
  if (content.get(text) == simdjson::SUCCESS) {
    out += text;
    return true;
  }
  dom::array parts;
  if (content.get(parts) != simdjson::SUCCESS) {
    error = "content must be a string or an array of parts";
    return false;
  }
  for (element part : parts) {
    dom::object object;
    std::optional<std::string_view> type;
    std::optional<std::string_view> part_text;
    if (part.get(object) == simdjson::SUCCESS) {
      auto [type_value, text_value] = members<2>(object, {"type", "text"});
      type = as_string(type_value);
      part_text = as_string(text_value);
    }
    if (type == "text" && part_text) {
      out += *part_text;
    } else if (type) {
      error = "unsupported content part type \"" + std::string(*type) + "\"; only text is simulated";
      return false;
    } else {
      error = "each content part must be an object with a type";
      return false;
    }
  }
  return true;
}

// The chat template: ChatML, "<|im_start|>role\ncontent<|im_end|>\n" per message, then the assistant header.
std::optional<std::string> apply_chat_template(const element& messages, bool add_generation_prompt,
                                               std::string& error) {
  dom::array list;
  if (messages.get(list) != simdjson::SUCCESS) {
    error = "messages: Input should be a valid list";
    return std::nullopt;
  }
  std::string text;
  size_t i = 0;
  for (element m : list) {
    dom::object object;
    std::optional<std::string_view> role;
    std::optional<element> content;
    if (m.get(object) == simdjson::SUCCESS) {
      auto [role_value, content_value] = members<2>(object, {"role", "content"});
      role = as_string(role_value);
      content = content_value;
    }
    if (!role) {
      error = "messages[" + std::to_string(i) + "].role: Field required";
      return std::nullopt;
    }
    text += "<|im_start|>";
    text += *role;
    text += '\n';
    std::string why;
    if (content && !content_text(*content, text, why)) {
      error = "messages[" + std::to_string(i) + "].content: " + why;
      return std::nullopt;
    }
    text += "<|im_end|>\n";
    ++i;
  }
  if (add_generation_prompt) text += "<|im_start|>assistant\n";
  return text;
}

// The members parse_generation reads.
enum Field : size_t {
  kModel,
  kMessages,
  kPrompt,
  kMaxTokens,
  kMaxCompletionTokens,
  kMaxNewTokens,
  kMinTokens,
  kN,
  kIgnoreEos,
  kStop,
  kSeed,
  kStream,
  kStreamOptions,
  kRequestId,
  kKvTransferParams,
  kBootstrapRoom,
  kBootstrapHost,
  kFieldCount,
};
constexpr std::array<std::string_view, kFieldCount> kFieldNames{"model",
                                                                "messages",
                                                                "prompt",
                                                                "max_tokens",
                                                                "max_completion_tokens",
                                                                "max_new_tokens",
                                                                "min_tokens",
                                                                "n",
                                                                "ignore_eos",
                                                                "stop",
                                                                "seed",
                                                                "stream",
                                                                "stream_options",
                                                                "request_id",
                                                                "kv_transfer_params",
                                                                "bootstrap_room",
                                                                "bootstrap_host"};

bool read_prompt(const std::optional<element>& v, GenerationRequest& r, ApiError& e) {
  static constexpr std::string_view kForms =
      "prompt: the simulator accepts a string, a list of one string, or a list of token ids";
  if (!v) return bad(e, "prompt: Field required", "prompt");
  std::string_view text;
  dom::array list;
  if (v->get(text) == simdjson::SUCCESS) {
    r.prompt = Tokenizer::encode(text);
  } else if (v->get(list) == simdjson::SUCCESS && list.size() == 1 && (*list.begin()).get(text) == simdjson::SUCCESS) {
    r.prompt = Tokenizer::encode(text);
  } else if (v->get(list) == simdjson::SUCCESS) {
    r.prompt.reserve(list.size());
    for (element t : list) {
      std::optional<uint32_t> id = as_uint32(t);
      if (!id) {
        r.prompt.clear();
        return bad(e, std::string(kForms), "prompt");
      }
      r.prompt.push_back(*id);
    }
  } else {
    return bad(e, std::string(kForms), "prompt");
  }
  return !r.prompt.empty() || bad(e, "The prompt cannot be empty.", "prompt");
}

bool read_stop(const std::optional<element>& v, EngineKind kind, GenerationRequest& r, ApiError& e) {
  if (is_null(v)) return true;
  std::string_view one;
  dom::array list;
  if (v->get(one) == simdjson::SUCCESS) {
    r.stop.emplace_back(one);
  } else if (v->get(list) == simdjson::SUCCESS) {
    for (element s : list) {
      if (s.get(one) != simdjson::SUCCESS) {
        return bad(e, "stop: Input should be a valid string or list of strings", "stop");
      }
    }
    size_t n = list.size();
    if (n > kMaxStopStrings) {
      return bad(e,
                 "stop: the simulator accepts at most " + std::to_string(kMaxStopStrings) + " stop strings, got " +
                     std::to_string(n),
                 "stop");
    }
    r.stop.reserve(n);
    for (element s : list) r.stop.emplace_back(s.get_string().value_unsafe());
  } else {
    return bad(e, "stop: Input should be a valid string or list of strings", "stop");
  }
  bool any_empty = std::any_of(r.stop.begin(), r.stop.end(), [](const std::string& s) { return s.empty(); });
  // vLLM's SamplingParams refuses them; SGLang's engine, and so the simulator's, never matches an empty one.
  return !(kind == EngineKind::kVllm && any_empty) || bad(e, "stop cannot contain an empty string.");
}

bool read_stream_options(const std::optional<element>& v, EngineKind kind, GenerationRequest& r, ApiError& e) {
  if (is_null(v)) return true;
  if (!r.stream) return bad(e, "Stream options can only be defined when `stream=True`.", "stream_options");
  dom::object options;
  if (v->get(options) != simdjson::SUCCESS) {
    return bad(e, "stream_options: Input should be a valid dictionary", "stream_options");
  }
  auto [include, continuous] = members<2>(options, {"include_usage", "continuous_usage_stats"});
  // vLLM's include_usage defaults to true once stream_options is present; SGLang's (OpenAI's) to false.
  bool continuous_usage = false;
  if (!read_bool(include, "stream_options.include_usage", "stream_options", kind == EngineKind::kVllm, r.include_usage,
                 e) ||
      !read_bool(continuous, "stream_options.continuous_usage_stats", "stream_options", false, continuous_usage, e)) {
    return false;
  }
  r.continuous_usage = r.include_usage && continuous_usage;
  return true;
}

bool read_kv_transfer_params(const std::optional<element>& v, GenerationRequest& r, ApiError& e) {
  dom::object object;
  if (!v || v->get(object) != simdjson::SUCCESS) return true;
  auto [decode, prefill, transfer, remote] =
      members<4>(object, {"do_remote_decode", "do_remote_prefill", "transfer_id", "remote_request_id"});
  KvTransferParams& p = r.kv_transfer_params.emplace();
  p.do_remote_decode = is_true(decode);
  p.do_remote_prefill = is_true(prefill);
  p.transfer_id = as_string(transfer).value_or("");
  p.remote_request_id = as_string(remote).value_or("");
  if (p.transfer_id.size() > kMaxRequestIdLength) {
    return bad(
        e,
        "kv_transfer_params.transfer_id: String should have at most " + std::to_string(kMaxRequestIdLength) + " bytes",
        "kv_transfer_params");
  }
  if (p.do_remote_prefill) {
    p.logged = simdjson::minify(object);
    if (p.logged.size() > KvTransferParams::kMaxLoggedParams) {
      p.logged.resize(KvTransferParams::kMaxLoggedParams);
      p.logged += "...";
    }
  }
  return true;
}

}  // namespace

std::optional<GenerationRequest> parse_generation(std::string_view body, Api api, EngineKind kind, ApiError& e) {
  dom::parser parser;
  std::optional<element> root = parse_body(parser, body, e);
  if (!root) return std::nullopt;
  dom::object object;
  if (root->get(object) != simdjson::SUCCESS) {
    bad(e, "Input should be a valid dictionary or object to extract fields from");
    return std::nullopt;
  }
  std::array<std::optional<element>, kFieldCount> f = members(object, kFieldNames);
  GenerationRequest r;
  r.api = api;
  if (!is_null(f[kModel])) {
    std::optional<std::string_view> model = as_string(f[kModel]);
    if (!model) {
      bad(e, "model: Input should be a valid string", "model");
      return std::nullopt;
    }
    r.model = *model;
  }
  if (api == Api::kChat) {
    if (!f[kMessages]) {
      bad(e, "messages: Field required", "messages");
      return std::nullopt;
    }
    std::string error;
    std::optional<std::string> prompt = apply_chat_template(*f[kMessages], true, error);
    if (!prompt) {
      bad(e, error, "messages");
      return std::nullopt;
    }
    r.prompt = Tokenizer::encode(*prompt);
  } else if (!read_prompt(f[kPrompt], r, e)) {
    return std::nullopt;
  }
  std::optional<uint32_t> max_completion;
  if (!read_uint(f[kMaxTokens], "max_tokens", r.max_tokens, e) ||
      !read_uint(f[kMaxCompletionTokens], "max_completion_tokens", max_completion, e)) {
    return std::nullopt;
  }
  if (max_completion) r.max_tokens = max_completion;
  const char* max_param = max_completion ? "max_completion_tokens" : "max_tokens";
  if (kind == EngineKind::kSglang && !r.max_tokens) {
    if (!read_uint(f[kMaxNewTokens], "max_new_tokens", r.max_tokens, e)) return std::nullopt;
    max_param = "max_new_tokens";
  }
  // The engine reads 0 as "up to the context length" (vLLM's default), so a 0 that passed would generate that much.
  if (r.max_tokens && *r.max_tokens == 0) {
    bad(e, "max_tokens must be at least 1, got 0.", max_param);
    return std::nullopt;
  }
  if (api == Api::kCompletion && !r.max_tokens) r.max_tokens = 16;  // OpenAI's and vLLM's completions default
  std::optional<uint32_t> min_tokens, n;
  if (!read_uint(f[kMinTokens], "min_tokens", min_tokens, e) || !read_uint(f[kN], "n", n, e)) return std::nullopt;
  r.min_tokens = min_tokens.value_or(0);
  r.n = n.value_or(1);
  if (r.n != 1) {
    bad(e, "n: the simulator generates one choice per request (n=1)", "n");
    return std::nullopt;
  }
  read_flag(f[kIgnoreEos], r.ignore_eos);
  if (!read_stop(f[kStop], kind, r, e)) return std::nullopt;
  if (!is_null(f[kSeed])) {
    std::optional<int64_t> seed = as_int64_bits(*f[kSeed]);
    if (!seed) {
      bad(e, "seed: Input should be a valid integer", "seed");
      return std::nullopt;
    }
    r.seed = static_cast<uint64_t>(*seed);
  }
  read_flag(f[kStream], r.stream);
  if (!read_stream_options(f[kStreamOptions], kind, r, e)) return std::nullopt;
  if (std::optional<std::string_view> id = as_string(f[kRequestId])) {
    if (id->size() > kMaxRequestIdLength) {
      bad(e, "request_id: String should have at most " + std::to_string(kMaxRequestIdLength) + " bytes", "request_id");
      return std::nullopt;
    }
    r.request_id = std::string(*id);
  }
  // SGLang has no kv_transfer_params: its engines ignore the member, as they ignore every unknown one.
  if (kind == EngineKind::kVllm && !read_kv_transfer_params(f[kKvTransferParams], r, e)) return std::nullopt;
  if (f[kBootstrapRoom]) r.bootstrap_room = as_int64_bits(*f[kBootstrapRoom]);
  r.bootstrap_host = as_string(f[kBootstrapHost]).value_or("");
  return r;
}

std::optional<TokenizeRequest> parse_tokenize(std::string_view body, ApiError& e) {
  dom::parser parser;
  std::optional<element> root = parse_body(parser, body, e);
  if (!root) return std::nullopt;
  dom::object object;
  if (root->get(object) != simdjson::SUCCESS) {
    bad(e, "JSON decode error: the request body is not valid JSON");
    return std::nullopt;
  }
  auto [messages, add_generation_prompt, prompt, model, return_token_strs] =
      members<5>(object, {"messages", "add_generation_prompt", "prompt", "model", "return_token_strs"});
  TokenizeRequest r;
  if (messages) {
    bool add = true;
    if (!read_bool(add_generation_prompt, "add_generation_prompt", "add_generation_prompt", true, add, e)) {
      return std::nullopt;
    }
    std::string error;
    std::optional<std::string> text = apply_chat_template(*messages, add, error);
    if (!text) {
      bad(e, error, "messages");
      return std::nullopt;
    }
    r.text = std::move(*text);
  } else if (std::optional<std::string_view> text = as_string(prompt)) {
    r.text = *text;
  } else {
    bad(e, "prompt: Field required", "prompt");
    return std::nullopt;
  }
  if (std::optional<std::string_view> name = as_string(model)) r.model = std::string(*name);
  if (!read_bool(return_token_strs, "return_token_strs", "return_token_strs", false, r.return_token_strs, e)) {
    return std::nullopt;
  }
  return r;
}

std::optional<std::vector<TokenId>> parse_detokenize(std::string_view body, ApiError& e) {
  dom::parser parser;
  std::optional<element> root = parse_body(parser, body, e);
  if (!root && e.message != kNotJson) return std::nullopt;  // nested too deep, or out of memory
  dom::object object;
  dom::array tokens;
  if (root && root->get(object) == simdjson::SUCCESS) {
    auto [value] = members<1>(object, {"tokens"});
    if (value && value->get(tokens) == simdjson::SUCCESS) {
      std::vector<TokenId> ids;
      ids.reserve(tokens.size());
      for (element t : tokens) {
        std::optional<uint32_t> id = as_uint32(t);
        if (!id) {
          bad(e, "tokens: each token must be a non-negative integer", "tokens");
          return std::nullopt;
        }
        ids.push_back(*id);
      }
      return ids;
    }
  }
  bad(e, "tokens: Field required", "tokens");  // also for a body that is not JSON, as /detokenize always answered
  return std::nullopt;
}

LoraRequest parse_lora_request(std::string_view body) {
  dom::parser parser;
  ApiError ignored;
  std::optional<element> root = parse_body(parser, body, ignored);
  dom::object object;
  if (!root || root->get(object) != simdjson::SUCCESS) return {};
  auto [name, path] = members<2>(object, {"lora_name", "lora_path"});
  return {std::string(as_string(name).value_or("")), std::string(as_string(path).value_or(""))};
}

std::string error_body(EngineKind kind, const ApiError& e) {
  using json = nlohmann::ordered_json;
  json body;
  json param = e.param ? json(*e.param) : json(nullptr);
  if (kind == EngineKind::kSglang) {
    body = json{{"object", "error"}, {"message", e.message}, {"type", e.type}, {"param", param}, {"code", e.status}};
  } else {
    body = json{{"error", {{"message", e.message}, {"type", e.type}, {"param", param}, {"code", e.status}}}};
  }
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string random_hex(size_t n, std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  uint64_t bits = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i % 16 == 0) bits = rng();
    out[i] = kHex[bits & 0xF];
    bits >>= 4;
  }
  return out;
}

}  // namespace kthena::sim
