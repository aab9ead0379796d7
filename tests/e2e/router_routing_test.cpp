// The router end to end on loopback: real `kthena engine-sim` fleets behind a real `kthena router --static`.
// Routing by model, header, LoRA adapter and weight; the served-model rewrite; streams and usage; the model list.
#include <sstream>

#include <gtest/gtest.h>

#include "e2e/router_support.h"

namespace kthena::testing {
namespace {

const std::vector<std::string> kFast = {"--profile", "tiny", "--time-scale", "0.02"};

std::vector<std::string> engine(const std::string& served, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--model", "/models/" + served, "--served-model-name", served};
  args.insert(args.end(), kFast.begin(), kFast.end());
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

class RouterRouting : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(small.start(dir.path(), "small", 2, engine("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B")));
    ASSERT_TRUE(big.start(dir.path(), "big", 1,
                          engine("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
                                 {"--enable-lora", "--lora-modules", "lora-A=/adapters/a", "lora-B=/adapters/b"})));
    std::string yaml = R"(apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: multi}
spec:
  modelName: deepseek-multi-models
  rules:
  - name: premium
    modelMatch: {headers: {user-type: {exact: premium}}}
    targetModels: [{modelServerName: big}]
  - name: default
    targetModels: [{modelServerName: small}]
---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: lora}
spec:
  loraAdapters: [lora-A, lora-B]
  rules: [{targetModels: [{modelServerName: big}]}]
---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: subset}
spec:
  modelName: deepseek-subset
  rules:
  - targetModels: [{modelServerName: small, weight: 70}, {modelServerName: big, weight: 30}]
)";
    yaml += model_server_yaml("small", small, "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B");
    yaml += model_server_yaml("big", big, "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B");
    yaml += pods_yaml("small", small) + pods_yaml("big", big);
    static_file = dir.path() / "static.yaml";
    write_text(static_file, yaml);
    ASSERT_TRUE(router.start(dir.path(), static_file)) << router.process->errors();
  }

  static std::string json_model(const std::string& body) {
    std::smatch m;
    std::regex_search(body, m, std::regex("\"model\":\"([^\"]+)\""));
    return m.size() > 1 ? std::string(m[1]) : std::string();
  }

  TempDir dir;
  Fleet small, big;
  std::filesystem::path static_file;
  Router router;
};

TEST_F(RouterRouting, HeaderRulesPickTheModelServerAndTheServedModel) {
  auto r = router.chat("deepseek-multi-models", "hello");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_model(r.body), "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B");
  r = router.chat("deepseek-multi-models", "hello", "", {{"user-type", "premium"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_model(r.body), "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B");
  for (const char* value : {"basic", ""}) {
    r = router.chat("deepseek-multi-models", "hello", "", {{"user-type", value}});
    EXPECT_EQ(json_model(r.body), "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B") << value;
  }
}

TEST_F(RouterRouting, LoraAdaptersKeepTheirName) {
  for (const char* lora : {"lora-A", "lora-B"}) {
    auto r = router.chat(lora, "hello");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json_model(r.body), lora) << "no served-model rewrite for LoRA requests";
  }
  auto r = router.chat("lora-C", "hello");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("route not found"), std::string::npos) << r.body;
}

// 70/30 weights: each share within ±5 points (upstream's TestModelRouteSubset tolerance). Over 1,500 requests that is
// 4.2 standard deviations, a chance failure about once in 40,000 runs; over upstream's 600 (2.7 deviations) it failed
// about once in 130 runs.
TEST_F(RouterRouting, WeightedTargets) {
  const int n = 1500;
  int to_small = 0;
  for (int i = 0; i < n; ++i) {
    auto r = router.chat("deepseek-subset", "q" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << r.body;
    to_small += json_model(r.body) == "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B";
  }
  EXPECT_NEAR(static_cast<double>(to_small) / n, 0.70, 0.05);
}

TEST_F(RouterRouting, StreamsArriveWholeAndUsageIsHiddenUnlessAsked) {
  std::string base = R"({"model":"deepseek-multi-models","messages":[{"role":"user","content":"tell me"}],)"
                     R"("max_tokens":16,"ignore_eos":true,"stream":true)";
  auto r = router.post("/v1/chat/completions", base + "}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.complete);
  std::string seen;
  for (const auto& [k, v] : r.headers) seen += k + "=" + v + "; ";
  EXPECT_NE(r.header("content-type").find("text/event-stream"), std::string::npos) << seen;
  EXPECT_EQ(r.body.find("\"usage\":{"), std::string::npos) << "the router asked for usage, the client did not";
  EXPECT_EQ(r.body.size() - r.body.rfind("data: [DONE]\n\n"), 14u) << "[DONE] ends the stream";
  // 16 tokens, one word each; a loaded simulator (as vLLM) may put two tokens in one chunk, so words are counted.
  int words = 0;
  const std::string kContent = "\"delta\":{\"content\":\"";
  for (size_t p = r.body.find(kContent); p != std::string::npos; p = r.body.find(kContent, p + 1)) {
    std::string text = r.body.substr(p + kContent.size(), r.body.find('"', p + kContent.size()) - p - kContent.size());
    std::istringstream in(text);
    for (std::string w; in >> w;) ++words;
  }
  EXPECT_EQ(words, 16) << r.body;
  EXPECT_EQ(r.body.find("\n\n\n"), std::string::npos) << "no stray blank line where the usage chunk was";

  r = router.post("/v1/chat/completions", base + R"(,"stream_options":{"include_usage":true}})");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"completion_tokens\":16"), std::string::npos) << r.body;

  // Output tokens are counted either way.
  std::string metrics = router.metrics();
  EXPECT_NE(metrics.find("token_type=\"output\""), std::string::npos) << metrics;
}

