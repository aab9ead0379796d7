// Every rule of the ModelRoute webhook (spec kthena-router.md §1.4).
#include <gtest/gtest.h>

#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

Json base() {
  return Json::parse(R"({
    "apiVersion": "networking.serving.volcano.sh/v1alpha1", "kind": "ModelRoute",
    "metadata": {"name": "route", "namespace": "default"},
    "spec": {"modelName": "deepseek-r1", "rules": [{"name": "default",
      "modelMatch": {"headers": {"x-user": {"regex": "^gold-.*$"}}, "uri": {"prefix": "/v1"}},
      "targetModels": [{"modelServerName": "ds-r1", "weight": 100}]}]}})");
}

class ModelRouteWebhook : public ::testing::TestWithParam<WebhookCase> {};

TEST_P(ModelRouteWebhook, Rule) {
  run_case("networking.serving.volcano.sh", "ModelRoute", base(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    ModelRoute, ModelRouteWebhook,
    ::testing::ValuesIn(std::vector<WebhookCase>{
        {"valid route", {}, {}},
        // 1. modelName or loraAdapters.
        {"lora adapters only", {{"/spec/modelName", ""}, {"/spec/loraAdapters", {"lora-a"}}}, {}},
        {"neither modelName nor lora",
         {{"/spec/modelName", removed()}},
         {"spec: Required value: either modelName or loraAdapters must be specified"}},
        // 2. empty lora names.
        {"empty lora name",
         {{"/spec/loraAdapters", {"lora-a", ""}}},
         {"spec.loraAdapters[1]: Invalid value: \"\": lora adapter name cannot be an empty string"}},
        // 3. nil rules.
        {"null rule", {{"/spec/rules/1", nullptr}}, {"spec.rules[1]: Invalid value: null: rule must not be nil"}},
        // 4. targetModels present.
        {"rule without targets",
         {{"/spec/rules/0/targetModels", Json::array()}},
         {"spec.rules[0].targetModels: Required value: each rule must have at least one target model"}},
        // 5. nil targets.
        {"null target",
         {{"/spec/rules/0/targetModels/1", nullptr}},
         {"spec.rules[0].targetModels[1]: Invalid value: null: target model must not be nil"}},
        // 6. exactly one backend.
        {"external provider target", {{"/spec/rules/0/targetModels/0", {{"externalModelProviderName", "openai"}}}}, {}},
        {"both backends",
         {{"/spec/rules/0/targetModels/0/externalModelProviderName", "openai"}},
         {"spec.rules[0].targetModels[0]: Invalid value: \"ds-r1/openai\": exactly one of modelServerName or "
          "externalModelProviderName must be set"}},
        {"no backend",
         {{"/spec/rules/0/targetModels/0/modelServerName", ""}},
         {"spec.rules[0].targetModels[0]: Invalid value: \"/\": exactly one of modelServerName or "
          "externalModelProviderName must be set"}},
        // 7. LoRA routes stay in the cluster.
        {"lora route to an external provider",
         {{"/spec/loraAdapters", {"lora-a"}},
          {"/spec/rules/0/targetModels/0", {{"externalModelProviderName", "openai"}}}},
         {"spec.rules[0].targetModels[0].externalModelProviderName: Invalid value: \"openai\": lora routes must target "
          "modelServerName"}},
        // 8. total weight.
        {"weights without values count as 100", {{"/spec/rules/0/targetModels/0/weight", removed()}}, {}},
        {"one zero weight among others",
         {{"/spec/rules/0/targetModels/0/weight", 0},
          {"/spec/rules/0/targetModels/1", {{"modelServerName", "b"}, {"weight", 10}}}},
         {}},
        {"all weights zero",
         {{"/spec/rules/0/targetModels/0/weight", 0}},
         {"spec.rules[0].targetModels: Invalid value: 0: total weight must be greater than zero"}},
        // 9. regexes compile.
        {"bad header regex",
         {{"/spec/rules/0/modelMatch/headers/x-user/regex", "[a-"}},
         {"spec.rules[0].modelMatch.headers[x-user].regex: Invalid value: \"[a-\": error parsing regexp: missing "
          "closing ]: `[a-`"}},
        {"bad uri regex",
         {{"/spec/rules/0/modelMatch/uri", {{"regex", "(v1"}}}},
         {"spec.rules[0].modelMatch.uri.regex: Invalid value: \"(v1\": error parsing regexp: missing closing ): "
          "`(v1`"}},
        {"good uri regex", {{"/spec/rules/0/modelMatch/uri", {{"regex", "^/v1/(chat/)?completions$"}}}}, {}},
        {"rule without match", {{"/spec/rules/0/modelMatch", removed()}}, {}},
    }),
    param_name);

}  // namespace
}  // namespace kthena::api::testing
