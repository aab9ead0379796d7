#include "sim/engine_server.h"

#include <cstdlib>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "unit/sim/sim_harness.h"

namespace kthena::sim {
namespace {

using json = nlohmann::ordered_json;
using namespace std::chrono_literals;
using testing::long_text;
using testing::SimHarness;

std::string chat(const std::string& content, int max_tokens, bool stream = false, std::string extra = "") {
  json body{{"model", "m"},
            {"messages", json::array({{{"role", "user"}, {"content", content}}})},
            {"max_tokens", max_tokens},
            {"stream", stream},
            {"ignore_eos", true}};
  if (stream) body["stream_options"] = {{"include_usage", true}};
  std::string s = body.dump();
  if (!extra.empty()) s = s.substr(0, s.size() - 1) + "," + extra + "}";
  return s;
}

TEST(EngineServerTest, ChatResponseShapeAndUsage) {
  SimHarness sim({"--served-model-name", "m", "--profile", "tiny", "--time-scale", "0.2"});
  auto r = sim.post("/v1/chat/completions", chat("Say hello", 7));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  json j = json::parse(r.body);
  EXPECT_TRUE(j["id"].get<std::string>().starts_with("chatcmpl-"));
  EXPECT_EQ(j["id"].get<std::string>().size(), 9u + 16u);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "m");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 7);
  std::string content = j["choices"][0]["message"]["content"];
  EXPECT_EQ(Tokenizer::count(content), 7u);
  // The prompt count is the chat template's token count, the same that /tokenize gives.
  auto t = sim.post("/tokenize", R"({"messages":[{"role":"user","content":"Say hello"}]})");
  EXPECT_EQ(json::parse(t.body)["count"], j["usage"]["prompt_tokens"]);
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "object", "created", "model", "choices", "service_tier",
                                            "system_fingerprint", "usage", "prompt_logprobs", "prompt_token_ids",
                                            "kv_transfer_params"}));
}

TEST(EngineServerTest, SeededGenerationIsDeterministic) {
  SimHarness sim({"--served-model-name", "m", "--profile", "tiny", "--time-scale", "0.1"});
  auto a = sim.post("/v1/completions", R"({"prompt":"Once upon","max_tokens":20,"seed":7,"ignore_eos":true})");
  auto b = sim.post("/v1/completions", R"({"prompt":"Once upon","max_tokens":20,"seed":7,"ignore_eos":true})");
  EXPECT_EQ(json::parse(a.body)["choices"][0]["text"], json::parse(b.body)["choices"][0]["text"]);
}

TEST(EngineServerTest, StreamWithUsageEndsWithDone) {
  SimHarness sim({"--served-model-name", "m", "--profile", "tiny", "--time-scale", "0.2"});
  auto [ttft, events] = sim.stream("/v1/chat/completions", chat("Stream please", 5, true));
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back(), "[DONE]");
  json role = json::parse(events.front());
  EXPECT_EQ(role["choices"][0]["delta"]["role"], "assistant");
  json usage = json::parse(events[events.size() - 2]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 5);
  json last = json::parse(events[events.size() - 3]);
  EXPECT_EQ(last["choices"][0]["finish_reason"], "length");
  std::string text;
  for (size_t i = 1; i + 2 < events.size(); ++i) text += json::parse(events[i])["choices"][0]["delta"]["content"];
  EXPECT_EQ(Tokenizer::count(text), 5u);
}

TEST(EngineServerTest, ErrorsInVllmShape) {
  SimHarness sim({"--served-model-name", "m", "--profile", "tiny", "--max-model-len", "64"});
  auto unknown = sim.post("/v1/chat/completions", R"({"model":"x","messages":[]})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(
      unknown.body,
      R"({"error":{"message":"The model `x` does not exist.","type":"NotFoundError","param":"model","code":404}})");
  auto too_long = sim.post("/v1/completions", json{{"prompt", long_text(80)}}.dump());
  EXPECT_EQ(too_long.status, 400);
  EXPECT_NE(too_long.body.find("This model's maximum context length is 64 tokens. However, your request has 80 input "
                               "tokens."),
            std::string::npos)
      << too_long.body;
  auto max_tokens = sim.post("/v1/completions", R"({"prompt":"hi","max_tokens":100})");
  EXPECT_EQ(max_tokens.status, 400);
  EXPECT_NE(max_tokens.body.find("'max_tokens' or 'max_completion_tokens' is too large: 100."), std::string::npos);
  auto bad_json = sim.post("/v1/completions", "{");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(sim.request("GET", "/nope").body, R"({"detail":"Not Found"})");
  EXPECT_EQ(sim.request("GET", "/health").status, 200);
}

