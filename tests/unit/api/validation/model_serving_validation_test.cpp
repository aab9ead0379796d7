// Every rule of the ModelServing webhook (spec kthena-workload.md §1.4), each with accepted and rejected cases.
#include <gtest/gtest.h>

#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

Json base() {
  return Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "ModelServing",
    "metadata": {"name": "test-ms", "namespace": "default"},
    "spec": {"replicas": 1, "schedulerName": "volcano", "recoveryPolicy": "RoleRecreate",
      "template": {"restartGracePeriodSeconds": 0, "roles": [{
        "name": "prefill", "replicas": 2, "workerReplicas": 1, "maxUnavailable": 1,
        "entryTemplate": {"spec": {"containers": [{"name": "engine", "image": "vllm/vllm-openai:latest"}]}},
        "workerTemplate": {"spec": {"containers": [{"name": "engine", "image": "vllm/vllm-openai:latest"}]}}}]}}})");
}

const Edit kRoleRolling{"/spec/rolloutStrategy", {{"type", "RoleRollingUpdate"}}};

Edit rolling(Json config) {
  return {"/spec/rolloutStrategy", {{"type", "ServingGroupRollingUpdate"}, {"rollingUpdateConfiguration", config}}};
}

class ModelServingWebhook : public ::testing::TestWithParam<WebhookCase> {};

