// Every rule of the ModelServer webhook (spec kthena-router.md §1.4), and the v0.2.0 workloadPort default.
#include <gtest/gtest.h>

#include "api/validation/model_server_validation.h"
#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

Json base() {
  return Json::parse(R"({
    "apiVersion": "networking.serving.volcano.sh/v1alpha1", "kind": "ModelServer",
    "metadata": {"name": "server", "namespace": "default"},
    "spec": {"model": "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", "inferenceEngine": "vLLM",
      "workloadSelector": {"matchLabels": {"app": "deepseek-r1-1-5b"}},
      "workloadPort": {"port": 8000, "protocol": "http"}}})");
}

Json pd_group() {
  return Json::parse(R"({"groupKey": "modelserving.volcano.sh/group-name",
    "prefillLabels": {"modelserving.volcano.sh/role": "prefill"}, "decodeLabels": {"modelserving.volcano.sh/role": "decode"}})");
}

class ModelServerWebhook : public ::testing::TestWithParam<WebhookCase> {};

TEST_P(ModelServerWebhook, Rule) {
  run_case("networking.serving.volcano.sh", "ModelServer", base(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    ModelServer, ModelServerWebhook,
    ::testing::ValuesIn(std::vector<WebhookCase>{
        {"valid server", {}, {}},
        {"no workloadSelector",
         {{"/spec/workloadSelector", removed()}},
         {"spec.workloadSelector: Required value: workloadSelector must be specified"}},
        {"no matchLabels",
         {{"/spec/workloadSelector/matchLabels", Json::object()}},
         {"spec.workloadSelector.matchLabels: Required value: labels must contain at least one label"}},
        {"prefixed label key", {{"/spec/workloadSelector/matchLabels", {{"app.kubernetes.io/name", "x"}}}}, {}},
        {"invalid label key",
         {{"/spec/workloadSelector/matchLabels", {{"bad key", "x"}}}},
         {"spec.workloadSelector.matchLabels: Invalid value: {\"bad key\":\"x\"}: invalid selector: key: Invalid "
          "value: \"bad key\": name part must consist of alphanumeric characters"}},
        {"invalid label value",
         {{"/spec/workloadSelector/matchLabels", {{"app", "-x-"}}}},
         {"spec.workloadSelector.matchLabels: Invalid value: {\"app\":\"-x-\"}: invalid selector:",
          "a valid label must be an empty string or consist of alphanumeric characters"}},
        {"pd group", {{"/spec/workloadSelector/pdGroup", pd_group()}}, {}},
        {"pd group without groupKey",
         {{"/spec/workloadSelector/pdGroup", pd_group()}, {"/spec/workloadSelector/pdGroup/groupKey", ""}},
         {"spec.workloadSelector.pdGroup.groupKey: Required value: groupKey must be specified"}},
        {"pd group without prefill labels",
         {{"/spec/workloadSelector/pdGroup", pd_group()},
          {"/spec/workloadSelector/pdGroup/prefillLabels", Json::object()}},
         {"spec.workloadSelector.pdGroup.prefillLabels: Required value: labels must contain at least one label"}},
        {"pd group with an invalid decode label",
         {{"/spec/workloadSelector/pdGroup", pd_group()},
          {"/spec/workloadSelector/pdGroup/decodeLabels", {{"role", "de code"}}}},
         {"spec.workloadSelector.pdGroup.decodeLabels: Invalid value: {\"role\":\"de code\"}: invalid selector:"}},
        {"v0.2.0 server without workloadPort", {{"/spec/workloadPort", removed()}}, {}},
    }),
    param_name);

TEST(ModelServerDefaults, WorkloadPortFollowsTheEngine) {
  Json vllm = base();
  vllm["spec"].erase("workloadPort");
  default_model_server(vllm);
  EXPECT_EQ(vllm["spec"]["workloadPort"], Json::parse(R"({"port": 8000, "protocol": "http"})"));

  Json sglang = base();
  sglang["spec"].erase("workloadPort");
  sglang["spec"]["inferenceEngine"] = "SGLang";
  default_model_server(sglang);
  EXPECT_EQ(sglang["spec"]["workloadPort"]["port"], 30000);
}

TEST(ModelServerDefaults, LeavesAGivenPortAndUnknownEnginesAlone) {
  Json given = base();
  given["spec"]["workloadPort"] = {{"port", 9000}};
  default_model_server(given);
  EXPECT_EQ(given["spec"]["workloadPort"], Json::parse(R"({"port": 9000})"));

  Json unknown = base();
  unknown["spec"].erase("workloadPort");
  unknown["spec"]["inferenceEngine"] = "TGI";
  default_model_server(unknown);
  EXPECT_FALSE(unknown["spec"].contains("workloadPort"));
}

}  // namespace
}  // namespace kthena::api::testing