TEST(EngineServerTest, MinTokensAboveTheSettledMaxTokensIsRefusedAsVllmDoes) {
  SimHarness sim({"--served-model-name", "m", "--profile", "tiny", "--max-model-len", "64", "--time-scale", "0.1"});
  auto explicit_max = sim.post("/v1/completions", R"({"prompt":"hi","max_tokens":5,"min_tokens":6})");
  EXPECT_EQ(explicit_max.status, 400);
  EXPECT_EQ(explicit_max.body, R"({"error":{"message":"min_tokens must be less than or equal to max_tokens=5, got 6.",)"
                               R"("type":"BadRequestError","param":null,"code":400}})");
  // Without max_tokens, vLLM settles on the room left in the context.
  size_t prompt = Tokenizer::count("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
  auto room = sim.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"hi"}],"min_tokens":60})");
  EXPECT_EQ(room.status, 400);
  EXPECT_NE(room.body.find("max_tokens=" + std::to_string(64 - prompt) + ", got 60."), std::string::npos) << room.body;
  EXPECT_EQ(sim.post("/v1/completions", R"({"prompt":"hi","max_tokens":5,"min_tokens":5})").status, 200);
}

TEST(EngineServerTest, HostileBodiesGetAnAnswerAndCostNoMoreThanTheirSize) {
  SimHarness sim({"--served-model-name", "m", "--profile", "tiny", "--time-scale", "0.1"});
  // 200,000 keys parse in milliseconds (nlohmann's ordered_json took about a minute).
  std::string keys = R"({"prompt":"hi","max_tokens":2)";
  for (int i = 0; i < 200'000; ++i) keys += ",\"k" + std::to_string(i) + "\":0";
  EXPECT_EQ(sim.post("/v1/completions", keys + "}").status, 200);
  auto deep = sim.post("/v1/completions", R"({"prompt":"hi","kv_transfer_params":)" + std::string(100'000, '[') +
                                              std::string(100'000, ']') + "}");
  EXPECT_EQ(deep.status, 400);
  EXPECT_EQ(
      deep.body,
      R"({"error":{"message":"There was an error parsing the body","type":"Bad Request","param":null,"code":400}})");
  // Wrong types threw inside the handler, which answered 500.
  auto tokenize = sim.post("/tokenize", R"({"prompt":"hi","return_token_strs":"yes"})");
  EXPECT_EQ(tokenize.status, 400);
  EXPECT_NE(tokenize.body.find("return_token_strs: Input should be a valid boolean"), std::string::npos);
  auto options = sim.post("/v1/completions", R"({"prompt":"hi","stream":true,"stream_options":{"include_usage":1}})");
  EXPECT_EQ(options.status, 400);
  // An id is copied into every chunk of a stream: a long one is refused, from the header as from the body.
  std::string longest(kMaxRequestIdLength, 'r');
  auto ok = sim.request("POST", "/v1/completions", R"({"prompt":"hi","max_tokens":1})", 0, longest);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["id"], "cmpl-" + longest);
  auto header = sim.request("POST", "/v1/completions", R"({"prompt":"hi","max_tokens":1})", 0, longest + "r");
  EXPECT_EQ(header.status, 400);
  EXPECT_NE(header.body.find("X-Request-Id: String should have at most 1024 bytes"), std::string::npos);
  auto body = sim.post("/v1/completions", json{{"prompt", "hi"}, {"request_id", longest + "r"}}.dump());
  EXPECT_EQ(body.status, 400);
  // Each stop string is searched for after every token.
  json stops = json::array();
  for (size_t i = 0; i <= kMaxStopStrings; ++i) stops.push_back("stop" + std::to_string(i));
  auto stop = sim.post("/v1/completions", json{{"prompt", "hi"}, {"stop", stops}}.dump());
  EXPECT_EQ(stop.status, 400);
  EXPECT_NE(stop.body.find("at most 128 stop strings"), std::string::npos);
}

TEST(EngineServerTest, RepeatedLongPromptTimeToFirstTokenDropsByTheModelledAmount) {
  // tiny: step = 1 ms + max(2 ms, 0.01 ms x tokens); time scale 10. A ~2000-token prompt costs 1 + 20 ms; repeated,
  // all but the last partial block come from the cache, so its step costs 1 + 2 ms: a drop of 18 ms x 10. The
  // minimum of two cold prompts and of two repeats keeps scheduling noise of a busy machine out.
  SimHarness sim({"--served-model-name", "m", "--profile", "tiny", "--time-scale", "10"});
  std::string a = chat(long_text(1990, 1), 1, true);
  std::string b = chat(long_text(1990, 2), 1, true);
  double cold = std::min(sim.stream("/v1/chat/completions", a).first, sim.stream("/v1/chat/completions", b).first);
  double warm = std::min(sim.stream("/v1/chat/completions", a).first, sim.stream("/v1/chat/completions", b).first);
  double prompt = sim.metric("vllm:prompt_tokens_total") / 4;
  double hits = sim.metric("vllm:prefix_cache_hits_total") / 2;
  EXPECT_GT(prompt, 1990);
  EXPECT_EQ(hits, std::floor((prompt - 1) / 16) * 16);
  double expected = (std::max(2.0, 0.01 * prompt) - std::max(2.0, 0.01 * (prompt - hits))) * 10 / 1000;
  EXPECT_NEAR(cold - warm, expected, expected * 0.3) << "cold " << cold << " warm " << warm;
}

TEST(EngineServerTest, RequestsQueueWhenTheBatchIsFull) {
  SimHarness sim({"--served-model-name", "m", "--profile", "tiny", "--max-num-seqs", "2", "--time-scale", "2"});
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 5; ++i) {
    clients.emplace_back([&, i] {
      auto [t, events] = sim.stream("/v1/chat/completions", chat("request " + std::to_string(i), 100, true));
      if (!events.empty() && events.back() == "[DONE]") ++ok;
    });
  }
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(sim.metric("vllm:num_requests_running"), 2);
  EXPECT_EQ(sim.metric("vllm:num_requests_waiting"), 3);
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(sim.metric("vllm:num_requests_waiting"), 0);
  EXPECT_GT(sim.metric("vllm:request_queue_time_seconds_sum"), 0.1);
}

TEST(EngineServerTest, PreemptsWhenTheCacheIsFull) {
  SimHarness sim({"--served-model-name", "m", "--profile", "tiny", "--num-gpu-blocks-override", "12", "--max-model-len",
                  "192", "--time-scale", "0.05"});
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&, i] {
      auto r = sim.post("/v1/completions",
                        json{{"prompt", long_text(20, i)}, {"max_tokens", 60}, {"ignore_eos", true}}.dump());
      if (r.status == 200 && json::parse(r.body)["usage"]["completion_tokens"] == 60) ++ok;
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok, 4);
  EXPECT_GT(sim.metric("vllm:num_preemptions_total"), 0);
  EXPECT_EQ(sim.metric("vllm:kv_cache_usage_perc"), 0);
}

TEST(EngineServerTest, NixlPrefillDecodeRoundTrip) {
  SimHarness sim(
      {"--served-model-name", "m", "--profile", "tiny", "--instances", "2", "--port", "0", "--time-scale", "4"});
  std::string prompt = long_text(1000);
  json prefill{{"model", "m"},
               {"prompt", prompt},
               {"max_tokens", 1},
               {"stream", false},
               {"kv_transfer_params", {{"do_remote_decode", true}, {"do_remote_prefill", false}}}};
  auto p = sim.post("/v1/completions", prefill.dump(), 0);
  ASSERT_EQ(p.status, 200) << p.body;
  json pj = json::parse(p.body);
  EXPECT_EQ(pj["choices"][0]["finish_reason"], "length");
  json params = pj["kv_transfer_params"];
  ASSERT_TRUE(params.is_object()) << p.body;
  EXPECT_EQ(params["do_remote_prefill"], true);
  EXPECT_EQ(params["remote_engine_id"], sim.engine(0).engine_id());
  EXPECT_GT(sim.metric("vllm:kv_cache_usage_perc", 0), 0);  // held for the decode

  json decode{{"model", "m"},       {"prompt", prompt}, {"max_tokens", 3},
              {"ignore_eos", true}, {"stream", true},   {"kv_transfer_params", params}};
  auto [ttft_pd, events] = sim.stream("/v1/completions", decode.dump(), 1);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), "[DONE]");
  EXPECT_EQ(sim.metric("vllm:kv_cache_usage_perc", 0), 0);  // pulled and freed on the prefill side
  EXPECT_EQ(sim.metric("vllm:prompt_tokens_total", 1), double(params["remote_num_tokens"].get<int>()));
  // The same prompt computed locally on a fresh decode engine costs the prefill; after the transfer it does not.
  json local{{"model", "m"}, {"prompt", long_text(1000, 3)}, {"max_tokens", 1}, {"stream", true}};
  auto [ttft_local, e2] = sim.stream("/v1/completions", local.dump(), 1);
  EXPECT_LT(ttft_pd, ttft_local);
  // A decode whose params point at nothing recomputes, as vLLM's default kv_load_failure_policy does.
  auto again = sim.post("/v1/completions",
                        decode.dump().replace(decode.dump().find("\"stream\":true"), 13, "\"stream\":false"), 1);
  EXPECT_EQ(again.status, 200);
}

