#include "router/scheduler/scheduler.h"

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "router/endpoints/passive_health.h"
#include "router/scheduler/prefix_index.h"
#include "unit/router/endpoint_fixture.h"

namespace kthena::router {
namespace {

struct SchedulerTest : ::testing::Test {
  testing::EndpointFixture pods;
  Rng rng{1};
  SchedulingScratch scratch;
  SchedulingContext ctx;
  PluginEnv env;
  std::shared_ptr<PrefixIndex> index = std::make_shared<PrefixIndex>(1000);

  void SetUp() override {
    ctx.rng = &rng;
    ctx.scratch = &scratch;
    ctx.model = "m";
    ctx.prompt = "hello";
    env.prefix_index = [this](size_t) { return index; };
  }
  std::shared_ptr<const Scheduler> make(SchedulerConfig config) {
    auto s = Scheduler::create(config, env);
    EXPECT_TRUE(s) << s.error().to_string();
    return *s;
  }
};

TEST_F(SchedulerTest, BestFirstAndTopFive) {
  for (int i = 0; i < 8; ++i) pods.add("p" + std::to_string(i)).stats->in_flight = i;
  SchedulerConfig config;
  config.scores = {{"least-request", 1, ""}};
  auto s = make(config);
  ScheduleResult out;
  ASSERT_TRUE(s->schedule(ctx, pods.all(), out));
  ASSERT_EQ(out.best_count, kTopN);
  for (size_t i = 0; i < kTopN; ++i) EXPECT_EQ(out.best[i]->name(), "p" + std::to_string(i));
}

TEST_F(SchedulerTest, TiesAreSpreadRandomly) {
  for (int i = 0; i < 3; ++i) pods.add("p" + std::to_string(i));
  SchedulerConfig config;
  config.scores = {{"least-request", 1, ""}};
  auto s = make(config);
  std::map<std::string, int> first;
  ScheduleResult out;
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE(s->schedule(ctx, pods.all(), out));
    ++first[out.best[0]->name()];
  }
  for (const auto& [name, n] : first) EXPECT_NEAR(n, 1000, 150) << name;
}

// Records what the scheduler measured, in order.
struct RecordingObserver : SchedulerObserver {
  std::vector<std::pair<std::string, double>> durations;
  void plugin_duration(std::string_view, std::string_view plugin, PluginKind, double seconds) override {
    durations.emplace_back(std::string(plugin), seconds);
  }
  void prefix_match_ratio(std::string_view, double) override {}
  void kvcache_match_ratio(std::string_view, double) override {}
  void kvcache_duration(std::string_view, KvStage, double) override {}
  void kvcache_error(std::string_view, KvStage) override {}
};

TEST_F(SchedulerTest, PluginsAreTimedOneAfterAnotherFromTheCallersMark) {
  for (int i = 0; i < 4; ++i) pods.add("p" + std::to_string(i));
  SchedulerConfig config;
  config.filters = {"least-request"};
  config.scores = {{"least-request", 1, ""}, {"random", 1, ""}};
  auto s = make(config);
  RecordingObserver observer;
  ctx.observer = &observer;
  auto mark = std::chrono::steady_clock::now() - std::chrono::milliseconds(5);
  ctx.clock_mark = mark;
  ScheduleResult out;
  ASSERT_TRUE(s->schedule(ctx, pods.all(), out));
  ASSERT_EQ(observer.durations.size(), 3u);
  EXPECT_EQ(observer.durations[0].first, "least-request");
  EXPECT_EQ(observer.durations[2].first, "random");
  // The first plugin is timed from the caller's mark (5 ms ago); the mark ends where the last plugin ended, so the
  // durations add up to the time it moved.
  EXPECT_GE(observer.durations[0].second, 0.005);
  double sum = 0;
  for (const auto& [plugin, seconds] : observer.durations) {
    EXPECT_GE(seconds, 0) << plugin;
    sum += seconds;
  }
  EXPECT_NEAR(sum, std::chrono::duration<double>(ctx.clock_mark - mark).count(), 1e-9);

  // A caller that set no mark: the scheduler takes one itself, so no plugin is timed from the clock's epoch.
  observer.durations.clear();
  ctx.clock_mark = {};
  ASSERT_TRUE(s->schedule(ctx, pods.all(), out));
  ASSERT_EQ(observer.durations.size(), 3u);
  EXPECT_LT(observer.durations[0].second, 1.0);
}

TEST_F(SchedulerTest, FilterThatEmptiesFails) {
  pods.add("a").stats->waiting = 50;
  SchedulerConfig config;
  config.filters = {"least-request"};
  config.scores = {{"least-request", 1, ""}};
  auto s = make(config);
  ScheduleResult out;
  auto r = s->schedule(ctx, pods.all(), out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "pods have all been filtered out by \"least-request\"");
}

// Ejected pods are skipped while others serve, and are the last resort when the filters leave none of the others:
// the router under load in the sanitizer build once took an idle pod out after slow scrapes, and the two busy pods
// left were filtered out, which turned a servable request into a 400.
TEST_F(SchedulerTest, EjectedPodsAreALastResortNotAnExclusion) {
  pods.add("busy-0").stats->waiting = 50;
  pods.add("busy-1").stats->waiting = 50;
  Endpoint& idle = pods.add("idle");
  pods.add("ready");
  SchedulerConfig config;
  config.filters = {"least-request"};
  config.scores = {{"least-request", 1, ""}};
  auto s = make(config);
  eject(*pods[3].stats, EjectionReason::kConnectFailure, CoarseClock::now());
  ScheduleResult out;
  ASSERT_TRUE(s->schedule(ctx, pods.all(), out));
  ASSERT_EQ(out.best_count, 1u);
  EXPECT_EQ(out.best[0]->name(), "idle") << "the ejected pod is skipped while another serves";
  idle.stats->scrape_unhealthy = true;  // now the only pods the filter keeps are out
  ASSERT_TRUE(s->schedule(ctx, pods.all(), out));
  ASSERT_EQ(out.best_count, 2u);
  EXPECT_TRUE((out.best[0]->name() == "idle" && out.best[1]->name() == "ready") ||
              (out.best[0]->name() == "ready" && out.best[1]->name() == "idle"));
}

TEST_F(SchedulerTest, NoScorePluginsMeansNoCandidates) {
  pods.add("a");
  auto s = make(SchedulerConfig{});
  ScheduleResult out;
  ASSERT_TRUE(s->schedule(ctx, pods.all(), out));
  EXPECT_EQ(out.best_count, 0u);
}

TEST_F(SchedulerTest, WeightsCombine) {
  auto& a = pods.add("a");
  auto& b = pods.add("b");
  a.stats->in_flight = 0;
  a.stats->gpu_cache_usage = 0.9;  // least-request 100, gpu 10
  b.stats->in_flight = 1;
  b.stats->gpu_cache_usage = 0.0;  // least-request 0, gpu 100
  SchedulerConfig config;
  config.scores = {{"least-request", 1, ""}, {"gpu-usage", 3, ""}};
  ScheduleResult out;
  ASSERT_TRUE(make(config)->schedule(ctx, pods.all(), out));
  EXPECT_EQ(out.best[0]->name(), "b");
  config.scores = {{"least-request", 3, ""}, {"gpu-usage", 1, ""}};
  ASSERT_TRUE(make(config)->schedule(ctx, pods.all(), out));
  EXPECT_EQ(out.best[0]->name(), "a");
}

TEST_F(SchedulerTest, UnknownPluginNamesItsField) {
  SchedulerConfig config;
  config.scores = {{"least-reqest", 1, "scheduler.plugins.Score.enabled[2]"}};
  auto s = Scheduler::create(config, env);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().to_string(), "scheduler.plugins.Score.enabled[2]: unknown plugin \"least-reqest\"");
  config.scores.clear();
  config.filters = {"gpu-usage"};
  EXPECT_FALSE(Scheduler::create(config, env));
}

