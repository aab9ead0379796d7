#include "controllers/modelbooster/autoscaling_policy_builder.h"

#include <gtest/gtest.h>

#include "booster_fixtures.h"
#include "controllers/modelbooster/converter.h"

namespace kthena::controllers::modelbooster {
namespace {

using testing::pd_booster;
using testing::read_or_die;
using testing::vllm_booster;

// A v0.2.0 booster: minReplicas/maxReplicas instead of replicas, plus an optional spec.autoscalingPolicy.
Json v020_booster(int min, int max, const char* policy) {
  Json b = vllm_booster();
  Json& backend = b["spec"]["backend"];
  backend.erase("replicas");
  backend["minReplicas"] = min;
  backend["maxReplicas"] = max;
  if (policy != nullptr) b["spec"]["autoscalingPolicy"] = Json::parse(policy);
  return b;
}

constexpr const char* kPolicy = R"({"metrics": [{"metricName": "vllm:iteration_tokens_total", "targetValue": 10}]})";

TEST(ServingReplicasTest, CurrentBoostersUseReplicas) {
  auto replicas = serving_replicas(read_or_die(vllm_booster()));
  ASSERT_TRUE(replicas);
  EXPECT_EQ(*replicas, 1);
}

TEST(ServingReplicasTest, V020BoostersStartAtMinReplicasAndAtLeastOneWhenAutoscaled) {
  const std::tuple<int, const char*, int> cases[] = {
      {0, kPolicy, 1},  // the autoscaler cannot scale up from zero pods
      {3, kPolicy, 3},
      {0, nullptr, 0},  // nothing scales it: the user's minimum is taken as written
      {2, nullptr, 2},
  };
  for (const auto& [min, policy, expected] : cases) {
    auto replicas = serving_replicas(read_or_die(v020_booster(min, 5, policy)));
    ASSERT_TRUE(replicas);
    EXPECT_EQ(*replicas, expected) << min << (policy ? " with policy" : "");
  }
}

TEST(ServingReplicasTest, NeitherReplicasNorMinReplicasIsAnError) {
  Json b = vllm_booster();
  b["spec"]["backend"].erase("replicas");
  auto replicas = serving_replicas(read_or_die(b));
  ASSERT_FALSE(replicas);
  EXPECT_EQ(replicas.error().to_string(), "spec.backend.replicas: Required value");
}

TEST(AutoscalingPolicyTest, NoneWithoutASpecAutoscalingPolicy) {
  auto policy = build_autoscaling_policy(read_or_die(v020_booster(1, 2, nullptr)), BackendSettings{});
  ASSERT_TRUE(policy);
  EXPECT_FALSE(policy->has_value());
}

TEST(AutoscalingPolicyTest, OneHomogeneousPolicyOnTheGeneratedServing) {
  BackendSettings settings;
  settings.runtime_port = 8900;
  auto policy = build_autoscaling_policy(read_or_die(v020_booster(2, 4, kPolicy)), settings);
  ASSERT_TRUE(policy) << policy.error().to_string();
  ASSERT_TRUE(policy->has_value());
  const Json& p = **policy;
  EXPECT_EQ(p.at("apiVersion"), "workload.serving.volcano.sh/v1alpha1");
  EXPECT_EQ(p.at("kind"), "AutoscalingPolicy");
  EXPECT_EQ(p.at("metadata").at("name"), "demo-backend1");
  EXPECT_EQ(p.at("metadata").at("labels").at("workload.serving.volcano.sh/backend-name"), "backend1");
  EXPECT_EQ(p.at("spec"), Json::parse(R"({
      "metrics": [{"name": "vllm:iteration_tokens_total", "targetValue": 10}],
      "homogeneousTarget": {
        "target": {
          "targetRef": {"kind": "ModelServing", "name": "demo-backend1"},
          "metricSources": {"vllm:iteration_tokens_total": {"pod": {
              "labelSelector": {"matchLabels": {"modelserving.volcano.sh/role": "leader"}}, "port": 8900}}}},
        "minReplicas": 2,
        "maxReplicas": 4}})"));
}

TEST(AutoscalingPolicyTest, CarriesToleranceAndBehaviorAndRaisesAZeroMinimum) {
  auto policy = build_autoscaling_policy(read_or_die(v020_booster(0, 3, R"({"tolerancePercent": 20,
          "metrics": [{"metricName": "a", "targetValue": "500m"}, {"name": "b", "targetValue": 1}],
          "behavior": {"scaleDown": {"stabilizationWindow": "1m"}}})")),
                                         BackendSettings{});
  ASSERT_TRUE(policy) << policy.error().to_string();
  const Json& spec = (*policy)->at("spec");
  EXPECT_EQ(spec.at("tolerancePercent"), 20);
  EXPECT_EQ(spec.at("metrics"),
            Json::parse(R"([{"name": "a", "targetValue": "500m"}, {"name": "b", "targetValue": 1}])"));
  EXPECT_EQ(spec.at("behavior"), Json::parse(R"({"scaleDown": {"stabilizationWindow": "1m"}})"));
  EXPECT_EQ(spec.at("homogeneousTarget").at("minReplicas"), 1);
  EXPECT_EQ(spec.at("homogeneousTarget").at("target").at("metricSources").size(), 2u);
}

TEST(AutoscalingPolicyTest, DisaggregatedBackendsHaveNoLeaderSelector) {
  Json b = pd_booster();
  b["spec"]["backend"].erase("replicas");
  b["spec"]["backend"]["minReplicas"] = 1;
  b["spec"]["backend"]["maxReplicas"] = 2;
  b["spec"]["autoscalingPolicy"] = Json::parse(kPolicy);
  auto policy = build_autoscaling_policy(read_or_die(b), BackendSettings{});
  ASSERT_TRUE(policy);
  EXPECT_EQ((*policy)->at("spec").at("homogeneousTarget").at("target").at("metricSources"),
            Json::parse(R"({"vllm:iteration_tokens_total": {"pod": {"port": 8100}}})"));
}

TEST(AutoscalingPolicyTest, ErrorsNameTheField) {
  Json no_max = v020_booster(1, 2, kPolicy);
  no_max["spec"]["backend"].erase("maxReplicas");
  auto policy = build_autoscaling_policy(read_or_die(no_max), BackendSettings{});
  ASSERT_FALSE(policy);
  EXPECT_EQ(policy.error().field, "spec.backend.maxReplicas");

  policy = build_autoscaling_policy(read_or_die(v020_booster(1, 2, R"({"metrics": []})")), BackendSettings{});
  ASSERT_FALSE(policy);
  EXPECT_EQ(policy.error().field, "spec.autoscalingPolicy.metrics");

  policy = build_autoscaling_policy(read_or_die(v020_booster(1, 2, R"({"metrics": [{"metricName": "m"}]})")),
                                    BackendSettings{});
  ASSERT_FALSE(policy);
  EXPECT_EQ(policy.error().field, "spec.autoscalingPolicy.metrics[0].targetValue");
}

TEST(AutoscalingPolicyTest, ComesLastFromTheConverter) {
  auto out = ModelBoosterConverter::create()->convert(v020_booster(0, 1, kPolicy));
  ASSERT_TRUE(out) << out.error().to_string();
  const std::vector<Json> objects = out->in_order();
  ASSERT_EQ(objects.size(), 4u);
  EXPECT_EQ(objects[3].at("kind"), "AutoscalingPolicy");
  EXPECT_EQ(objects[0].at("spec").at("replicas"), 1);
}

}  // namespace
}  // namespace kthena::controllers::modelbooster