TEST(EngineServerTest, SglangBootstrapRoomRoundTrip) {
  const char* dir = std::getenv("TMPDIR");
  std::string fleet = std::string(dir ? dir : "/tmp") + "/sim-fleet-" + std::to_string(::getpid()) + ".json";
  std::ofstream(fleet) << R"([{"args":["--port","0","--disaggregation-mode","prefill"]},
                             {"args":["--port","0","--disaggregation-mode","decode"]}])";
  SimHarness sim(
      {"--engine", "sglang", "--served-model-name", "m", "--profile", "tiny", "--time-scale", "0.5", "--fleet", fleet});
  json body{{"model", "m"},
            {"messages", json::array({{{"role", "user"}, {"content", long_text(300)}}})},
            {"max_tokens", 4},
            {"bootstrap_host", "127.0.0.1"},
            {"bootstrap_room", 7322518209373511423LL}};
  std::thread prefill([&] { EXPECT_EQ(sim.post("/v1/chat/completions", body.dump(), 0).status, 200); });
  auto d = sim.post("/v1/chat/completions", body.dump(), 1);
  prefill.join();
  ASSERT_EQ(d.status, 200) << d.body;
  json dj = json::parse(d.body);
  EXPECT_EQ(dj["id"].get<std::string>().size(), 32u);
  EXPECT_TRUE(dj.contains("metadata"));
  std::string metrics = sim.request("GET", "/metrics", {}, 1).body;
  EXPECT_NE(metrics.find("sglang:num_running_reqs{engine_type=\"decode\""), std::string::npos);
  std::remove(fleet.c_str());
}

