#include "router/scheduler/scheduler_config.h"

#include <gtest/gtest.h>

#include "api/codec/yaml_decoder.h"
#include "router/scheduler/prefix_index.h"
#include "router/scheduler/scheduler.h"
#include "unit/api/conformance_dir.h"

namespace kthena::router {
namespace {

std::filesystem::path testdata(const char* ref, const char* path) {
  return testing::conformance_dir() / "kthena" / ref / "pkg/kthena-router" / path;
}

Result<RouterConfig> parse(std::string_view yaml) {
  auto doc = api::decode_document(yaml, "test.yaml");
  if (!doc) return fail(doc.error());
  return parse_router_config(*doc);
}

TEST(RouterConfigConformance, CanonicalSchedulerConfigLoads) {
  for (const char* ref : {"HEAD", "v0.2.0"}) {
    auto path = testdata(ref, "scheduler/testdata/configmap.yaml");
    KTHENA_REQUIRE_CONFORMANCE(path);
    auto config = load_router_config(path.string());
    ASSERT_TRUE(config) << config.error().to_string();
    const SchedulerConfig& s = config->scheduler;
    EXPECT_EQ(s.filters, (std::vector<std::string>{"least-request"}));
    ASSERT_EQ(s.scores.size(), 4u);
    std::vector<std::string> names;
    for (const auto& score : s.scores) {
      names.push_back(score.name);
      EXPECT_EQ(score.weight, 1);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"least-request", "gpu-usage", "least-latency", "prefix-cache"}));
    EXPECT_EQ(s.args_for("prefix-cache").get_int("maxHashCacheSize").value(), 50000);
    EXPECT_EQ(s.args_for("least-latency").get_double("TTFTTPOTWeightFactor").value(), 0.5);
    EXPECT_FALSE(config->auth);

    PluginEnv env;
    auto index = std::make_shared<PrefixIndex>(50000);
    env.prefix_index = [&](size_t) { return index; };
    auto scheduler = Scheduler::create(s, env);
    EXPECT_TRUE(scheduler) << scheduler.error().to_string();
  }
}

TEST(RouterConfigConformance, JwtOnlyConfigHasAuthAndNoPlugins) {
  auto path = testdata("HEAD", "utils/testdata/configmap-jwt.yaml");
  KTHENA_REQUIRE_CONFORMANCE(path);
  auto config = load_router_config(path.string());
  ASSERT_TRUE(config) << config.error().to_string();
  ASSERT_TRUE(config->auth);
  EXPECT_EQ(config->auth->issuer, "https://secure.istio.io");
  EXPECT_EQ(config->auth->audiences, (std::vector<std::string>{"matrixinfer.io"}));
  EXPECT_TRUE(config->scheduler.filters.empty());
  EXPECT_TRUE(config->scheduler.scores.empty());
}

TEST(RouterConfigConformance, InvalidAndMalformedConfigsFail) {
  auto invalid = testdata("HEAD", "utils/testdata/configmap-invalid.yaml");
  KTHENA_REQUIRE_CONFORMANCE(invalid);
  auto config = load_router_config(invalid.string());
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("plugin configuration must be a mapping"), std::string::npos)
      << config.error().to_string();
  EXPECT_NE(config.error().message.find("scheduler.pluginConfig[0]"), std::string::npos);

  auto malformed = testdata("HEAD", "utils/testdata/configmap-malformed.yaml");
  config = load_router_config(malformed.string());
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("failed to Unmarshal routerConfiguration"), std::string::npos)
      << config.error().to_string();

  config = load_router_config("/nonexistent/routerConfiguration.yaml");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("failed to read config file"), std::string::npos);
}

TEST(RouterConfig, NonFiniteLatencyWeightFailsAtLoad) {
  PluginEnv env;
  for (const char* value : {".nan", ".inf", "-.inf", "-0.1", "1.1"}) {
    auto config = parse(std::string(R"(
scheduler:
  pluginConfig:
  - name: least-latency
    args:
      TTFTTPOTWeightFactor: )") +
                        value + R"(
  plugins:
    Score:
      enabled:
      - name: least-latency
        weight: 1
)");
    ASSERT_TRUE(config) << config.error().to_string();
    auto scheduler = Scheduler::create(config->scheduler, env);
    ASSERT_FALSE(scheduler) << value;
    EXPECT_EQ(scheduler.error().field, "scheduler.pluginConfig[0].args.TTFTTPOTWeightFactor");
  }
}

TEST(RouterConfig, ScoreListRules) {
  auto config = parse(R"(
scheduler:
  plugins:
    Score:
      enabled:
      - {name: random, weight: 1}
      - {name: gpu-usage, weight: -3}
      - {name: least-request, weight: 1}
      - {name: least-request, weight: 4}
)");
  ASSERT_TRUE(config) << config.error().to_string();
  const auto& scores = config->scheduler.scores;
  ASSERT_EQ(scores.size(), 2u) << "random is dropped when combined with others";
  EXPECT_EQ(scores[0].name, "gpu-usage");
  EXPECT_EQ(scores[0].weight, 0) << "negative weights count as 0";
  EXPECT_EQ(scores[1].weight, 4) << "the last duplicate wins";
  EXPECT_EQ(config->warnings.size(), 1u);

  auto empty = parse("auth: {}\n");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->scheduler.scores.empty()) << "a file without a scheduler section enables no plugin";
  EXPECT_FALSE(empty->auth);
}

TEST(RouterConfig, DefaultsMatchUpstream) {
  RouterConfig d = default_router_config();
  EXPECT_EQ(d.scheduler.filters, (std::vector<std::string>{"least-request"}));
  ASSERT_EQ(d.scheduler.scores.size(), 3u);
  PluginEnv env;
  auto index = std::make_shared<PrefixIndex>(50000);
  env.prefix_index = [&](size_t) { return index; };
  EXPECT_TRUE(Scheduler::create(d.scheduler, env));
}

// Without Redis (REDIS_HOST unset) kvcache-aware has no block index and scores nothing: the pipeline tokenises no
// request for it (and so counts none as an unsupported engine).
TEST(RouterConfig, KvCacheAwareWithoutRedisAsksForNoTokens) {
  auto config = parse("scheduler:\n  plugins:\n    Score:\n      enabled:\n      - {name: kvcache-aware}\n");
  ASSERT_TRUE(config) << config.error().to_string();
  PluginEnv env;
  auto without = Scheduler::create(config->scheduler, env);
  ASSERT_TRUE(without) << without.error().to_string();
  EXPECT_EQ((*without)->kvcache(), nullptr);

  auto index = std::make_shared<KvBlockIndex>();
  env.kv_block_index = [&] { return index; };
  auto with = Scheduler::create(config->scheduler, env);
  ASSERT_TRUE(with) << with.error().to_string();
  EXPECT_NE((*with)->kvcache(), nullptr);
}

}  // namespace
}  // namespace kthena::router
