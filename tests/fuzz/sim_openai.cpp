// libFuzzer: the engine simulator's request decoding (src/sim/openai_codec), the first code of `kthena engine-sim` to
// read a client's body. The first byte picks the API and the engine (byte % 4: 0 chat on vLLM, 1 completion on vLLM,
// 2 chat on SGLang, 3 completion on SGLang); the rest is the body. Properties: never a crash; a refusal has a 4xx
// status and a message, and its error body is JSON carrying both; an accepted request is sane (a prompt no longer in
// tokens than the body is in bytes, n = 1, max_tokens at least 1 when set, bounded stop lists and ids); an accepted
// chat request's prompt is the chat template that /tokenize applies to the same messages (the documented promise
// that usage.prompt_tokens equals /tokenize's count); and the /tokenize, /detokenize and LoRA decoders hold the same
// properties on the same bytes.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/openai_codec.h"

namespace {

using kthena::sim::Api;
using kthena::sim::ApiError;
using kthena::sim::EngineKind;
using kthena::sim::GenerationRequest;
using kthena::sim::KvTransferParams;
using kthena::sim::Tokenizer;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_error(EngineKind kind, const ApiError& e) {
  check(e.status >= 400 && e.status < 500 && !e.message.empty() && !e.type.empty());
  auto body = nlohmann::json::parse(error_body(kind, e), nullptr, false);
  check(!body.is_discarded() && body.is_object());
  const nlohmann::json& fields = kind == EngineKind::kVllm ? body["error"] : body;
  check(fields.is_object() && fields["code"] == e.status && fields["message"].is_string());
  check(fields["param"].is_null() == !e.param.has_value());
}

void check_accepted(const GenerationRequest& r, Api api, EngineKind kind, size_t body_size) {
  // Each token needs at least one byte of the body; the chat template adds the assistant header (4 tokens).
  check(!r.prompt.empty() && r.prompt.size() <= body_size + 4);
  check(r.n == 1 && (!r.max_tokens || *r.max_tokens >= 1) && (api == Api::kChat || r.max_tokens));
  check(r.stop.size() <= kthena::sim::kMaxStopStrings);
  for (const std::string& s : r.stop) check(kind == EngineKind::kSglang || !s.empty());
  check(!r.request_id || r.request_id->size() <= kthena::sim::kMaxRequestIdLength);
  check(!r.include_usage || r.stream);
  check(!r.continuous_usage || r.include_usage);
  if (r.kv_transfer_params) {
    const KvTransferParams& p = *r.kv_transfer_params;
    check(kind == EngineKind::kVllm && p.transfer_id.size() <= kthena::sim::kMaxRequestIdLength);
    check(p.logged.size() <= KvTransferParams::kMaxLoggedParams + 3 && p.logged.empty() == !p.do_remote_prefill);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Api api = data[0] % 2 == 0 ? Api::kChat : Api::kCompletion;
  EngineKind kind = data[0] % 4 < 2 ? EngineKind::kVllm : EngineKind::kSglang;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  ApiError e;
  std::optional<GenerationRequest> r = parse_generation(body, api, kind, e);
  if (!r) {
    check_error(kind, e);
  } else {
    check_accepted(*r, api, kind, body.size());
  }

  ApiError te;
  auto t = kthena::sim::parse_tokenize(body, te);
  if (!t) check_error(kind, te);
  if (r && api == Api::kChat) {
    // The same messages through /tokenize: the same template, unless its own flags are refused.
    check(t || te.param == "add_generation_prompt" || te.param == "return_token_strs");
    if (t) {
      static constexpr std::string_view kHeader = "<|im_start|>assistant\n";
      std::string text = t->text;
      if (!text.ends_with(kHeader)) text += kHeader;  // add_generation_prompt: false
      check(Tokenizer::encode(text) == r->prompt);
    }
  }

  ApiError de;
  auto ids = kthena::sim::parse_detokenize(body, de);
  if (ids) {
    check(ids->size() <= body.size());
    Tokenizer::decode(*ids);
  } else {
    check_error(kind, de);
  }
  kthena::sim::parse_lora_request(body);
  return 0;
}