TEST(EngineServerTest, LoraAdaptersLoadListAndServe) {
  ::setenv("VLLM_ALLOW_RUNTIME_LORA_UPDATING", "True", 1);
  SimHarness sim(
      {"--served-model-name", "m", "--profile", "tiny", "--enable-lora", "--max-loras", "2", "--time-scale", "0.1"});
  auto load = sim.post("/v1/load_lora_adapter", R"({"lora_name":"sql","lora_path":"/adapters/sql"})");
  EXPECT_EQ(load.status, 200);
  EXPECT_EQ(load.body, "Success: LoRA adapter 'sql' added successfully.");
  EXPECT_EQ(sim.post("/v1/load_lora_adapter", R"({"lora_name":"sql","lora_path":"/x"})").status, 400);
  json models = json::parse(sim.request("GET", "/v1/models").body);
  ASSERT_EQ(models["data"].size(), 2u);
  EXPECT_EQ(models["data"][1]["id"], "sql");
  EXPECT_EQ(models["data"][1]["parent"], "m");
  auto r = sim.post("/v1/completions", R"({"model":"sql","prompt":"select","max_tokens":2})");
  EXPECT_EQ(json::parse(r.body)["model"], "sql");
  EXPECT_NE(sim.request("GET", "/metrics").body.find("vllm:lora_requests_info{max_lora=\"2\""), std::string::npos);
  EXPECT_EQ(sim.post("/v1/unload_lora_adapter", R"({"lora_name":"sql"})").status, 200);
  EXPECT_EQ(sim.post("/v1/unload_lora_adapter", R"({"lora_name":"sql"})").status, 404);
  ::unsetenv("VLLM_ALLOW_RUNTIME_LORA_UPDATING");
}

