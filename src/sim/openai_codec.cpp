#include "sim/openai_codec.h"

#include <random>

namespace kthena::sim {
namespace {

using json = nlohmann::ordered_json;

bool bad(ApiError& e, std::string message, std::optional<std::string> param = std::nullopt) {
  e = ApiError{400, "BadRequestError", std::move(message), std::move(param)};
  return false;
}

// The text of a message's content: a string, or the text parts of an array of parts.
bool content_text(const json& content, std::string& out, std::string* error) {
  if (content.is_null()) return true;
  if (content.is_string()) {
    out += content.get_ref<const std::string&>();
    return true;
  }
  if (content.is_array()) {
    for (const json& part : content) {
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") && part["text"].is_string()) {
        out += part["text"].get_ref<const std::string&>();
      } else if (part.is_object() && part.contains("type")) {
        if (error) *error = "unsupported content part type \"" + part.value("type", "") + "\"; only text is simulated";
        return false;
      } else {
        if (error) *error = "each content part must be an object with a type";
        return false;
      }
    }
    return true;
  }
  if (error) *error = "content must be a string or an array of parts";
  return false;
}

bool read_uint(const json& body, const char* key, std::optional<uint32_t>& out, ApiError& e) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > UINT32_MAX) {
    return bad(e, std::string(key) + ": Input should be a valid non-negative integer", key);
  }
  out = static_cast<uint32_t>(it->get<int64_t>());
  return true;
}

}  // namespace

std::string apply_chat_template(const json& messages, bool add_generation_prompt, std::string* error) {
  std::string text;
  if (!messages.is_array()) {
    if (error) *error = "messages: Input should be a valid list";
    return {};
  }
  size_t i = 0;
  for (const json& m : messages) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
      if (error) *error = "messages[" + std::to_string(i) + "].role: Field required";
      return {};
    }
    text += "<|im_start|>";
    text += m["role"].get_ref<const std::string&>();
    text += '\n';
    std::string why;
    if (m.contains("content") && !content_text(m["content"], text, &why)) {
      if (error) *error = "messages[" + std::to_string(i) + "].content: " + why;
      return {};
    }
    text += "<|im_end|>\n";
    ++i;
  }
  if (add_generation_prompt) text += "<|im_start|>assistant\n";
  return text;
}

