// kvcache-aware end to end: a real redis-server holding the KV-block index in the runtime sidecar's schema
// (matrix:kv:block:{model}@{hash} -> {"<pod>.<namespace>": unix seconds}), engines that tokenize (/tokenize), and
// the router mirroring Redis through keyspace notifications.
#include <gtest/gtest.h>

#include "e2e/router_support.h"
#include "router/scheduler/kv_block_hash.h"

namespace kthena::testing {
namespace {

class RouterKvCache : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int attempt = 0; attempt < 5 && redis_port == 0; ++attempt) {
      uint16_t port = random_loopback().second;
      redis = std::make_unique<Process>();
      ASSERT_TRUE(redis->start({"/usr/bin/redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no"},
                               dir.path() / "redis"));
      if (redis->wait_for("Ready to accept connections", 1, std::chrono::seconds(5))) redis_port = port;
    }
    ASSERT_NE(redis_port, 0);
    ASSERT_TRUE(
        fleet.start(dir.path(), "fleet", 3,
                    {"--model", "/models/m", "--served-model-name", "m", "--profile", "tiny", "--time-scale", "0.02"}));
    std::string yaml = R"(apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: m}
spec:
  modelName: m
  rules: [{targetModels: [{modelServerName: p}]}]
)" + model_server_yaml("p", fleet, "m") +
                       pods_yaml("p", fleet);
    write_text(dir.path() / "static.yaml", yaml);
    write_text(dir.path() / "config.yaml",
               "scheduler:\n  pluginConfig:\n  - name: kvcache-aware\n    args: "
               "{blockSizeToHash: 16, vllmTokenizerPort: " +
                   std::to_string(fleet.port) +
                   "}\n  plugins:\n    Score:\n      enabled:\n      - {name: "
                   "kvcache-aware, weight: 2}\n      - {name: least-request, weight: 1}\n");
    ASSERT_TRUE(router.start(dir.path(), dir.path() / "static.yaml",
                             {"--config", (dir.path() / "config.yaml").string()},
                             {"REDIS_HOST=127.0.0.1", "REDIS_PORT=" + std::to_string(redis_port)}))
        << router.process->errors();
    ASSERT_TRUE(router.process->wait_for("mirroring Redis", 1, std::chrono::seconds(5))) << router.process->errors();
  }

  std::string redis_cli(const std::vector<std::string>& args) {
    std::string cmd = "redis-cli -p " + std::to_string(redis_port);
    for (const std::string& a : args) cmd += " '" + a + "'";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[512];
    while (fgets(buf, sizeof(buf), p)) out += buf;
    pclose(p);
    return out;
  }

  // The prompt's token ids as the engine (and so the router) sees them.
  std::vector<uint32_t> tokenize(const std::string& content) {
    auto r =
        http_request(fleet.ips[0], fleet.port, "POST", "/tokenize",
                     R"({"model":"m","messages":[{"role":"user","content":")" + content +
                         R"("}],"add_special_tokens":false,"add_generation_prompt":true,"return_token_strs":false})");
    std::vector<uint32_t> tokens;
    std::smatch m;
    std::string body = r.body;
    if (!std::regex_search(body, m, std::regex("\"tokens\":\\[([0-9,]*)\\]"))) return tokens;
    std::stringstream list(m[1]);
    for (std::string t; std::getline(list, t, ',');) tokens.push_back(static_cast<uint32_t>(std::stoul(t)));
    return tokens;
  }

  TempDir dir;
  std::unique_ptr<Process> redis;
  uint16_t redis_port = 0;
  Fleet fleet;
  Router router;
};

TEST_F(RouterKvCache, RequestsGoWhereRedisSaysTheBlocksAre) {
  std::string prompt;
  for (int i = 0; i < 40; ++i) prompt += "shared system prompt part " + std::to_string(i) + " ";
  std::vector<uint32_t> tokens = tokenize(prompt);
  ASSERT_GT(tokens.size(), 32u);
  std::vector<uint64_t> hashes;
  router::kv_block_hashes(tokens, 16, 128, hashes);
  auto now = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  // Pod p-1 holds every block; p-2 only the first (a shorter prefix).
  for (size_t i = 0; i < hashes.size(); ++i) {
    std::string key = "matrix:kv:block:m@" + std::to_string(hashes[i]);
    redis_cli({"HSET", key, "p-1.default", now});
    if (i == 0) redis_cli({"HSET", key, "p-2.default", now});
  }
  // Notifications reach the mirror.
  ASSERT_TRUE(router.wait_status("kvBlocks", static_cast<int64_t>(hashes.size())));
  size_t before = router.process->output().size();
  size_t lines = router.log_lines();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(router.chat("m", prompt).status, 200);
  ASSERT_TRUE(router.wait_log_lines(lines + 20));
  auto counts = selected_pods(router.process->output().substr(before));
  EXPECT_EQ(counts["p-1"], 20) << ::testing::PrintToString(counts);

  // The owner goes away in Redis: the mirror follows and the preference with it.
  for (uint64_t h : hashes) redis_cli({"DEL", "matrix:kv:block:m@" + std::to_string(h)});
  ASSERT_TRUE(router.wait_status("kvBlocks", 0));
  before = router.process->output().size();
  lines = router.log_lines();
  for (int i = 0; i < 30; ++i) ASSERT_EQ(router.chat("m", prompt).status, 200);
  ASSERT_TRUE(router.wait_log_lines(lines + 30));
  counts = selected_pods(router.process->output().substr(before));
  EXPECT_LT(counts["p-1"], 25) << ::testing::PrintToString(counts);
  EXPECT_NE(router.metrics().find("kthena_router_kvcache_aware_tokenize_duration_seconds_count{model=\"m\"}"),
            std::string::npos);
}

// Without REDIS_HOST the plugin has no mirror to score with: requests are routed without tokenizing, and none is
// counted as an unsupported engine (every engine here is vLLM, which has /tokenize).
TEST(RouterKvCacheWithoutRedis, RequestsAreNotCountedAsUnsupportedEngines) {
  TempDir dir;
  Fleet fleet;
  Router router;
  ASSERT_TRUE(
      fleet.start(dir.path(), "fleet", 2,
                  {"--model", "/models/m", "--served-model-name", "m", "--profile", "tiny", "--time-scale", "0.02"}));
  write_text(dir.path() / "static.yaml", R"(apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: m}
spec:
  modelName: m
  rules: [{targetModels: [{modelServerName: p}]}]
)" + model_server_yaml("p", fleet, "m") + pods_yaml("p", fleet));
  write_text(dir.path() / "config.yaml",
             "scheduler:\n  plugins:\n    Score:\n      enabled:\n      - {name: kvcache-aware, weight: 2}\n"
             "      - {name: least-request, weight: 1}\n");
  ASSERT_TRUE(router.start(dir.path(), dir.path() / "static.yaml", {"--config", (dir.path() / "config.yaml").string()},
                           {"REDIS_HOST="}))
      << router.process->errors();
  for (int i = 0; i < 4; ++i) {
    auto r = router.chat("m", "no redis here " + std::to_string(i));
    EXPECT_EQ(r.status, 200) << r.body;
  }
  std::string metrics = router.metrics();
  EXPECT_NE(metrics.find("kthena_router_requests_total{model=\"m\""), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("kthena_router_tokenizer_unsupported_engine_total{"), std::string::npos) << metrics;
}

}  // namespace
}  // namespace kthena::testing
