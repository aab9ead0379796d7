#include <gtest/gtest.h>

#include "router/scheduler/plugins/gpu_usage.h"
#include "router/scheduler/plugins/least_latency.h"
#include "router/scheduler/plugins/least_request.h"
#include "router/scheduler/plugins/lora_affinity.h"
#include "router/scheduler/plugins/random_score.h"
#include "unit/router/endpoint_fixture.h"

namespace kthena::router {
namespace {

struct PluginTest : ::testing::Test {
  testing::EndpointFixture pods;
  Rng rng{42};
  SchedulingScratch scratch;
  SchedulingContext ctx;
  PluginEnv env;

  void SetUp() override {
    ctx.rng = &rng;
    ctx.scratch = &scratch;
    ctx.model = "m";
  }
  std::vector<int32_t> score(const ScorePlugin& p) {
    std::vector<int32_t> out(pods.all().size(), kNoScore);
    p.score(ctx, pods.all(), out);
    return out;
  }
};

// The table of upstream's least_request_test.go (kthena-router.md §4.3).
TEST_F(PluginTest, LeastRequestScores) {
  LeastRequest plugin(10);
  for (int i = 0; i < 3; ++i) pods.add("p" + std::to_string(i));
  auto set = [&](std::vector<std::pair<int, int>> v) {
    for (size_t i = 0; i < v.size(); ++i) {
      pods[i].stats->in_flight = v[i].first;
      pods[i].stats->running = v[i].second;
    }
  };
  set({{0, 0}, {0, 0}, {0, 0}});
  EXPECT_EQ(score(plugin), (std::vector<int32_t>{100, 100, 100}));
  set({{0, 0}, {10, 0}, {5, 0}});
  EXPECT_EQ(score(plugin), (std::vector<int32_t>{100, 0, 50}));
  set({{1, 0}, {2, 0}, {3, 0}});
  EXPECT_EQ(score(plugin), (std::vector<int32_t>{66, 33, 0}));
  set({{5, 5}, {5, 0}, {0, 0}});
  EXPECT_EQ(score(plugin), (std::vector<int32_t>{99, 0, 100}));
}

TEST_F(PluginTest, LeastRequestFilterAndArgs) {
  pods.add("a").stats->waiting = 9;
  pods.add("b").stats->waiting = 10;
  auto created = LeastRequest::create(PluginArgs(Json{{"MAXWAITINGREQUESTS", 10}}, "args"), env);
  ASSERT_TRUE(created);
  std::vector<const Endpoint*> kept;
  created->filter->filter(ctx, pods.all(), kept);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0]->name(), "a");
  auto zero = LeastRequest::create(PluginArgs(Json{{"maxWaitingRequests", 0}}, "args"), env);
  ASSERT_TRUE(zero);
  kept.clear();
  zero->filter->filter(ctx, pods.all(), kept);
  EXPECT_EQ(kept.size(), 1u) << "0 means the default of 10";
  auto bad = LeastRequest::create(PluginArgs(Json{{"maxWaitingRequests", "x"}}, "scheduler.pluginConfig[0].args"), env);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "scheduler.pluginConfig[0].args.maxWaitingRequests");
}

TEST_F(PluginTest, LeastLatency) {
  auto& a = pods.add("a");
  auto& b = pods.add("b");
  auto& c = pods.add("c");
  a.stats->ttft = 0.1;
  a.stats->tpot = 0.01;
  b.stats->ttft = 0.3;
  b.stats->tpot = 0.03;
  (void)c;  // unmeasured
  LeastLatency half(0.5);
  EXPECT_EQ(score(half), (std::vector<int32_t>{100, 0, 50}));
  b.stats->ttft = 0.1;
  b.stats->tpot = 0.03;
  LeastLatency only_ttft(1.0);
  EXPECT_EQ(score(only_ttft), (std::vector<int32_t>{100, 100, 50})) << "identical TTFT scores 100";
  LeastLatency only_tpot(0.0);
  EXPECT_EQ(score(only_tpot), (std::vector<int32_t>{100, 0, 50}));
  b.stats->ttft = -1;
  EXPECT_EQ(score(half), (std::vector<int32_t>{100, 50, 50})) << "a negative latency is unmeasured";
  for (double bad : {std::nan(""), double(INFINITY), -double(INFINITY), -0.1, 1.1}) {
    auto r = LeastLatency::create(PluginArgs(Json{{"TTFTTPOTWeightFactor", bad}}, "args"), env);
    EXPECT_FALSE(r) << bad;
  }
  EXPECT_TRUE(LeastLatency::create(PluginArgs(Json::object(), "args"), env));
}

TEST_F(PluginTest, GpuUsageRandomLora) {
  pods.add("a").stats->gpu_cache_usage = 0.25;
  pods.add("b").stats->gpu_cache_usage = 0.9;
  EXPECT_EQ(score(GpuUsage()), (std::vector<int32_t>{75, 9}));
  RandomScore random;
  for (int i = 0; i < 200; ++i) {
    for (int32_t s : score(random)) {
      EXPECT_GE(s, 0);
      EXPECT_LE(s, 100);
    }
  }
  pods[0].models = {"base", "lora-A"};
  pods[1].models = {"base"};
  ctx.model = "lora-A";
  std::vector<const Endpoint*> kept;
  LoraAffinity().filter(ctx, pods.all(), kept);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0]->name(), "a");
}

}  // namespace
}  // namespace kthena::router
