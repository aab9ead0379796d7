// Each scheduling plugin's effect end to end (upstream's test/e2e/router/plugins_test.go): a router configured with
// one plugin, three simulated pods, and the access log's selected_pod counts.
#include <gtest/gtest.h>

#include "e2e/router_support.h"

namespace kthena::testing {
namespace {

std::string score_only(const std::string& plugin, const std::string& args = {}) {
  std::string out = "scheduler:\n";
  if (!args.empty()) out += "  pluginConfig:\n  - name: " + plugin + "\n    args: " + args + "\n";
  out += "  plugins:\n    Score:\n      enabled:\n      - {name: " + plugin + ", weight: 1}\n";
  return out;
}

class RouterPlugins : public ::testing::Test {
 protected:
  // Three engines (per-engine extra arguments) behind ModelServer "p" and ModelRoute "m" (and LoRA lora-A).
  void start(const std::vector<std::vector<std::string>>& engines, const std::string& config) {
    ASSERT_TRUE(start_fleet_file(
        fleet, dir.path(), "plugins", engines,
        {"--model", "/models/m", "--served-model-name", "m", "--profile", "tiny", "--time-scale", "0.02"}));
    std::string yaml = R"(apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: m}
spec:
  modelName: m
  rules: [{targetModels: [{modelServerName: p}]}]
---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: lora}
spec:
  loraAdapters: [lora-A]
  rules: [{targetModels: [{modelServerName: p}]}]
)" + model_server_yaml("p", fleet, "m") +
                       pods_yaml("p", fleet);
    write_text(dir.path() / "static.yaml", yaml);
    write_text(dir.path() / "config.yaml", config);
    ASSERT_TRUE(
        router.start(dir.path(), dir.path() / "static.yaml", {"--config", (dir.path() / "config.yaml").string()}))
        << router.process->errors();
  }

  // Sends `n` requests and returns how many went to each pod.
  std::map<std::string, int> send(int n, const std::string& model, std::function<std::string(int)> prompt) {
    size_t lines = router.log_lines();
    size_t before = router.process->output().size();
    for (int i = 0; i < n; ++i) {
      auto r = router.chat(model, prompt(i));
      EXPECT_EQ(r.status, 200) << r.body;
    }
    EXPECT_TRUE(router.wait_log_lines(lines + static_cast<size_t>(n)));  // access-log batches
    return selected_pods(router.process->output().substr(before));
  }

  static int most(const std::map<std::string, int>& counts) {
    int m = 0;
    for (const auto& [pod, n] : counts) m = std::max(m, n);
    return m;
  }

  // Keeps `count` long generations running directly on engine `i` (bypassing the router), until the fleet stops.
  void occupy(int i, int count, int max_tokens, const std::string& prompt = "busy") {
    for (int k = 0; k < count; ++k) {
      load_.emplace_back([this, i, max_tokens, prompt] {
        http_request(fleet.ips[i], fleet.port, "POST", "/v1/completions",
                     R"({"model":"m","prompt":")" + prompt + R"(","max_tokens":)" + std::to_string(max_tokens) +
                         R"(,"ignore_eos":true})",
                     {}, std::chrono::seconds(60));
      });
    }
  }

  void TearDown() override {
    router.process->stop();
    fleet.process->stop(SIGKILL);  // ends the long generations at once
    for (auto& t : load_) t.join();
  }

  TempDir dir;
  Fleet fleet;
  Router router;
  std::vector<std::thread> load_;
};

// The same prompt again and again stays on one pod (upstream: >= 90 %).
TEST_F(RouterPlugins, PrefixCacheKeepsARepeatedPrefixOnOnePod) {
  start({{}, {}, {}}, score_only("prefix-cache", "{blockSizeToHash: 64, maxBlocksToMatch: 128, topKMatches: 5}"));
  std::string prompt(600, 'x');
  auto counts = send(100, "m", [&](int) { return prompt; });
  EXPECT_GE(most(counts), 90) << ::testing::PrintToString(counts);
  EXPECT_NE(router.metrics().find("kthena_router_prefix_cache_match_ratio_bucket"), std::string::npos);
}

// Two pods with queued requests (max-num-seqs 1) are filtered out; the idle one takes the traffic.
TEST_F(RouterPlugins, LeastRequestAvoidsBusyPods) {
  start({{"--max-num-seqs", "1", "--time-scale", "1"}, {"--max-num-seqs", "1", "--time-scale", "1"}, {}},
        "scheduler:\n  pluginConfig:\n  - name: least-request\n    args: {maxWaitingRequests: 1}\n  plugins:\n"
        "    Filter:\n      enabled: [least-request]\n    Score:\n      enabled:\n      - {name: least-request, "
        "weight: 1}\n");
  occupy(0, 3, 3000);
  occupy(1, 3, 3000);
  ASSERT_TRUE(router.wait_scrapes(2));  // a whole scrape pass sees their queues
  auto counts = send(40, "m", [](int i) { return "q" + std::to_string(i); });
  EXPECT_GE(counts["p-2"], 36) << ::testing::PrintToString(counts);
  std::string metrics = router.metrics();
  EXPECT_NE(metrics.find("plugin=\"least-request\",type=\"filter\""), std::string::npos);
  EXPECT_NE(metrics.find("plugin=\"least-request\",type=\"score\""), std::string::npos);
}