TEST_F(SchedulerTest, PrefillDecodePairs) {
  // Group g1: decode d1, prefill p1 (busy) and p2; group g2: decode d2, no prefill.
  auto& d1 = pods.add("d1");
  auto& d2 = pods.add("d2");
  auto& p1 = pods.add("p1");
  auto& p2 = pods.add("p2");
  p1.stats->in_flight = 3;
  d2.stats->in_flight = 1;
  ModelServerEntry server;
  server.pd = true;
  server.groups = {{"g1", {&p1, &p2}, {&d1}}, {"g2", {}, {&d2}}};
  server.decode = {&d1, &d2};
  server.decode_group = {0, 1};
  SchedulerConfig config;
  config.scores = {{"least-request", 1, ""}};
  auto s = make(config);
  ScheduleResult out;
  ASSERT_TRUE(s->schedule_pd(ctx, server, out));
  ASSERT_EQ(out.pair_count, 2u);
  EXPECT_EQ(out.decode[0], &d1);
  EXPECT_EQ(out.prefill[0], &p2);
  EXPECT_EQ(out.decode[1], &d2);
  EXPECT_EQ(out.prefill[1], nullptr);

  server.groups[0].prefill.clear();
  auto r = s->schedule_pd(ctx, server, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no valid prefill-decode pod pairs found");
  server.decode.clear();
  r = s->schedule_pd(ctx, server, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no decode pod found");
}

}  // namespace
}  // namespace kthena::router
