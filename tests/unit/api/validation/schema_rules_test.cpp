// Upstream's schema-level rules as our schemas carry them (src/api/schemas), through full admission: CEL rules
// (transition rules with an old object), defaults, enums, patterns and bounds, each with an accepted and a
// rejected case.
#include <gtest/gtest.h>

#include "api/admission.h"
#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

struct RuleCase {
  WebhookCase c;
  std::vector<Edit> old_edits;  // non-empty: an update from base+old_edits
};

void PrintTo(const RuleCase& r, std::ostream* os) {
  *os << r.c.name;
}

std::string rule_param_name(const ::testing::TestParamInfo<RuleCase>& info) {
  std::string out;
  for (char ch : info.param.c.name) out.push_back(std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
  return out;
}

void run(const Json& base, const RuleCase& r) {
  SCOPED_TRACE(r.c.name);
  Json object = apply_edits(base, r.c.edits);
  std::optional<Json> old;
  if (!r.old_edits.empty()) old = apply_edits(base, r.old_edits);
  auto admitted = admit(KindRegistry::builtin(), object, old ? &*old : nullptr);
  ASSERT_TRUE(admitted) << admitted.error().to_string();
  std::string text = render(admitted->errors);
  if (r.c.expect.empty()) {
    EXPECT_EQ(text, "");
    return;
  }
  for (const std::string& want : r.c.expect)
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want << "\ngot:\n" << text;
}

const Edit kSame{"/metadata/labels", {{"unchanged", "true"}}};

Json serving() {
  return Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "ModelServing",
    "metadata": {"name": "ms", "namespace": "default"},
    "spec": {"template": {"roles": [{"name": "prefill", "replicas": 2, "workerReplicas": 0,
      "entryTemplate": {"spec": {"containers": [{"name": "engine", "image": "vllm/vllm-openai:latest"}]}}}]}}})");
}