// Pods whose KV cache is full of other work are avoided.
TEST_F(RouterPlugins, GpuUsageAvoidsKvHotPods) {
  start({{"--time-scale", "1"}, {"--time-scale", "1"}, {}}, score_only("gpu-usage"));
  std::string long_prompt;
  for (int i = 0; i < 600; ++i) long_prompt += "word" + std::to_string(i % 97) + " ";
  occupy(0, 2, 1500, long_prompt);
  occupy(1, 2, 1500, long_prompt);
  ASSERT_TRUE(router.wait_scrapes(2));
  auto pods = http_request("127.0.0.1", router.debug_port, "GET", "/debug/config_dump/pods").body;
  auto counts = send(40, "m", [](int i) { return "q" + std::to_string(i); });
  EXPECT_GE(counts["p-2"], 36) << ::testing::PrintToString(counts) << pods;
}

// A fast pool is preferred over a slow one once the engines' TTFT and TPOT histograms have data.
TEST_F(RouterPlugins, LeastLatencyPrefersTheFastPool) {
  start({{"--time-scale", "0.02"}, {"--time-scale", "1"}, {"--time-scale", "1"}},
        score_only("least-latency", "{TTFTTPOTWeightFactor: 0.5}"));
  // Observations between two scrapes give every engine a TTFT and a TPOT average.
  for (int round = 0; round < 2; ++round) {
    std::vector<std::thread> warm;
    for (int i = 0; i < 3; ++i) {
      warm.emplace_back([&, i] {
        http_request(fleet.ips[i], fleet.port, "POST", "/v1/completions",
                     R"({"model":"m","prompt":"warm up","max_tokens":8,"ignore_eos":true})");
      });
    }
    for (auto& t : warm) t.join();
    ASSERT_TRUE(router.wait_scrapes(2));
  }
  auto counts = send(30, "m", [](int i) { return "q" + std::to_string(i); });
  EXPECT_GE(counts["p-0"], 27) << ::testing::PrintToString(counts);
}

// lora-affinity keeps only pods that list the adapter; random then spreads over them.
TEST_F(RouterPlugins, LoraAffinityFiltersPodsWithoutTheAdapter) {
  start({{"--enable-lora", "--lora-modules", "lora-A=/a"}, {"--enable-lora", "--lora-modules", "lora-A=/a"}, {}},
        "scheduler:\n  plugins:\n    Filter:\n      enabled: [lora-affinity]\n    Score:\n      enabled:\n"
        "      - {name: random, weight: 1}\n");
  auto counts = send(60, "lora-A", [](int i) { return "q" + std::to_string(i); });
  EXPECT_EQ(counts["p-2"], 0) << ::testing::PrintToString(counts);
  EXPECT_GT(counts["p-0"], 10);
  EXPECT_GT(counts["p-1"], 10);
}

// random alone spreads evenly (upstream: every pod within ±10 points of a third).
TEST_F(RouterPlugins, RandomSpreadsEvenly) {
  start({{}, {}, {}}, score_only("random"));
  // 600 requests: each share's standard deviation is 0.019, so the 0.10 bound is 5 of them (with 300 it was 3.7, and
  // a loaded CI machine once saw 66/300).
  const int n = 600;
  auto counts = send(n, "m", [](int i) { return "q" + std::to_string(i); });
  for (const char* pod : {"p-0", "p-1", "p-2"}) {
    EXPECT_NEAR(static_cast<double>(counts[pod]) / n, 1.0 / 3, 0.10) << pod << " " << ::testing::PrintToString(counts);
  }
}

// A changed configuration file takes effect without a restart (upstream needs one); a broken one is refused.
TEST_F(RouterPlugins, ConfigurationReloads) {
  start({{}, {}, {}}, score_only("random"));
  ASSERT_EQ(router.chat("m", "x").status, 200);
  EXPECT_NE(router.metrics().find("plugin=\"random\""), std::string::npos);
  write_text(dir.path() / "config.yaml",
             "scheduler:\n  plugins:\n    Filter:\n      enabled: [least-request]\n    Score:\n      enabled:\n"
             "      - {name: least-request, weight: 1}\n");
  bool reloaded = false;
  for (int i = 0; i < 60 && !reloaded; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    reloaded = router.process->errors().find("router configuration") != std::string::npos &&
               router.process->errors().find("reloaded") != std::string::npos;
  }
  ASSERT_TRUE(reloaded) << router.process->errors();
  ASSERT_EQ(router.chat("m", "y").status, 200);
  EXPECT_NE(router.metrics().find("plugin=\"least-request\",type=\"filter\""), std::string::npos);

  write_text(dir.path() / "config.yaml", "scheduler:\n  pluginConfig:\n  - invalid\n");
  EXPECT_TRUE(router.process->wait_for("plugin configuration must be a mapping")) << router.process->errors();
  EXPECT_EQ(router.chat("m", "z").status, 200) << "the last good configuration stays";
}

}  // namespace
}  // namespace kthena::testing