TEST_P(ModelServingWebhook, Rule) {
  run_case("workload.serving.volcano.sh", "ModelServing", base(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    ModelServing, ModelServingWebhook,
    ::testing::ValuesIn(std::vector<WebhookCase>{
        {"valid serving", {}, {}},
        // Rule 1: generated names stay DNS-1035 labels.
        {"name that leaves room", {{"/metadata/name", std::string(49, 'a')}}, {}},
        {"name too long for generated names",
         {{"/metadata/name", std::string(60, 'a')}},
         {"metadata.name: Invalid value: \"" + std::string(60, 'a') +
          "\": invalid name: must be no more than 63 characters"}},
        // Rule 2: role names are DNS-1035 labels.
        {"role name with upper case",
         {{"/spec/template/roles/0/name", "Prefill"}},
         {"spec.template.roles[0].name: Invalid value: \"Prefill\": role name must be a valid DNS-1035 label "
          "(lowercase alphanumeric characters or '-', must start with a letter): a DNS-1035 label must consist of "
          "lower "
          "case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric "
          "character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"}},
        {"v0.2.0 role name starting with a digit", {{"/spec/template/roles/0/name", "405b"}}, {}},
        {"role name with an underscore",
         {{"/spec/template/roles/0/name", "pre_fill"}},
         {"spec.template.roles[0].name"}},
        {"role name ending with a dash",
         {{"/spec/template/roles/0/name", "prefill-"}},
         {"spec.template.roles[0].name"}},
        {"role name with a dash", {{"/spec/template/roles/0/name", "pre-fill"}}, {}},
        // Rule 3: container images.
        {"entry image with a space",
         {{"/spec/template/roles/0/entryTemplate/spec/containers/0/image", "nginx :latest"}},
         {"spec.template.roles[0].entryTemplate.spec.containers[0].image: Invalid value: \"nginx :latest\": invalid "
          "container image reference: image cannot contain spaces"}},
        {"worker image of blanks",
         {{"/spec/template/roles/0/workerTemplate/spec/containers/0/image", "   "}},
         {"spec.template.roles[0].workerTemplate.spec.containers[0].image",
          "image cannot be empty or whitespace only"}},
        {"image with a tab is not checked",
         {{"/spec/template/roles/0/entryTemplate/spec/containers/0/image", "nginx\t:x"}},
         {}},
        // Rule 4: replicas.
        {"zero replicas", {{"/spec/replicas", 0}}, {}},
        {"negative replicas",
         {{"/spec/replicas", -1}},
         {"spec.replicas: Invalid value: -1: replicas must be a non-negative integer"}},
        {"missing replicas",
         {{"/spec/replicas", removed()}},
         {"spec.replicas: Invalid value: null: replicas must be a non-negative integer"}},
        {"no roles",
         {{"/spec/template/roles", Json::array()}},
         {"spec.template.roles: Invalid value: []: roles must be specified"}},
        {"negative role replicas",
         {{"/spec/template/roles/0/replicas", -1}},
         {"spec.template.roles[0].replicas: Invalid value: -1: role replicas must be a non-negative integer"}},
        // Rule 5: rollingUpdateConfiguration.
        {"percent maxUnavailable",
         {{"/spec/replicas", 4}, rolling({{"maxUnavailable", "50%"}, {"partition", "25%"}})},
         {}},
        {"rollingUpdateConfiguration with RoleRollingUpdate",
         {{"/spec/rolloutStrategy",
           {{"type", "RoleRollingUpdate"}, {"rollingUpdateConfiguration", {{"maxUnavailable", 1}}}}}},
         {"spec.rolloutStrategy.rollingUpdateConfiguration: Forbidden: rollingUpdateConfiguration is only valid when "
          "rolloutStrategy.type is ServingGroupRollingUpdate"}},
        {"maxUnavailable not a percent",
         {rolling({{"maxUnavailable", "abc"}})},
         {"spec.rolloutStrategy.rollingUpdateConfiguration.maxUnavailable: Invalid value: \"abc\": a valid percent "
          "string must be a numeric string followed by an ending '%'",
          "invalid maxUnavailable: invalid value for IntOrString: invalid type: string is not a percentage"}},
        {"maxUnavailable over 100%",
         {rolling({{"maxUnavailable", "150%"}})},
         {"maxUnavailable: Invalid value: \"150%\": must be a valid percent value (0-100)"}},
        {"negative maxUnavailable",
         {rolling({{"maxUnavailable", -1}})},
         {"maxUnavailable: Invalid value: -1: must be a non-negative integer"}},
        {"maxUnavailable rounding down to zero",
         {rolling({{"maxUnavailable", "10%"}})},
         {"spec.rolloutStrategy.rollingUpdateConfiguration: Invalid value: \"\": maxUnavailable cannot be 0"}},
        {"zero maxUnavailable", {rolling({{"maxUnavailable", 0}})}, {"maxUnavailable cannot be 0"}},
        {"partition not a percent",
         {rolling({{"maxUnavailable", 1}, {"partition", "half"}})},
         {"partition: Invalid value: \"half\""}},
        {"v0.2.0 maxSurge", {rolling({{"maxUnavailable", 1}, {"maxSurge", "25%"}})}, {}},
        {"v0.2.0 negative maxSurge",
         {rolling({{"maxUnavailable", 1}, {"maxSurge", -1}})},
         {"spec.rolloutStrategy.rollingUpdateConfiguration.maxSurge: Invalid value: -1: must be a non-negative "
          "integer"}},
        {"v0.2.0 integer partition", {rolling({{"maxUnavailable", 1}, {"partition", 1}})}, {}},
        // Rule 6: role partition and maxUnavailable.
        {"role partition with RoleRollingUpdate", {kRoleRolling, {"/spec/template/roles/0/partition", 1}}, {}},
        {"role partition with ServingGroupRollingUpdate",
         {{"/spec/template/roles/0/partition", 1}},
         {"spec.template.roles[0].partition: Forbidden: partition is only valid when rolloutStrategy.type is "
          "RoleRollingUpdate"}},
        {"role partition not a percent",
         {kRoleRolling, {"/spec/template/roles/0/partition", "x"}},
         {"spec.template.roles[0].partition: Invalid value: \"x\""}},
        {"role maxUnavailable of half", {kRoleRolling, {"/spec/template/roles/0/maxUnavailable", "50%"}}, {}},
        {"role maxUnavailable above replicas",
         {kRoleRolling, {"/spec/template/roles/0/maxUnavailable", 3}},
         {"spec.template.roles[0].maxUnavailable: Invalid value: 3: maxUnavailable cannot be greater than replicas "
          "(2)"}},
        {"role maxUnavailable rounding to zero",
         {kRoleRolling, {"/spec/template/roles/0/maxUnavailable", "10%"}},
         {"spec.template.roles[0].maxUnavailable: Invalid value: \"10%\": maxUnavailable cannot be 0"}},
        {"role maxUnavailable ignored without RoleRollingUpdate", {{"/spec/template/roles/0/maxUnavailable", 9}}, {}},
        // Rule 7: gangPolicy.minRoleReplicas.
        {"minRoleReplicas within replicas",
         {{"/spec/template/gangPolicy", {{"minRoleReplicas", {{"prefill", 2}}}}}},
         {}},
        {"minRoleReplicas of an unknown role",
         {{"/spec/template/gangPolicy", {{"minRoleReplicas", {{"decode", 1}}}}}},
         {"spec.template.gangPolicy.minRoleReplicas[decode]: Invalid value: \"decode\": role decode does not exist in "
          "template.roles"}},
        {"minRoleReplicas above replicas",
         {{"/spec/template/gangPolicy", {{"minRoleReplicas", {{"prefill", 3}}}}}},
         {"spec.template.gangPolicy.minRoleReplicas[prefill]: Invalid value: 3: minRoleReplicas (3) for role prefill "
          "cannot exceed replicas (2)"}},
        {"negative minRoleReplicas",
         {{"/spec/template/gangPolicy", {{"minRoleReplicas", {{"prefill", -1}}}}}},
         {"minRoleReplicas for role prefill must be non-negative"}},
        // Rule 8: workers.
        {"no workers and no worker template",
         {{"/spec/template/roles/0/workerReplicas", 0}, {"/spec/template/roles/0/workerTemplate", removed()}},
         {}},
        {"negative workerReplicas",
         {{"/spec/template/roles/0/workerReplicas", -1}},
         {"spec.template.roles[0].workerReplicas: Invalid value: -1: workerReplicas must be a non-negative integer"}},
        {"workers without a worker template",
         {{"/spec/template/roles/0/workerTemplate", removed()}},
         {"spec.template.roles[0].workerTemplate: Required value: workerTemplate is required when workerReplicas is "
          "greater than 0"}},
        // Rule 9: recoveryPolicy and rollout type.
        {"ServingGroupRecreate with RoleRollingUpdate",
         {{"/spec/recoveryPolicy", "ServingGroupRecreate"}, kRoleRolling},
         {"spec.rolloutStrategy.type: Invalid value: \"RoleRollingUpdate\": incompatible recoveryPolicy and "
          "rolloutStrategy.type after applying defaults: recoveryPolicy=ServingGroupRecreate, "
          "rolloutStrategy.type=RoleRollingUpdate; valid pairs: (ServingGroupRecreate,ServingGroupRollingUpdate) or "
          "(RoleRecreate,RoleRollingUpdate)"}},
        {"ServingGroupRecreate with the default rollout", {{"/spec/recoveryPolicy", "ServingGroupRecreate"}}, {}},
        {"RoleRecreate with RoleRollingUpdate", {kRoleRolling}, {}},
        {"None with RoleRollingUpdate", {{"/spec/recoveryPolicy", "None"}, kRoleRolling}, {}},
    }),
    param_name);

}  // namespace
}  // namespace kthena::api::testing