class ModelServingSchemaRule : public ::testing::TestWithParam<RuleCase> {};
TEST_P(ModelServingSchemaRule, Admission) {
  run(serving(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    ModelServing, ModelServingSchemaRule,
    ::testing::ValuesIn(std::vector<RuleCase>{
        {{"unique roles",
          {{"/spec/template/roles/1", serving()["spec"]["template"]["roles"][0]},
           {"/spec/template/roles/1/name", "decode"}},
          {}},
         {}},
        {{"duplicate roles",
          {{"/spec/template/roles/1", serving()["spec"]["template"]["roles"][0]}},
          {"spec.template.roles: Invalid value", "roles name must be unique"}},
         {}},
        {{"five roles",
          {{"/spec/template/roles", Json::array({1, 2, 3, 4, 5})}},
          {"spec.template.roles: Too many: 5: must have at most 4 items"}},
         {}},
        {{"role name too long",
          {{"/spec/template/roles/0/name", "abcdefghijklm"}},
          {"spec.template.roles[0].name: Too long"}},
         {}},
        {{"gangPolicy kept", {{"/spec/template/gangPolicy", {{"minRoleReplicas", {{"prefill", 1}}}}}}, {}},
         {{"/spec/template/gangPolicy", {{"minRoleReplicas", {{"prefill", 1}}}}}}},
        {{"gangPolicy dropped on update", {kSame}, {"spec.template: Invalid value", "gangPolicy is required once set"}},
         {{"/spec/template/gangPolicy", {{"minRoleReplicas", {{"prefill", 1}}}}}}},
        {{"minRoleReplicas changed on update",
          {{"/spec/template/gangPolicy", {{"minRoleReplicas", {{"prefill", 2}}}}}},
          {"spec.template.gangPolicy.minRoleReplicas: Invalid value", "minRoleReplicas is immutable"}},
         {{"/spec/template/gangPolicy", {{"minRoleReplicas", {{"prefill", 1}}}}}}},
        {{"unknown recovery policy",
          {{"/spec/recoveryPolicy", "Restart"}},
          {"spec.recoveryPolicy: Unsupported value: \"Restart\""}},
         {}},
        {{"unknown network topology mode",
          {{"/spec/template/networkTopology", {{"groupPolicy", {{"mode", "strict"}}}}}},
          {"spec.template.networkTopology.groupPolicy.mode: Unsupported value"}},
         {}},
    }),
    rule_param_name);

TEST(ModelServingSchemaDefaults, FillUpstreamsDefaults) {
  Json object = serving();
  object["spec"]["rolloutStrategy"] = {{"rollingUpdateConfiguration", Json::object()}};
  object["spec"]["template"]["networkTopology"] = {{"groupPolicy", Json::object()}};
  auto admitted = admit(KindRegistry::builtin(), object, nullptr);
  ASSERT_TRUE(admitted && admitted->ok()) << (admitted ? render(admitted->errors) : admitted.error().to_string());
  const Json& spec = admitted->object["spec"];
  EXPECT_EQ(spec["replicas"], 1);
  EXPECT_EQ(spec["schedulerName"], "volcano");
  EXPECT_EQ(spec["recoveryPolicy"], "RoleRecreate");
  EXPECT_EQ(spec["rolloutStrategy"]["type"], "ServingGroupRollingUpdate");
  EXPECT_EQ(spec["rolloutStrategy"]["rollingUpdateConfiguration"]["maxUnavailable"], 1);
  EXPECT_EQ(spec["template"]["restartGracePeriodSeconds"], 0);
  EXPECT_EQ(spec["template"]["networkTopology"]["groupPolicy"]["mode"], "hard");
  EXPECT_EQ(spec["template"]["roles"][0]["maxUnavailable"], 1);
  EXPECT_EQ(spec["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][0].count("ports"), 0u);
}

Json booster() {
  return Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "ModelBooster",
    "metadata": {"name": "demo", "namespace": "default"},
    "spec": {"backend": {"name": "backend1", "type": "vLLM", "modelURI": "hf://Qwen/Qwen2.5-0.5B-Instruct",
      "cacheURI": "hostpath:///tmp/cache", "replicas": 1, "workers": [{"pods": 1}]}}})");
}

class ModelBoosterSchemaRule : public ::testing::TestWithParam<RuleCase> {};
TEST_P(ModelBoosterSchemaRule, Admission) {
  run(booster(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    ModelBooster, ModelBoosterSchemaRule,
    ::testing::ValuesIn(std::vector<RuleCase>{
        {{"obs and ms model URIs", {{"/spec/backend/modelURI", "ms://Qwen/Qwen2.5"}}, {}}, {}},
        {{"unknown model URI scheme",
          {{"/spec/backend/modelURI", "ftp://x"}},
          {"spec.backend.modelURI: Invalid value: \"ftp://x\""}},
         {}},
        {{"unknown cache URI scheme", {{"/spec/backend/cacheURI", "s3://x"}}, {"spec.backend.cacheURI: Invalid value"}},
         {}},
        {{"SGLang is not in the CRD enum",
          {{"/spec/backend/type", "SGLang"}},
          {"spec.backend.type: Unsupported value: \"SGLang\""}},
         {}},
        {{"upper-case backend name", {{"/spec/backend/name", "Backend1"}}, {"spec.backend.name: Invalid value"}}, {}},
        {{"model name too long", {{"/spec/name", std::string(65, 'a')}}, {"spec.name: Too long"}}, {}},
        {{"no workers",
          {{"/spec/backend/workers", Json::array()}},
          {"spec.backend.workers: Invalid value", "should have at least 1 items"}},
         {}},
        {{"negative pods", {{"/spec/backend/workers/0/pods", -1}}, {"spec.backend.workers[0].pods: Invalid value: -1"}},
         {}},
        {{"engine config kept as written",
          {{"/spec/backend/workers/0/config", {{"max-model-len", 32768}, {"x", {{"y", true}}}}}},
          {}},
         {}},
    }),
    rule_param_name);

TEST(ModelBoosterSchemaDefaults, WorkerTypeDefaultsToServer) {
  auto admitted = admit(KindRegistry::builtin(), booster(), nullptr);
  ASSERT_TRUE(admitted && admitted->ok()) << (admitted ? render(admitted->errors) : admitted.error().to_string());
  EXPECT_EQ(admitted->object["spec"]["backend"]["workers"][0]["type"], "server");
}

Json route() {
  return Json::parse(R"({
    "apiVersion": "networking.serving.volcano.sh/v1alpha1", "kind": "ModelRoute",
    "metadata": {"name": "r", "namespace": "default"},
    "spec": {"modelName": "m", "rules": [{"targetModels": [{"modelServerName": "s"}]}]}})");
}

class ModelRouteSchemaRule : public ::testing::TestWithParam<RuleCase> {};
TEST_P(ModelRouteSchemaRule, Admission) {
  run(route(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    ModelRoute, ModelRouteSchemaRule,
    ::testing::ValuesIn(std::vector<RuleCase>{
        {{"modelName unchanged on update", {kSame}, {}}, {{"/metadata/labels", {{"before", "true"}}}}},
        {{"modelName changed on update",
          {{"/spec/modelName", "other"}},
          {"spec.modelName: Invalid value", "modelName is immutable"}},
         {kSame}},
        {{"empty model name and no lora",
          {{"/spec/modelName", ""}},
          {"ModelName and LoraAdapters cannot both be empty"}},
         {}},
        {{"target with both backends",
          {{"/spec/rules/0/targetModels/0/externalModelProviderName", "p"}},
          {"spec.rules[0].targetModels[0]: Invalid value",
           "exactly one of modelServerName or externalModelProviderName must be set"}},
         {}},
        {{"weight above 100",
          {{"/spec/rules/0/targetModels/0/weight", 101}},
          {"spec.rules[0].targetModels[0].weight: Invalid value: 101"}},
         {}},
        {{"eleven lora adapters",
          {{"/spec/loraAdapters", Json::array({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"})}},
          {"spec.loraAdapters: Too many: 11: must have at most 10 items"}},
         {}},
        {{"rate limit by the minute", {{"/spec/rateLimit", {{"inputTokensPerUnit", 100}, {"unit", "minute"}}}}, {}},
         {}},
        {{"rate limit by the week",
          {{"/spec/rateLimit", {{"inputTokensPerUnit", 100}, {"unit", "week"}}}},
          {"spec.rateLimit.unit: Unsupported value: \"week\""}},
         {}},
        {{"parent ref to a gateway", {{"/spec/parentRefs", {{{"name", "gw"}}}}}, {}}, {}},
        {{"parent ref with a bad namespace",
          {{"/spec/parentRefs", {{{"name", "gw"}, {"namespace", "Bad_NS"}}}}},
          {"spec.parentRefs[0].namespace: Invalid value"}},
         {}},
    }),
    rule_param_name);

TEST(ModelRouteSchemaDefaults, WeightsAndParentRefs) {
  Json r = route();
  r["spec"]["parentRefs"] = {{{"name", "gw"}}};
  r["spec"]["rateLimit"] = {{"outputTokensPerUnit", 10}};
  auto admitted = admit(KindRegistry::builtin(), r, nullptr);
  ASSERT_TRUE(admitted && admitted->ok()) << (admitted ? render(admitted->errors) : admitted.error().to_string());
  const Json& spec = admitted->object["spec"];
  EXPECT_EQ(spec["rules"][0]["targetModels"][0]["weight"], 100);
  EXPECT_EQ(spec["parentRefs"][0]["group"], "gateway.networking.k8s.io");
  EXPECT_EQ(spec["parentRefs"][0]["kind"], "Gateway");
  EXPECT_EQ(spec["rateLimit"]["unit"], "second");
}

Json policy() {
  return Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "AutoscalingPolicy",
    "metadata": {"name": "p", "namespace": "default"},
    "spec": {"metrics": [{"name": "m", "targetValue": 1}],
      "homogeneousTarget": {"minReplicas": 1, "maxReplicas": 2, "target": {"targetRef": {"name": "ms"},
        "metricSources": {"m": {"pod": {}}}}}}})");
}

Json disaggregated() {
  return Json::parse(R"({"targetRef": {"name": "ms"}, "roles": {"prefill": {"minReplicas": 1, "maxReplicas": 2,
    "metricSources": {"m": {"pod": {}}}}}})");
}

class AutoscalingPolicySchemaRule : public ::testing::TestWithParam<RuleCase> {};
TEST_P(AutoscalingPolicySchemaRule, Admission) {
  run(policy(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    AutoscalingPolicy, AutoscalingPolicySchemaRule,
    ::testing::ValuesIn(std::vector<RuleCase>{
        {{"prometheus source",
          {{"/spec/homogeneousTarget/target/metricSources/m",
            {{"prometheus", {{"serverURL", "http://prom:9090"}, {"query", "sum(x)"}}}}}},
          {}},
         {}},
        {{"source of neither kind",
          {{"/spec/homogeneousTarget/target/metricSources/m", Json::object()}},
          {"spec.homogeneousTarget.target.metricSources[m]: Invalid value",
           "one metric source backend config is required"}},
         {}},
        {{"source of both kinds",
          {{"/spec/homogeneousTarget/target/metricSources/m/prometheus",
            {{"serverURL", "http://prom:9090"}, {"query", "q"}}}},
          {"pod and prometheus configs are mutually exclusive"}},
         {}},
        {{"pod source URI without slash",
          {{"/spec/homogeneousTarget/target/metricSources/m/pod/uri", "metrics"}},
          {"spec.homogeneousTarget.target.metricSources[m].pod.uri: Invalid value"}},
         {}},
        {{"tolerance above 100", {{"/spec/tolerancePercent", 101}}, {"spec.tolerancePercent: Invalid value: 101"}}, {}},
        {{"panic threshold below 110",
          {{"/spec/behavior", {{"scaleUp", {{"panicPolicy", {{"period", "10s"}, {"panicThresholdPercent", 100}}}}}}}},
          {"spec.behavior.scaleUp.panicPolicy.panicThresholdPercent: Invalid value: 100"}},
         {}},
        {{"panic policy without period",
          {{"/spec/behavior", {{"scaleUp", {{"panicPolicy", {{"percent", 100}}}}}}}},
          {"spec.behavior.scaleUp.panicPolicy.period: Required value"}},
         {}},
        {{"ratio over two roles",
          {{"/spec/homogeneousTarget", removed()},
           {"/spec/disaggregatedTarget", disaggregated()},
           {"/spec/disaggregatedTarget/roles/decode",
            {{"minReplicas", 1}, {"maxReplicas", 4}, {"metricSources", {{"m", {{"pod", Json::object()}}}}}}},
           {"/spec/disaggregatedTarget/ratioConstraint",
            {{"numeratorRole", "prefill"}, {"denominatorRole", "decode"}, {"minRatio", "250m"}, {"maxRatio", 2}}}},
          {}},
         {}},
        {{"ratio over one role",
          {{"/spec/homogeneousTarget", removed()},
           {"/spec/disaggregatedTarget", disaggregated()},
           {"/spec/disaggregatedTarget/ratioConstraint",
            {{"numeratorRole", "prefill"}, {"denominatorRole", "decode"}, {"minRatio", 0}, {"maxRatio", 2}}}},
          {"roles must contain at least two entries when ratioConstraint is configured"}},
         {}},
        {{"three disaggregated roles",
          {{"/spec/homogeneousTarget", removed()},
           {"/spec/disaggregatedTarget", disaggregated()},
           {"/spec/disaggregatedTarget/roles/b", {{"minReplicas", 1}, {"maxReplicas", 1}}},
           {"/spec/disaggregatedTarget/roles/c", {{"minReplicas", 1}, {"maxReplicas", 1}}}},
          {"spec.disaggregatedTarget.roles: Too many: 3: must have at most 2 items"}},
         {}},
    }),
    rule_param_name);

TEST(AutoscalingPolicySchemaDefaults, PodSourcesAndTolerance) {
  auto admitted = admit(KindRegistry::builtin(), policy(), nullptr);
  ASSERT_TRUE(admitted && admitted->ok()) << (admitted ? render(admitted->errors) : admitted.error().to_string());
  const Json& spec = admitted->object["spec"];
  EXPECT_EQ(spec["tolerancePercent"], 10);
  EXPECT_EQ(spec["homogeneousTarget"]["target"]["metricSources"]["m"]["pod"],
            Json::parse(R"({"uri": "/metrics", "port": 8100})"));
  EXPECT_EQ(spec["behavior"]["scaleDown"]["stabilizationWindow"], "5m0s");  // the mutating webhook's default
}

TEST(SchemaRules, ExternalModelProviderOptionalSecret) {
  Json emp = Json::parse(R"({
    "apiVersion": "networking.serving.volcano.sh/v1alpha1", "kind": "ExternalModelProvider",
    "metadata": {"name": "e", "namespace": "default"},
    "spec": {"baseURL": "https://api.openai.com/v1", "auth": {"secretRef": {"name": "s", "key": "k"}}}})");
  auto ok = admit(KindRegistry::builtin(), emp, nullptr);
  ASSERT_TRUE(ok && ok->ok()) << (ok ? render(ok->errors) : ok.error().to_string());
  EXPECT_EQ(ok->object["spec"]["providerType"], "OpenAI");
  EXPECT_EQ(ok->object["spec"]["insecureSkipVerify"], false);
  emp["spec"]["auth"]["secretRef"]["optional"] = true;
  auto bad = admit(KindRegistry::builtin(), emp, nullptr);
  ASSERT_TRUE(bad);
  EXPECT_NE(render(bad->errors).find("secretRef.optional must be false or unset"), std::string::npos)
      << render(bad->errors);
  emp["spec"]["baseURL"] = "http://api.openai.com";
  auto http = admit(KindRegistry::builtin(), emp, nullptr);
  ASSERT_TRUE(http);
  EXPECT_NE(render(http->errors).find("spec.baseURL: Invalid value: \"http://api.openai.com\""), std::string::npos);
}

TEST(SchemaRules, BindingNeedsExactlyOneTarget) {
  Json binding = Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "AutoscalingPolicyBinding",
    "metadata": {"name": "b", "namespace": "default"},
    "spec": {"policyRef": {"name": "p"}, "homogeneousTarget": {"minReplicas": 0, "maxReplicas": 1,
      "target": {"targetRef": {"name": "ms"}}}}})");
  auto ok = admit(KindRegistry::builtin(), binding, nullptr);
  ASSERT_TRUE(ok && ok->ok()) << (ok ? render(ok->errors) : ok.error().to_string());
  EXPECT_EQ(ok->object["spec"]["homogeneousTarget"]["target"].count("metricEndpoint"), 0u);
  binding["spec"]["heterogeneousTarget"] = {
      {"params", {{{"minReplicas", 0}, {"maxReplicas", 1}, {"target", {{"targetRef", {{"name", "x"}}}}}}}}};
  auto both = admit(KindRegistry::builtin(), binding, nullptr);
  ASSERT_TRUE(both);
  EXPECT_NE(render(both->errors).find("Either heterogeneousTarget or homogeneousTarget must be set, but not both."),
            std::string::npos)
      << render(both->errors);
}

}  // namespace
}  // namespace kthena::api::testing
