#include "sim/response_format.h"

#include <fmt/format.h>

#include "common/json_string.h"

namespace kthena::sim {
namespace {

void head(std::string& out, const ResponseContext& ctx, std::string_view object) {
  out += "{\"id\":";
  append_json_string(out, ctx.id);
  out += ",\"object\":\"";
  out += object;
  out += "\",\"created\":";
  out += std::to_string(ctx.created);
  out += ",\"model\":";
  append_json_string(out, ctx.model);
}

void usage_object(std::string& out, const ResponseContext& ctx, const SimRequest& r, bool with_details) {
  fmt::format_to(std::back_inserter(out), "{{\"prompt_tokens\":{},\"total_tokens\":{},\"completion_tokens\":{}",
                 r.prompt_len, r.prompt_len + r.output_tokens, r.output_tokens);
  if (with_details) out += ",\"prompt_tokens_details\":null";
  if (ctx.kind == EngineKind::kSglang) out += ",\"reasoning_tokens\":0";
  out += '}';
}

// vLLM's stop_reason / SGLang's matched_stop: the stop string, the EOS token id, or null.
void stop_value(std::string& out, const SimRequest& r, bool sglang) {
  if (!r.stop_reason.empty()) {
    append_json_string(out, r.stop_reason);
  } else if (sglang && r.finished() && r.finish_reason == FinishReason::kStop) {
    out += std::to_string(Tokenizer::kImEnd);
  } else {
    out += "null";
  }
}

// One token's text as a JSON string, byte for byte as nlohmann's dump wrote it (and Python's json.dumps does): \b and
// \f by name, and U+FFFD for a token of one byte that is not UTF-8.
void token_string(std::string& out, TokenId id, std::string& text) {
  text.clear();
  Tokenizer::decode_one(id, text);
  if (text == "\b") {
    out += "\"\\b\"";
  } else if (text == "\f") {
    out += "\"\\f\"";
  } else if (text.size() == 1 && static_cast<unsigned char>(text[0]) >= 0x80) {
    out += "\"\xEF\xBF\xBD\"";
  } else {
    append_json_string(out, text);
  }
}

std::string_view chunk_object(const ResponseContext& ctx) {
  return ctx.api == Api::kChat ? "chat.completion.chunk" : "text_completion";
}

}  // namespace

std::string_view finish_reason_name(FinishReason reason) {
  return kFinishReasonNames[static_cast<size_t>(reason)];
}

std::string full_response(const ResponseContext& ctx, const SimRequest& r, std::string_view kv_transfer_params) {
  std::string out;
  out.reserve(512 + r.text.size());
  bool sglang = ctx.kind == EngineKind::kSglang;
  head(out, ctx, ctx.api == Api::kChat ? "chat.completion" : "text_completion");
  out += ",\"choices\":[{\"index\":0,";
  if (ctx.api == Api::kChat) {
    out += "\"message\":{\"role\":\"assistant\",\"content\":";
    append_json_string(out, r.text);
    out += sglang ? ",\"reasoning_content\":null,\"tool_calls\":null}"
                  : ",\"refusal\":null,\"annotations\":null,\"audio\":null,\"function_call\":null,\"tool_calls\":[],"
                    "\"reasoning\":null}";
  } else {
    out += "\"text\":";
    append_json_string(out, r.text);
  }
  out += ",\"logprobs\":null,\"finish_reason\":\"";
  out += finish_reason_name(r.finish_reason);
  out += sglang ? "\",\"matched_stop\":" : "\",\"stop_reason\":";
  stop_value(out, r, sglang);
  if (!sglang) out += ctx.api == Api::kChat ? ",\"token_ids\":null" : ",\"prompt_logprobs\":null";
  out += "}]";
  if (!sglang && ctx.api == Api::kChat) out += ",\"service_tier\":null,\"system_fingerprint\":null";
  out += ",\"usage\":";
  usage_object(out, ctx, r, true);
  if (sglang) {
    out += ",\"metadata\":{\"weight_version\":\"default\"}}";
    return out;
  }
  if (ctx.api == Api::kChat) out += ",\"prompt_logprobs\":null,\"prompt_token_ids\":null";
  out += ",\"kv_transfer_params\":";
  out += kv_transfer_params;
  out += '}';
  return out;
}

void role_chunk(std::string& out, const ResponseContext& ctx, const SimRequest& r, bool usage) {
  head(out, ctx, chunk_object(ctx));
  if (ctx.kind == EngineKind::kSglang) {
    out +=
        ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":null},"
        "\"logprobs\":null,\"finish_reason\":null,\"matched_stop\":null}]";
  } else {
    out +=
        ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
        "\"finish_reason\":null}],\"prompt_token_ids\":null";
  }
  if (usage) {
    out += ",\"usage\":{\"prompt_tokens\":" + std::to_string(r.prompt_len) +
           ",\"total_tokens\":" + std::to_string(r.prompt_len) + ",\"completion_tokens\":0}";
  }
  out += '}';
}

namespace {
void choice(std::string& out, const ResponseContext& ctx, const SimRequest& r, std::string_view delta, bool final) {
  bool sglang = ctx.kind == EngineKind::kSglang;
  out += ",\"choices\":[{\"index\":0,";
  if (ctx.api == Api::kChat) {
    out += "\"delta\":{\"content\":";
    append_json_string(out, delta);
    out += sglang ? ",\"tool_calls\":null}" : "}";
  } else {
    out += "\"text\":";
    append_json_string(out, delta);
  }
  out += ",\"logprobs\":null,\"finish_reason\":";
  if (final) {
    out += '"';
    out += finish_reason_name(r.finish_reason);
    out += '"';
  } else {
    out += "null";
  }
  if (sglang) {
    out += ",\"matched_stop\":";
    if (final) {
      stop_value(out, r, true);
    } else {
      out += "null";
    }
  } else if (ctx.api == Api::kChat) {
    if (final) {
      out += ",\"stop_reason\":";
      stop_value(out, r, false);
    }
    out += ",\"token_ids\":null";
  } else {
    out += ",\"stop_reason\":";
    if (final) {
      stop_value(out, r, false);
    } else {
      out += "null";
    }
    out += ",\"prompt_token_ids\":null,\"token_ids\":null";
  }
  out += "}]";
}
}  // namespace

void content_chunk(std::string& out, const ResponseContext& ctx, const SimRequest& r, std::string_view delta,
                   bool usage) {
  head(out, ctx, chunk_object(ctx));
  choice(out, ctx, r, delta, false);
  if (usage) {
    out += ",\"usage\":";
    usage_object(out, ctx, r, false);
  } else if (ctx.kind == EngineKind::kVllm && ctx.api == Api::kCompletion) {
    out += ",\"usage\":null";
  }
  out += '}';
}

void final_chunk(std::string& out, const ResponseContext& ctx, const SimRequest& r, std::string_view delta,
                 bool usage) {
  head(out, ctx, chunk_object(ctx));
  choice(out, ctx, r, delta, true);
  if (usage) {
    out += ",\"usage\":";
    usage_object(out, ctx, r, false);
  } else if (ctx.kind == EngineKind::kVllm && ctx.api == Api::kCompletion) {
    out += ",\"usage\":null";
  }
  out += '}';
}

void usage_chunk(std::string& out, const ResponseContext& ctx, const SimRequest& r) {
  head(out, ctx, chunk_object(ctx));
  out += ",\"choices\":[],\"usage\":";
  usage_object(out, ctx, r, false);
  out += '}';
}

std::string tokenize_response(const std::vector<TokenId>& tokens, uint32_t max_model_len, bool token_strs) {
  std::string out;
  out.reserve(64 + tokens.size() * (token_strs ? 16 : 8));
  fmt::format_to(std::back_inserter(out), "{{\"count\":{},\"max_model_len\":{},\"tokens\":[", tokens.size(),
                 max_model_len);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i != 0) out += ',';
    fmt::format_to(std::back_inserter(out), "{}", tokens[i]);
  }
  out += "],\"token_strs\":";
  if (!token_strs) {
    out += "null}";
    return out;
  }
  out += '[';
  std::string text;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i != 0) out += ',';
    token_string(out, tokens[i], text);
  }
  out += "]}";
  return out;
}

}  // namespace kthena::sim