std::optional<GenerationRequest> parse_generation(std::string_view body, Api api, EngineKind kind, ApiError& e) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    bad(e, "JSON decode error: the request body is not valid JSON");
    return std::nullopt;
  }
  if (!j.is_object()) {
    bad(e, "Input should be a valid dictionary or object to extract fields from");
    return std::nullopt;
  }
  GenerationRequest r;
  r.api = api;
  if (auto it = j.find("model"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) {
      bad(e, "model: Input should be a valid string", "model");
      return std::nullopt;
    }
    r.model = it->get<std::string>();
  }
  if (api == Api::kChat) {
    auto it = j.find("messages");
    if (it == j.end()) {
      bad(e, "messages: Field required", "messages");
      return std::nullopt;
    }
    std::string error;
    std::string prompt = apply_chat_template(*it, true, &error);
    if (!error.empty()) {
      bad(e, error, "messages");
      return std::nullopt;
    }
    r.prompt = Tokenizer::encode(prompt);
  } else {
    auto it = j.find("prompt");
    if (it == j.end()) {
      bad(e, "prompt: Field required", "prompt");
      return std::nullopt;
    }
    if (it->is_string()) {
      r.prompt = Tokenizer::encode(it->get_ref<const std::string&>());
    } else if (it->is_array() && it->size() == 1 && (*it)[0].is_string()) {
      r.prompt = Tokenizer::encode((*it)[0].get_ref<const std::string&>());
    } else if (it->is_array() && std::all_of(it->begin(), it->end(), [](const json& t) {
                 return t.is_number_integer() && t.get<int64_t>() >= 0 && t.get<int64_t>() <= UINT32_MAX;
               })) {
      for (const json& t : *it) r.prompt.push_back(static_cast<TokenId>(t.get<int64_t>()));
    } else {
      bad(e, "prompt: the simulator accepts a string, a list of one string, or a list of token ids", "prompt");
      return std::nullopt;
    }
    if (r.prompt.empty()) {
      bad(e, "The prompt cannot be empty.", "prompt");
      return std::nullopt;
    }
  }
  std::optional<uint32_t> max_completion;
  if (!read_uint(j, "max_tokens", r.max_tokens, e) || !read_uint(j, "max_completion_tokens", max_completion, e)) {
    return std::nullopt;
  }
  if (max_completion) r.max_tokens = max_completion;
  if (r.max_tokens && *r.max_tokens == 0) {
    bad(e, "max_tokens must be at least 1, got 0.", max_completion ? "max_completion_tokens" : "max_tokens");
    return std::nullopt;
  }
  if (kind == EngineKind::kSglang && !r.max_tokens) {
    std::optional<uint32_t> max_new;
    if (!read_uint(j, "max_new_tokens", max_new, e)) return std::nullopt;
    r.max_tokens = max_new;
  }
  if (api == Api::kCompletion && !r.max_tokens) r.max_tokens = 16;  // OpenAI's and vLLM's completions default
  std::optional<uint32_t> min_tokens, n;
  if (!read_uint(j, "min_tokens", min_tokens, e) || !read_uint(j, "n", n, e)) return std::nullopt;
  r.min_tokens = min_tokens.value_or(0);
  r.n = n.value_or(1);
  if (r.n != 1) {
    bad(e, "n: the simulator generates one choice per request (n=1)", "n");
    return std::nullopt;
  }
  if (auto it = j.find("ignore_eos"); it != j.end() && it->is_boolean()) r.ignore_eos = it->get<bool>();
  if (auto it = j.find("stop"); it != j.end() && !it->is_null()) {
    if (it->is_string()) {
      r.stop.push_back(it->get<std::string>());
    } else if (it->is_array() && std::all_of(it->begin(), it->end(), [](const json& s) { return s.is_string(); })) {
      for (const json& s : *it) r.stop.push_back(s.get<std::string>());
    } else {
      bad(e, "stop: Input should be a valid string or list of strings", "stop");
      return std::nullopt;
    }
  }
  if (auto it = j.find("seed"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer()) {
      bad(e, "seed: Input should be a valid integer", "seed");
      return std::nullopt;
    }
    r.seed = static_cast<uint64_t>(it->get<int64_t>());
  }
  if (auto it = j.find("stream"); it != j.end() && it->is_boolean()) r.stream = it->get<bool>();
  if (auto it = j.find("stream_options"); it != j.end() && !it->is_null()) {
    if (!r.stream) {
      bad(e, "Stream options can only be defined when `stream=True`.", "stream_options");
      return std::nullopt;
    }
    if (!it->is_object()) {
      bad(e, "stream_options: Input should be a valid dictionary", "stream_options");
      return std::nullopt;
    }
    // vLLM's include_usage defaults to true once stream_options is present; SGLang's (OpenAI's) to false.
    r.include_usage = it->value("include_usage", kind == EngineKind::kVllm);
    r.continuous_usage = r.include_usage && it->value("continuous_usage_stats", false);
  }
  if (auto it = j.find("request_id"); it != j.end() && it->is_string()) r.request_id = it->get<std::string>();
  if (auto it = j.find("kv_transfer_params"); it != j.end()) r.kv_transfer_params = *it;
  if (auto it = j.find("bootstrap_room"); it != j.end() && it->is_number_integer()) {
    r.bootstrap_room = it->get<int64_t>();
  }
  if (auto it = j.find("bootstrap_host"); it != j.end() && it->is_string()) r.bootstrap_host = it->get<std::string>();
  return r;
}

std::string error_body(EngineKind kind, const ApiError& e) {
  json body;
  json param = e.param ? json(*e.param) : json(nullptr);
  if (kind == EngineKind::kSglang) {
    body = json{{"object", "error"}, {"message", e.message}, {"type", e.type}, {"param", param}, {"code", e.status}};
  } else {
    body = json{{"error", {{"message", e.message}, {"type", e.type}, {"param", param}, {"code", e.status}}}};
  }
  return body.dump();
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
