// The AutoscalingPolicy mutating defaults (spec kthena-workload.md §1.5): which parts of `behavior` are filled, and
// with what, for the shapes a YAML manifest, a Go client and the CRD defaults produce.
#include <gtest/gtest.h>

#include "api/validation/autoscaling_policy_defaults.h"
#include "api/validation/webhooks.h"

namespace kthena::api {
namespace {

Json policy(Json spec) {
  return {{"apiVersion", "workload.serving.volcano.sh/v1alpha1"},
          {"kind", "AutoscalingPolicy"},
          {"metadata", {{"name", "p"}}},
          {"spec", std::move(spec)}};
}

Json mutated(Json spec) {
  Json object = policy(std::move(spec));
  default_autoscaling_policy(object);
  return object["spec"];
}

const Json kStable = Json::parse(
    R"({"instances": 4, "percent": 100, "period": "1m0s", "selectPolicy": "Or", "stabilizationWindow": "0s"})");
const Json kPanic =
    Json::parse(R"({"percent": 0, "period": "0s", "panicThresholdPercent": 200, "panicModeHold": "0s"})");
const Json kScaleDown = Json::parse(
    R"({"instances": 0, "percent": 100, "period": "1m0s", "selectPolicy": "Or", "stabilizationWindow": "5m0s"})");

TEST(AutoscalingPolicyDefaults, IsTheRegisteredMutatingWebhook) {
  EXPECT_EQ(find_webhooks("workload.serving.volcano.sh", "AutoscalingPolicy").mutate, &default_autoscaling_policy);
}

TEST(AutoscalingPolicyDefaults, MissingBehaviorGetsTheWholeDefault) {
  Json spec = mutated({{"metrics", Json::array()}});
  EXPECT_EQ(spec["behavior"]["scaleUp"]["stablePolicy"], kStable);
  EXPECT_EQ(spec["behavior"]["scaleUp"]["panicPolicy"], kPanic);
  EXPECT_EQ(spec["behavior"]["scaleDown"], kScaleDown);
}

TEST(AutoscalingPolicyDefaults, BehaviorOfEmptyObjectsCountsAsMissing) {
  // What a Go client sends when it sets nothing: the structs without omitempty, and panicPolicy.period "0s".
  Json spec = mutated(Json::parse(
      R"({"behavior": {"scaleUp": {"stablePolicy": {}, "panicPolicy": {"period": "0s"}}, "scaleDown": {"selectPolicy": ""}}})"));
  EXPECT_EQ(spec["behavior"]["scaleUp"]["stablePolicy"], kStable);
  EXPECT_EQ(spec["behavior"]["scaleDown"], kScaleDown);
}

TEST(AutoscalingPolicyDefaults, CrdDefaultedScaleDownOnlyGetsItsWindow) {
  // The CRD defaults filled scaleDown; the webhook adds the stabilization window and then the whole scaleUp.
  Json spec = mutated(Json::parse(
      R"({"behavior": {"scaleDown": {"instances": 1, "percent": 100, "period": "15s", "selectPolicy": "Or"}}})"));
  EXPECT_EQ(spec["behavior"]["scaleDown"]["stabilizationWindow"], "5m");
  EXPECT_EQ(spec["behavior"]["scaleDown"]["instances"], 1);
  EXPECT_EQ(spec["behavior"]["scaleUp"]["stablePolicy"], kStable);
  EXPECT_EQ(spec["behavior"]["scaleUp"]["panicPolicy"], kPanic);
}

TEST(AutoscalingPolicyDefaults, ExistingWindowsAreKept) {
  Json input = Json::parse(R"({"behavior": {
      "scaleDown": {"instances": 1, "stabilizationWindow": "3m"},
      "scaleUp": {"stablePolicy": {"instances": 2, "stabilizationWindow": "30s"}, "panicPolicy": {"percent": 50}}}})");
  EXPECT_EQ(mutated(input), input);
}

TEST(AutoscalingPolicyDefaults, PartialScaleUpGetsTheMissingParts) {
  Json spec = mutated(Json::parse(R"({"behavior": {
      "scaleDown": {"instances": 1, "stabilizationWindow": "3m"},
      "scaleUp": {"stablePolicy": {"instances": 2}}}})"));
  EXPECT_EQ(spec["behavior"]["scaleUp"]["stablePolicy"]["stabilizationWindow"], "0s");
  EXPECT_EQ(spec["behavior"]["scaleUp"]["stablePolicy"]["instances"], 2);
  EXPECT_EQ(spec["behavior"]["scaleUp"]["panicPolicy"], kPanic);
  EXPECT_EQ(spec["behavior"]["scaleDown"]["stabilizationWindow"], "3m");
}

TEST(AutoscalingPolicyDefaults, EmptyStablePolicyIsReplaced) {
  Json spec = mutated(Json::parse(R"({"behavior": {
      "scaleDown": {"stabilizationWindow": "1m"},
      "scaleUp": {"stablePolicy": {}, "panicPolicy": {"percent": 10}}}})"));
  EXPECT_EQ(spec["behavior"]["scaleUp"]["stablePolicy"], kStable);
  EXPECT_EQ(spec["behavior"]["scaleUp"]["panicPolicy"], Json::parse(R"({"percent": 10})"));
}

TEST(AutoscalingPolicyDefaults, LeavesWhatItCannotInterpretToValidation) {
  Json object = policy("not an object");
  default_autoscaling_policy(object);
  EXPECT_EQ(object["spec"], "not an object");
  Json no_spec = {{"kind", "AutoscalingPolicy"}};
  default_autoscaling_policy(no_spec);
  EXPECT_FALSE(no_spec.contains("spec"));
  Json bad_behavior = policy({{"behavior", 3}});
  default_autoscaling_policy(bad_behavior);
  EXPECT_EQ(bad_behavior["spec"]["behavior"], 3);
}

}  // namespace
}  // namespace kthena::api
