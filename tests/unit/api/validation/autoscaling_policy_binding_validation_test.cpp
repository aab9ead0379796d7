// The rules of v0.2.0's AutoscalingPolicyBinding (spec kthena-workload.md §1.6).
#include <gtest/gtest.h>

#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

Json base() {
  return Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "AutoscalingPolicyBinding",
    "metadata": {"name": "test-model-backend1", "namespace": "default"},
    "spec": {"policyRef": {"name": "test-model"},
      "homogeneousTarget": {"minReplicas": 0, "maxReplicas": 1, "target": {
        "targetRef": {"kind": "ModelServing", "name": "test-model-backend1"},
        "metricEndpoint": {"uri": "/metrics", "port": 8100,
          "labelSelector": {"matchLabels": {"modelserving.volcano.sh/role": "leader"}}}}}}})");
}

Json heterogeneous() {
  return Json::parse(R"({"costExpansionRatePercent": 200, "params": [
    {"minReplicas": 0, "maxReplicas": 2, "cost": 0, "target": {"targetRef": {"kind": "ModelServing", "name": "a"}}},
    {"minReplicas": 0, "maxReplicas": 1, "cost": 0, "target": {"targetRef": {"kind": "ModelServing", "name": "b"}}}]})");
}

const Edit kHeterogeneous{"/spec/heterogeneousTarget", heterogeneous()};
const Edit kNoHomogeneous{"/spec/homogeneousTarget", removed()};

class AutoscalingPolicyBindingWebhook : public ::testing::TestWithParam<WebhookCase> {};

TEST_P(AutoscalingPolicyBindingWebhook, Rule) {
  run_case("workload.serving.volcano.sh", "AutoscalingPolicyBinding", base(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    AutoscalingPolicyBinding, AutoscalingPolicyBindingWebhook,
    ::testing::ValuesIn(std::vector<WebhookCase>{
        {"v0.2.0 scaling binding", {}, {}},
        {"v0.2.0 optimizing binding", {kNoHomogeneous, kHeterogeneous}, {}},
        {"no policy name",
         {{"/spec/policyRef/name", ""}},
         {"spec.policyRef.name: Required value: policyRef.name must be set"}},
        {"target of another kind",
         {{"/spec/homogeneousTarget/target/targetRef/kind", "Deployment"}},
         {"spec.homogeneousTarget.target.targetRef.kind: Invalid value: \"Deployment\": "
          "homogeneousTarget.targetRef.kind "
          "must be ModelServing, but got Deployment"}},
        {"target without name",
         {{"/spec/homogeneousTarget/target/targetRef/name", removed()}},
         {"spec.homogeneousTarget.target.targetRef.name: Invalid value: \"\": homogeneousTarget.targetRef.name must be "
          "set, but got empty"}},
        {"role sub-target",
         {{"/spec/homogeneousTarget/target/subTargets", {{"kind", "Role"}, {"name", "decode"}}}},
         {}},
        {"sub-target of another kind",
         {{"/spec/homogeneousTarget/target/subTargets", {{"kind", "Pod"}, {"name", "decode"}}}},
         {"spec.homogeneousTarget.target.subTargets.kind: Invalid value: \"Pod\": "
          "homogeneousTarget.targetRef.subTarget.kind "
          "must be `Role`, but got Pod"}},
        {"sub-target without name",
         {{"/spec/homogeneousTarget/target/subTargets", {{"kind", "Role"}}}},
         {"spec.homogeneousTarget.target.subTargets.name"}},
        {"bounds inverted",
         {{"/spec/homogeneousTarget/minReplicas", 2}},
         {"spec.homogeneousTarget.minReplicas: Invalid value: 2: minReplicas must be <= maxReplicas"}},
        {"heterogeneous param with a sub-target",
         {kNoHomogeneous,
          kHeterogeneous,
          {"/spec/heterogeneousTarget/params/1/target/subTargets", {{"kind", "Role"}, {"name", "x"}}}},
         {"spec.heterogeneousTarget.params[1].target.subTargets: Invalid value: {\"kind\":\"Role\",\"name\":\"x\"}: "
          "heterogeneousTarget.params[].targetRef.subTarget must be empty"}},
        {"heterogeneous param of another kind",
         {kNoHomogeneous, kHeterogeneous, {"/spec/heterogeneousTarget/params/0/target/targetRef/kind", "StatefulSet"}},
         {"spec.heterogeneousTarget.params[0].target.targetRef.kind"}},
        {"heterogeneous bounds inverted",
         {kNoHomogeneous, kHeterogeneous, {"/spec/heterogeneousTarget/params/0/minReplicas", 3}},
         {"spec.heterogeneousTarget.params[0].minReplicas: Invalid value: 3: minReplicas must be <= maxReplicas"}},
    }),
    param_name);

}  // namespace
}  // namespace kthena::api::testing