// promtool flags every vLLM and SGLang metric for the ':' in its name, and vLLM's iteration_tokens_total histogram
// for its _total suffix: those names are the wire contract routers scrape. Any other finding, or a parse error
// (exit code 1), fails.
void check_with_promtool(const std::string& text) {
  std::string file = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/sim-metrics-" +
                     std::to_string(::getpid()) + ".txt";
  std::ofstream(file) << text;
  std::string cmd = "promtool check metrics < " + file + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof(buf), p)) out += buf;
  int status = ::pclose(p);
  std::remove(file.c_str());
  int code = WEXITSTATUS(status);
  EXPECT_NE(code, 1) << out;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    std::string line = out.substr(start, end - start);
    start = end == std::string::npos ? out.size() : end + 1;
    if (line.empty()) continue;
    bool known = line.ends_with("metric names should not contain ':'") ||
                 line == "vllm:iteration_tokens_total non-counter metrics should not have \"_total\" suffix";
    EXPECT_TRUE(known) << "promtool: " << line;
  }
}

TEST(EngineServerTest, MetricsPassPromtool) {
  ::setenv("VLLM_ALLOW_RUNTIME_LORA_UPDATING", "1", 1);
  SimHarness vllm({"--served-model-name", "m", "--profile", "tiny", "--enable-lora", "--lora-modules", "a=/a",
                   "--time-scale", "0.1"});
  vllm.post("/v1/completions", R"({"prompt":"hello world","max_tokens":5})");
  vllm.post("/v1/completions", R"({"model":"a","prompt":"hello world","max_tokens":5})");
  std::string text = vllm.request("GET", "/metrics").body;
  EXPECT_NE(text.find("vllm:request_success_total{engine=\"0\",finished_reason=\"abort\",model_name=\"m\"} 0.0"),
            std::string::npos);
  EXPECT_NE(text.find("vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"0.001\",model_name=\"m\"}"),
            std::string::npos);
  EXPECT_NE(text.find("vllm:gpu_cache_usage_perc"), std::string::npos);
  EXPECT_NE(text.find("vllm:inter_token_latency_seconds_count"), std::string::npos);
  EXPECT_NE(text.find("vllm:time_per_output_token_seconds_count"), std::string::npos);
  check_with_promtool(text);
  ::unsetenv("VLLM_ALLOW_RUNTIME_LORA_UPDATING");

  SimHarness sglang({"--engine", "sglang", "--served-model-name", "m", "--profile", "tiny", "--time-scale", "0.1"});
  sglang.post("/v1/chat/completions", chat("hi", 3));
  std::string s = sglang.request("GET", "/metrics").body;
  EXPECT_NE(s.find("sglang:token_usage{engine_type=\"unified\""), std::string::npos);
  check_with_promtool(s);
}

}  // namespace
}  // namespace kthena::sim
