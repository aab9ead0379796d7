#include "sim/openai_codec.h"

#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kthena::sim {
namespace {

using json = nlohmann::json;

std::optional<GenerationRequest> chat(const std::string& body, ApiError& e, EngineKind kind = EngineKind::kVllm) {
  return parse_generation(body, Api::kChat, kind, e);
}
std::optional<GenerationRequest> completion(const std::string& body, ApiError& e, EngineKind kind = EngineKind::kVllm) {
  return parse_generation(body, Api::kCompletion, kind, e);
}

std::string many_keys(size_t n) {
  std::string s = R"({"prompt":"hi")";
  for (size_t i = 0; i < n; ++i) s += ",\"key" + std::to_string(i) + "\":" + std::to_string(i);
  return s + "}";
}

// The fastest of `runs` parses, in seconds: the minimum keeps the noise of a busy machine out of a ratio.
double parse_seconds(const std::string& body, int runs) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    ApiError e;
    auto start = std::chrono::steady_clock::now();
    auto r = completion(body, e);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    EXPECT_TRUE(r) << e.message;
  }
  return best;
}

std::string nested(size_t depth, std::string_view inside = "") {
  return std::string(depth, '[') + std::string(inside) + std::string(depth, ']');
}

TEST(OpenAiCodecTest, ParseTimeIsLinearInTheNumberOfKeys) {
  // A hundred times the keys: a few hundred times the time when parsing is linear (the large body no longer fits
  // the caches: 10 times the keys measured up to 44 times the time on a loaded machine), ten thousand times when each
  // insert searches the keys before it (nlohmann's ordered_json did: 3 s for 50,000 keys, minutes for a million).
  // The gap between the two is what makes this a complexity check rather than a timing test.
  double small = parse_seconds(many_keys(10'000), 5);
  double large = parse_seconds(many_keys(1'000'000), 2);
  EXPECT_LT(large / small, 2000) << small << " s for 10,000 keys, " << large << " s for 1,000,000";
}

TEST(OpenAiCodecTest, RefusesBodiesNestedDeeperThanTheLimit) {
  // The body's object is level 1, so a scalar inside kMaxJsonDepth - 2 arrays sits at level kMaxJsonDepth.
  ApiError e;
  EXPECT_TRUE(completion(R"({"prompt":"hi","x":)" + nested(kMaxJsonDepth - 2, "1") + "}", e)) << e.message;
  EXPECT_FALSE(completion(R"({"prompt":"hi","x":)" + nested(kMaxJsonDepth - 1, "1") + "}", e));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.type, "Bad Request");  // vLLM's answer when json.loads runs out of recursion
  EXPECT_EQ(e.message, "There was an error parsing the body");
  EXPECT_EQ(
      error_body(EngineKind::kVllm, e),
      R"({"error":{"message":"There was an error parsing the body","type":"Bad Request","param":null,"code":400}})");
  // A million levels in the one member the engine kept as a document: copying it recursed once per level.
  ApiError deep;
  EXPECT_FALSE(completion(R"({"prompt":"hi","kv_transfer_params":)" + nested(1'000'000) + "}", deep));
  EXPECT_EQ(deep.message, "There was an error parsing the body");
  // Every decoder of request bodies has the limit.
  EXPECT_FALSE(parse_tokenize(R"({"prompt":"hi","x":)" + nested(1'000'000) + "}", deep));
  EXPECT_EQ(deep.type, "Bad Request");
  EXPECT_FALSE(parse_detokenize(R"({"tokens":[1],"x":)" + nested(1'000'000) + "}", deep));
  EXPECT_EQ(deep.type, "Bad Request");
}

TEST(OpenAiCodecTest, RepeatedKeysKeepTheLastValueAsPythonDoes) {
  ApiError e;
  auto r = completion(R"({"prompt":"a","max_tokens":0,"max_tokens":3,"prompt":[5,6]})", e);
  ASSERT_TRUE(r) << e.message;
  EXPECT_EQ(r->max_tokens, 3u);
  EXPECT_EQ(r->prompt, (std::vector<TokenId>{5, 6}));
  auto c = chat(R"({"messages":[{"role":"system","content":"x","role":"user","content":"hi"}]})", e);
  ASSERT_TRUE(c) << e.message;
  EXPECT_EQ(c->prompt, Tokenizer::encode("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"));
}

TEST(OpenAiCodecTest, ReadsWhatNlohmannRead) {
  ApiError e;
  // A byte order mark is skipped (Python decodes utf-8-sig); raw control characters in strings are refused.
  EXPECT_TRUE(completion("\xEF\xBB\xBF{\"prompt\":\"hi\"}", e)) << e.message;
  EXPECT_FALSE(completion("{\"prompt\":\"a\tb\"}", e));
  EXPECT_EQ(e.message, "JSON decode error: the request body is not valid JSON");
  EXPECT_FALSE(completion(R"({"prompt":"hi","max_tokens":5.0})", e));
  EXPECT_EQ(e.message, "max_tokens: Input should be a valid non-negative integer");
  EXPECT_FALSE(completion(R"({"prompt":"hi","max_tokens":18446744073709551615})", e));
  EXPECT_EQ(e.param, "max_tokens");
  EXPECT_FALSE(completion(R"({"prompt":[1,-2]})", e));
  EXPECT_EQ(e.param, "prompt");
  EXPECT_FALSE(completion(R"({"prompt":[]})", e));
  EXPECT_EQ(e.message, "The prompt cannot be empty.");
  EXPECT_FALSE(completion(R"([1])", e));
  EXPECT_EQ(e.message, "Input should be a valid dictionary or object to extract fields from");
  auto r = completion(R"({"prompt":["Once"],"seed":18446744073709551615,"stream":"yes","ignore_eos":true})", e);
  ASSERT_TRUE(r) << e.message;
  EXPECT_EQ(r->prompt, Tokenizer::encode("Once"));
  EXPECT_EQ(r->seed, UINT64_MAX);
  EXPECT_FALSE(r->stream);  // not a boolean: ignored, as it always was
  EXPECT_TRUE(r->ignore_eos);
  EXPECT_EQ(r->max_tokens, 16u);
  auto s = chat(R"({"messages":[],"bootstrap_room":7322518209373511423,"bootstrap_host":"10.0.3.7"})", e,
                EngineKind::kSglang);
  ASSERT_TRUE(s) << e.message;
  EXPECT_EQ(s->bootstrap_room, 7322518209373511423);
  EXPECT_EQ(s->bootstrap_host, "10.0.3.7");
  EXPECT_EQ(s->prompt, Tokenizer::encode("<|im_start|>assistant\n"));
}

TEST(OpenAiCodecTest, WrongTypesAreRefusedWithVllmMessages) {
  // Each of these threw from nlohmann's value(): the engine answered 500 "the handler failed".
  ApiError e;
  auto r = chat(R"({"messages":[],"stream":true,"stream_options":{"include_usage":null}})", e);
  ASSERT_TRUE(r) << e.message;
  EXPECT_FALSE(r->include_usage);
  EXPECT_FALSE(chat(R"({"messages":[],"stream":true,"stream_options":{"include_usage":"yes"}})", e));
  EXPECT_EQ(e.message, "stream_options.include_usage: Input should be a valid boolean");
  EXPECT_FALSE(chat(R"({"messages":[{"role":"user","content":[{"type":5}]}]})", e));
  EXPECT_EQ(e.message, "messages[0].content: each content part must be an object with a type");
  EXPECT_FALSE(chat(R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})", e));
  EXPECT_EQ(e.message, "messages[0].content: unsupported content part type \"image_url\"; only text is simulated");
  EXPECT_FALSE(parse_tokenize(R"({"messages":[],"add_generation_prompt":"no"})", e));
  EXPECT_EQ(e.message, "add_generation_prompt: Input should be a valid boolean");
  auto t = parse_tokenize(R"({"prompt":"hi","return_token_strs":null,"model":"m"})", e);
  ASSERT_TRUE(t) << e.message;
  EXPECT_FALSE(t->return_token_strs);
  EXPECT_EQ(t->model, "m");
}

TEST(OpenAiCodecTest, ChatPromptIsWhatTokenizeCounts) {
  std::string body =
      R"({"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hello"},{"type":"text","text":" there"}]}]})";
  ApiError e;
  auto r = chat(body, e);
  ASSERT_TRUE(r) << e.message;
  auto t = parse_tokenize(body, e);
  ASSERT_TRUE(t) << e.message;
  EXPECT_EQ(
      t->text,
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(Tokenizer::encode(t->text), r->prompt);
}

TEST(OpenAiCodecTest, ZeroMaxTokensIsRefusedWhicheverFieldSaysIt) {
  // The engine reads 0 as "up to the context length": SGLang's max_new_tokens of 0 generated that much (found by
  // the fuzzer, tests/fuzz/corpus/sim_openai/sglang_max_new_tokens_zero_generated_up_to_the_context_length).
  ApiError e;
  EXPECT_FALSE(completion(R"({"prompt":"hi","max_new_tokens":0})", e, EngineKind::kSglang));
  EXPECT_EQ(e.message, "max_tokens must be at least 1, got 0.");
  EXPECT_EQ(e.param, "max_new_tokens");
  EXPECT_FALSE(chat(R"({"messages":[],"max_completion_tokens":0})", e));
  EXPECT_EQ(e.param, "max_completion_tokens");
  auto r = completion(R"({"prompt":"hi","max_new_tokens":0})", e);  // vLLM has no max_new_tokens
  ASSERT_TRUE(r) << e.message;
  EXPECT_EQ(r->max_tokens, 16u);
}

TEST(OpenAiCodecTest, StopStringsAreBounded) {
  auto body = [](size_t n, std::string_view first = "s0") {
    json stop = json::array({first});
    for (size_t i = 1; i < n; ++i) stop.push_back("s" + std::to_string(i));
    return json{{"prompt", "hi"}, {"stop", stop}}.dump();
  };
  ApiError e;
  auto r = completion(body(kMaxStopStrings), e);
  ASSERT_TRUE(r) << e.message;
  EXPECT_EQ(r->stop.size(), kMaxStopStrings);
  EXPECT_FALSE(completion(body(kMaxStopStrings + 1), e));
  EXPECT_EQ(e.message, "stop: the simulator accepts at most 128 stop strings, got 129");
  EXPECT_FALSE(completion(body(2, ""), e));
  EXPECT_EQ(e.message, "stop cannot contain an empty string.");
  EXPECT_FALSE(e.param);
  EXPECT_TRUE(completion(body(2, ""), e, EngineKind::kSglang)) << e.message;
}

TEST(OpenAiCodecTest, IdsAreBounded) {
  auto body = [](const std::string& id) {
    return json{{"prompt", "hi"}, {"request_id", id}, {"kv_transfer_params", {{"transfer_id", id}}}}.dump();
  };
  ApiError e;
  auto r = completion(body(std::string(kMaxRequestIdLength, 'x')), e);
  ASSERT_TRUE(r) << e.message;
  EXPECT_EQ(r->request_id->size(), kMaxRequestIdLength);
  EXPECT_EQ(r->kv_transfer_params->transfer_id.size(), kMaxRequestIdLength);
  EXPECT_FALSE(completion(body(std::string(kMaxRequestIdLength + 1, 'x')), e));
  EXPECT_EQ(e.message, "request_id: String should have at most 1024 bytes");
  EXPECT_FALSE(completion(
      json{{"prompt", "hi"}, {"kv_transfer_params", {{"transfer_id", std::string(kMaxRequestIdLength + 1, 'x')}}}}
          .dump(),
      e));
  EXPECT_EQ(e.param, "kv_transfer_params");
}

TEST(OpenAiCodecTest, KvTransferParamsKeepTheirOrderInTheLogAndAreCut) {
  ApiError e;
  auto r = completion(
      R"({"prompt":"hi","kv_transfer_params":{"do_remote_prefill":true,"remote_request_id":"r1","zeta":[1],"alpha":null,"do_remote_decode":false}})",
      e);
  ASSERT_TRUE(r && r->kv_transfer_params) << e.message;
  const KvTransferParams& p = *r->kv_transfer_params;
  EXPECT_TRUE(p.do_remote_prefill);
  EXPECT_FALSE(p.do_remote_decode);
  EXPECT_EQ(p.remote_request_id, "r1");
  EXPECT_EQ(p.logged,
            R"({"do_remote_prefill":true,"remote_request_id":"r1","zeta":[1],"alpha":null,"do_remote_decode":false})");
  auto big = completion(
      json{{"prompt", "hi"}, {"kv_transfer_params", {{"do_remote_prefill", true}, {"pad", std::string(100'000, 'x')}}}}
          .dump(),
      e);
  ASSERT_TRUE(big && big->kv_transfer_params) << e.message;
  EXPECT_EQ(big->kv_transfer_params->logged.size(), KvTransferParams::kMaxLoggedParams + 3);
  // Not an object: no transfer, as before. SGLang engines ignore the member.
  auto array = completion(R"({"prompt":"hi","kv_transfer_params":[true]})", e);
  ASSERT_TRUE(array) << e.message;
  EXPECT_FALSE(array->kv_transfer_params);
  auto sglang = completion(R"({"prompt":"hi","kv_transfer_params":{"do_remote_decode":true}})", e, EngineKind::kSglang);
  ASSERT_TRUE(sglang) << e.message;
  EXPECT_FALSE(sglang->kv_transfer_params);
}

TEST(OpenAiCodecTest, ErrorBodiesAreValidJson) {
  ApiError e{400, "BadRequestError", "bad \"quote\" \x01 and \xff", "p"};
  json vllm = json::parse(error_body(EngineKind::kVllm, e));
  EXPECT_EQ(vllm["error"]["param"], "p");
  EXPECT_EQ(vllm["error"]["code"], 400);
  json sglang = json::parse(error_body(EngineKind::kSglang, e));
  EXPECT_EQ(sglang["object"], "error");
}

TEST(OpenAiCodecTest, DetokenizeAndLoraRequests) {
  ApiError e;
  EXPECT_EQ(parse_detokenize(R"({"tokens":[72,105]})", e), (std::vector<TokenId>{72, 105}));
  EXPECT_FALSE(parse_detokenize(R"({"tokens":[72,-1]})", e));
  EXPECT_EQ(e.message, "tokens: each token must be a non-negative integer");
  EXPECT_FALSE(parse_detokenize("{", e));
  EXPECT_EQ(e.message, "tokens: Field required");
  LoraRequest l = parse_lora_request(R"({"lora_name":"sql","lora_path":"/a","lora_name":"sql2"})");
  EXPECT_EQ(l.name, "sql2");
  EXPECT_EQ(l.path, "/a");
  EXPECT_EQ(parse_lora_request(R"({"lora_name":1})").name, "");
}

}  // namespace
}  // namespace kthena::sim
