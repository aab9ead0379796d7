// The schema-level rules we added for v0.2.0 manifests (CEL in src/api/schemas/workload.yaml and the optional
// ModelServer workloadPort), through full admission: each with an accepted and a rejected case.
#include <gtest/gtest.h>

#include "api/admission.h"
#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

std::string admission_errors(const Json& object) {
  auto admitted = admit(KindRegistry::builtin(), object, nullptr);
  if (!admitted) return admitted.error().to_string();
  return render(admitted->errors);
}

void run_admission_case(const Json& base, const WebhookCase& c) {
  SCOPED_TRACE(c.name);
  std::string text = admission_errors(apply_edits(base, c.edits));
  if (c.expect.empty()) {
    EXPECT_EQ(text, "");
    return;
  }
  for (const std::string& want : c.expect)
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want << "\ngot:\n" << text;
}

Json booster() {
  return Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "ModelBooster",
    "metadata": {"name": "demo", "namespace": "default"},
    "spec": {"backend": {"name": "backend1", "type": "vLLM", "modelURI": "hf://Qwen/Qwen2.5-0.5B-Instruct",
      "cacheURI": "hostpath:///tmp/cache", "replicas": 1, "workers": [{"type": "server", "pods": 1}]}}})");
}

const Edit kNoReplicas{"/spec/backend/replicas", removed()};
const Json kV020Policy =
    Json::parse(R"({"metrics": [{"metricName": "kthena:num_requests_waiting", "targetValue": 10}]})");

class BoosterCompatRule : public ::testing::TestWithParam<WebhookCase> {};
TEST_P(BoosterCompatRule, Admission) {
  run_admission_case(booster(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    ModelBooster, BoosterCompatRule,
    ::testing::ValuesIn(std::vector<WebhookCase>{
        {"HEAD replicas", {}, {}},
        {"v0.2.0 min and max", {kNoReplicas, {"/spec/backend/minReplicas", 1}, {"/spec/backend/maxReplicas", 2}}, {}},
        {"neither replicas nor minReplicas",
         {kNoReplicas},
         {"spec.backend.replicas: Required value: replicas is required"}},
        {"minReplicas without maxReplicas",
         {kNoReplicas, {"/spec/backend/minReplicas", 1}},
         {"spec.backend.maxReplicas: Invalid value", "minReplicas and maxReplicas must be set together"}},
        {"minReplicas above maxReplicas",
         {kNoReplicas, {"/spec/backend/minReplicas", 3}, {"/spec/backend/maxReplicas", 2}},
         {"spec.backend.minReplicas: Invalid value", "minReplicas must not be greater than maxReplicas"}},
        {"replicas within the bounds", {{"/spec/backend/minReplicas", 1}, {"/spec/backend/maxReplicas", 2}}, {}},
        {"replicas outside the bounds",
         {{"/spec/backend/replicas", 5}, {"/spec/backend/minReplicas", 1}, {"/spec/backend/maxReplicas", 2}},
         {"spec.backend.replicas: Invalid value", "replicas must be within [minReplicas, maxReplicas]"}},
        {"v0.2.0 autoscaling policy",
         {kNoReplicas,
          {"/spec/backend/minReplicas", 0},
          {"/spec/backend/maxReplicas", 1},
          {"/spec/autoscalingPolicy", kV020Policy}},
         {}},
        {"autoscaling policy without bounds",
         {{"/spec/autoscalingPolicy", kV020Policy}},
         {"spec.autoscalingPolicy: Invalid value",
          "autoscalingPolicy requires backend.minReplicas and backend.maxReplicas"}},
        {"autoscaling policy without metrics",
         {kNoReplicas,
          {"/spec/backend/minReplicas", 0},
          {"/spec/backend/maxReplicas", 1},
          {"/spec/autoscalingPolicy", Json::object()}},
         {"spec.autoscalingPolicy.metrics: Required value"}},
    }),
    param_name);

Json policy() {
  return Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "AutoscalingPolicy",
    "metadata": {"name": "p", "namespace": "default"},
    "spec": {"metrics": [{"name": "kthena:num_requests_waiting", "targetValue": 10}],
      "homogeneousTarget": {"target": {"targetRef": {"name": "ms"}}, "minReplicas": 1, "maxReplicas": 2}}})");
}

class PolicyCompatRule : public ::testing::TestWithParam<WebhookCase> {};
TEST_P(PolicyCompatRule, Admission) {
  run_admission_case(policy(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    AutoscalingPolicy, PolicyCompatRule,
    ::testing::ValuesIn(std::vector<WebhookCase>{
        {"name", {}, {}},
        {"v0.2.0 metricName", {{"/spec/metrics/0", {{"metricName", "m"}, {"targetValue", 1}}}}, {}},
        {"neither name nor metricName",
         {{"/spec/metrics/0", {{"targetValue", 1}}}},
         {"spec.metrics[0].name: Required value: metric name is required"}},
        {"both name and metricName",
         {{"/spec/metrics/0/metricName", "m"}},
         {"spec.metrics[0].metricName: Invalid value",
          "name and metricName (its v0.2.0 spelling) are mutually exclusive"}},
        {"v0.2.0 policy without target",
         {{"/spec/homogeneousTarget", removed()}, {"/spec/metrics/0", {{"metricName", "m"}, {"targetValue", 1}}}},
         {}},
    }),
    param_name);

Json server() {
  return Json::parse(R"({
    "apiVersion": "networking.serving.volcano.sh/v1alpha1", "kind": "ModelServer",
    "metadata": {"name": "s", "namespace": "default"},
    "spec": {"inferenceEngine": "SGLang", "workloadSelector": {"matchLabels": {"app": "x"}}}})");
}

TEST(ModelServerCompat, WorkloadPortIsDefaultedThroughAdmission) {
  auto admitted = admit(KindRegistry::builtin(), server(), nullptr);
  ASSERT_TRUE(admitted) << admitted.error().to_string();
  EXPECT_EQ(render(admitted->errors), "");
  EXPECT_EQ(admitted->object["spec"]["workloadPort"], Json::parse(R"({"port": 30000, "protocol": "http"})"));
}

TEST(ModelServerCompat, AnInvalidPortIsStillRejected) {
  Json s = server();
  s["spec"]["workloadPort"] = {{"port", 0}};
  EXPECT_NE(admission_errors(s).find("spec.workloadPort.port"), std::string::npos);
}

}  // namespace
}  // namespace kthena::api::testing