TEST_F(RouterRouting, CompletionsModelsHealthAndUnknownPaths) {
  auto r = router.post("/v1/completions", R"({"model":"deepseek-multi-models","prompt":"hello world","max_tokens":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"text_completion\""), std::string::npos);

  r = http_request("127.0.0.1", router.port, "GET", "/v1/models");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      R"({"object":"list","data":[{"id":"deepseek-multi-models","object":"model","created":0,"owned_by":"kthena"},)"
      R"({"id":"deepseek-subset","object":"model","created":0,"owned_by":"kthena"},)"
      R"({"id":"lora-A","object":"model","created":0,"owned_by":"kthena"},)"
      R"({"id":"lora-B","object":"model","created":0,"owned_by":"kthena"}]})");
  EXPECT_EQ(http_request("127.0.0.1", router.port, "GET", "/healthz").body, R"({"message":"ok"})");
  EXPECT_EQ(http_request("127.0.0.1", router.port, "GET", "/readyz").body, R"({"message":"router is ready"})");
  r = http_request("127.0.0.1", router.port, "GET", "/other");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found");
}

TEST_F(RouterRouting, AccessLogMetricsAndDebugDumps) {
  ASSERT_EQ(router.chat("deepseek-multi-models", "hello").status, 200);
  ASSERT_EQ(router.chat("nobody", "hello").status, 404);
  ASSERT_TRUE(router.wait_log_lines(2));  // the access log is written in batches
  std::string log = router.process->output();
  EXPECT_NE(log.find("\"POST /v1/chat/completions HTTP/1.1\" 200 model_name=deepseek-multi-models "
                     "model_route=default/multi model_server=default/small selected_pod=small-"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("404 error=route_not_found:route not found model_name=nobody"), std::string::npos) << log;

  std::string metrics = router.metrics();
  EXPECT_NE(metrics.find("kthena_router_requests_total{model=\"unknown\",path=\"/v1/chat/completions\","
                         "status_code=\"404\",error_type=\"route_not_found\",model_route=\"none\",backend_type="
                         "\"unresolved\",backend_name=\"none\",upstream_model=\"none\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("kthena_router_scheduler_plugin_duration_seconds_count{model=\"deepseek-multi-models\","
                         "plugin=\"least-request\",type=\"filter\"}"),
            std::string::npos);

  auto pods = http_request("127.0.0.1", router.debug_port, "GET", "/debug/config_dump/pods");
  EXPECT_EQ(pods.status, 200);
  EXPECT_NE(pods.body.find("\"name\":\"small-0\""), std::string::npos) << pods.body;
  auto one = http_request("127.0.0.1", router.debug_port, "GET", "/debug/config_dump/namespaces/default/pods/big-0");
  EXPECT_NE(one.body.find("\"podInfo\""), std::string::npos) << one.body;
  EXPECT_NE(one.body.find("lora-A"), std::string::npos) << "models come from the engine's /v1/models: " << one.body;
  auto missing =
      http_request("127.0.0.1", router.debug_port, "GET", "/debug/config_dump/namespaces/default/modelroutes/x");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"error":"ModelRoute not found"})");
  for (const char* list : {"modelroutes", "modelservers", "gateways", "httproutes", "inferencepools"}) {
    EXPECT_EQ(http_request("127.0.0.1", router.debug_port, "GET", std::string("/debug/config_dump/") + list).status,
              200)
        << list;
  }
}

TEST_F(RouterRouting, StaticFileChangesApplyWithoutRestart) {
  EXPECT_EQ(router.chat("late-model", "hi").status, 404);
  std::string yaml = read_text(static_file) + R"(---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: late}
spec:
  modelName: late-model
  rules: [{targetModels: [{modelServerName: big}]}]
)";
  write_text(static_file, yaml);
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = router.chat("late-model", "hi").status;
  }
  EXPECT_EQ(status, 200);
  // A broken file keeps the last good objects.
  write_text(static_file, "kind: [\n");
  EXPECT_TRUE(router.process->wait_for("static file not reloaded")) << router.process->errors();
  EXPECT_EQ(router.chat("late-model", "hi").status, 200);
}

}  // namespace
}  // namespace kthena::testing
