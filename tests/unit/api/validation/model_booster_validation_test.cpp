// Every rule of the ModelBooster webhook (spec kthena-workload.md §1.3), each with accepted and rejected cases;
// the rejected ones check upstream's path and message.
#include <gtest/gtest.h>

#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

Json base() {
  return Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "ModelBooster",
    "metadata": {"name": "test-model", "namespace": "default"},
    "spec": {"backend": {"name": "backend1", "type": "vLLM", "modelURI": "hf://Qwen/Qwen2.5-7B-Instruct",
      "cacheURI": "hostpath:///tmp/cache", "replicas": 1,
      "workers": [{"type": "server", "image": "vllm/vllm-openai:latest", "replicas": 1, "pods": 1}]}}})");
}

Json pd_workers(Json prefill_config, Json decode_config) {
  Json prefill = {{"type", "prefill"}, {"pods", 1}};
  Json decode = {{"type", "decode"}, {"pods", 1}};
  if (!prefill_config.is_null()) prefill["config"] = std::move(prefill_config);
  if (!decode_config.is_null()) decode["config"] = std::move(decode_config);
  return Json::array({prefill, decode});
}

Json kv(std::string_view connector, std::string_view role) {
  return {{"kv-transfer-config", Json({{"kv_connector", connector}, {"kv_role", role}}).dump()}};
}

Json port(Json value) {
  return {{"port", std::move(value)}};
}

const Edit kDisaggregated{"/spec/backend/type", "vLLMDisaggregated"};

class ModelBoosterWebhook : public ::testing::TestWithParam<WebhookCase> {};

TEST_P(ModelBoosterWebhook, Rule) {
  run_case("workload.serving.volcano.sh", "ModelBooster", base(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    ModelBooster, ModelBoosterWebhook,
    ::testing::ValuesIn(std::vector<WebhookCase>{
        {"valid booster", {}, {}},
        // Rule 1: replicas bound.
        {"replicas at the bound", {{"/spec/backend/replicas", 1000000}}, {}},
        {"replicas above the bound",
         {{"/spec/backend/replicas", 1000001}},
         {"spec.backend.replicas: Invalid value: 1000001: replicas (1000001) cannot exceed 1000000"}},
        {"v0.2.0 minReplicas without replicas",
         {{"/spec/backend/replicas", removed()}, {"/spec/backend/minReplicas", 1}, {"/spec/backend/maxReplicas", 2}},
         {}},
        // Rule 2: worker images.
        {"image with registry and tag", {{"/spec/backend/workers/0/image", "docker.io/library/nginx:1.19"}}, {}},
        {"empty image uses the default", {{"/spec/backend/workers/0/image", ""}}, {}},
        {"image with trailing space",
         {{"/spec/backend/workers/0/image", "example/image:latest "}},
         {"spec.backend.workers[0].image: Invalid value: \"example/image:latest \": invalid container image reference: "
          "image cannot contain whitespace"}},
        {"image with tab",
         {{"/spec/backend/workers/0/image", "example/image:\tlatest"}},
         {"image cannot contain whitespace"}},
        {"image with newline",
         {{"/spec/backend/workers/0/image", "example/image:latest\n"}},
         {"image cannot contain whitespace"}},
        {"image with no-break space",
         {{"/spec/backend/workers/0/image", "nginx\xC2\xA0:latest"}},
         {"image cannot contain whitespace"}},
        {"whitespace-only image",
         {{"/spec/backend/workers/0/image", "   "}},
         {"invalid container image reference: image cannot be empty or whitespace only"}},
        // Rule 3: worker types per backend type.
        {"vLLM with two workers",
         {{"/spec/backend/workers/1", {{"type", "server"}}}},
         {"spec.backend.workers: Invalid value: 2: If backend type is 'vLLM', there must be exactly one worker"}},
        {"vLLM with a prefill worker",
         {{"/spec/backend/workers/0/type", "prefill"}},
         {"spec.backend.workers[0].type: Invalid value: \"prefill\": If backend type is 'vLLM', the worker type must "
          "be 'server'"}},
        {"SGLang with two workers",
         {{"/spec/backend/type", "SGLang"}, {"/spec/backend/workers/1", {{"type", "server"}}}},
         {"If backend type is 'SGLang', there must be exactly one worker"}},
        {"MindIE with one server", {{"/spec/backend/type", "MindIE"}}, {}},
        {"vLLMDisaggregated with prefill and decode",
         {kDisaggregated, {"/spec/backend/workers", pd_workers(nullptr, nullptr)}},
         {}},
        {"vLLMDisaggregated with a server worker",
         {kDisaggregated},
         {"spec.backend.workers[0].type: Invalid value: \"server\": If backend type is 'vLLMDisaggregated', all "
          "workers must be type 'prefill' or 'decode'"}},
        {"MindIEDisaggregated with a controller",
         {{"/spec/backend/type", "MindIEDisaggregated"},
          {"/spec/backend/workers", pd_workers(nullptr, nullptr)},
          {"/spec/backend/workers/2", {{"type", "controller"}}}},
         {}},
        {"MindIEDisaggregated with a server",
         {{"/spec/backend/type", "MindIEDisaggregated"}},
         {"If backend type is 'MindIEDisaggregated', all workers must be type 'prefill', 'decode', 'controller', or "
          "'coordinator' (not 'server')"}},
        // Rule 4: engine port.
        {"matching numeric ports", {kDisaggregated, {"/spec/backend/workers", pd_workers(port(9000), port(9000))}}, {}},
        {"matching string ports",
         {kDisaggregated, {"/spec/backend/workers", pd_workers(port("9000"), port("9000"))}},
         {}},
        {"null port",
         {kDisaggregated, {"/spec/backend/workers", pd_workers(port(nullptr), port(8000))}},
         {"spec.backend.workers[0].config.port: Invalid value: null: invalid port \"<nil>\" for worker prefill"}},
        {"different ports",
         {kDisaggregated, {"/spec/backend/workers", pd_workers(port(9000), port(8000))}},
         {"spec.backend.workers[1].config.port: Invalid value: 8000: workers use different engine ports: 9000 and "
          "8000"}},
        {"port out of range",
         {{"/spec/backend/workers/0/config", port(70000)}},
         {"spec.backend.workers[0].config.port: Invalid value: 70000: invalid port \"70000\" for worker server"}},
        {"port not a number",
         {{"/spec/backend/workers/0/config", port("abc")}},
         {"invalid port \"abc\" for worker server"}},
        {"port ignored for SGLang",
         {{"/spec/backend/type", "SGLang"}, {"/spec/backend/workers/0/config", port("abc")}},
         {}},
        // Rule 5: pvc:// modelURI needs the model inside the cacheURI claim.
        {"hf modelURI with pvc cacheURI", {{"/spec/backend/cacheURI", "pvc://model-cache"}}, {}},
        {"pvc modelURI under the claim",
         {{"/spec/backend/modelURI", "pvc:///crater-storage/models/Qwen"},
          {"/spec/backend/cacheURI", "pvc://crater-storage"}},
         {}},
        {"pvc modelURI without leading slash",
         {{"/spec/backend/modelURI", "pvc://crater-storage/models/Qwen"},
          {"/spec/backend/cacheURI", "pvc://crater-storage"}},
         {}},
        {"pvc modelURI at the claim root",
         {{"/spec/backend/modelURI", "pvc://my-pvc"}, {"/spec/backend/cacheURI", "pvc://my-pvc"}},
         {}},
        {"pvc cacheURI with trailing slash",
         {{"/spec/backend/modelURI", "pvc:///crater-storage/models/Qwen"},
          {"/spec/backend/cacheURI", "pvc://crater-storage/"}},
         {}},
        {"pvc modelURI with repeated slashes",
         {{"/spec/backend/modelURI", "pvc://crater-storage//models//Qwen"},
          {"/spec/backend/cacheURI", "pvc://crater-storage"}},
         {}},
        {"pvc modelURI with hostpath cacheURI",
         {{"/spec/backend/modelURI", "pvc:///shared/models/Qwen"}},
         {"spec.backend.cacheURI: Invalid value: \"hostpath:///tmp/cache\": when modelURI uses pvc://, cacheURI must "
          "also use pvc://"}},
        {"pvc modelURI without cacheURI",
         {{"/spec/backend/modelURI", "pvc:///shared/models/Qwen"}, {"/spec/backend/cacheURI", removed()}},
         {"when modelURI uses pvc://, cacheURI must also use pvc://"}},
        {"pvc modelURI outside the claim",
         {{"/spec/backend/modelURI", "pvc:///different-pvc/models/Qwen"},
          {"/spec/backend/cacheURI", "pvc://crater-storage"}},
         {"spec.backend.modelURI: Invalid value: \"pvc:///different-pvc/models/Qwen\": PVC source path "
          "\"/different-pvc/models/Qwen\" is not reachable via cacheURI mount \"/crater-storage\""}},
        {"pvc claim name prefix collision",
         {{"/spec/backend/modelURI", "pvc:///foobar/models/Qwen"}, {"/spec/backend/cacheURI", "pvc://foo"}},
         {"is not reachable via cacheURI mount"}},
        {"pvc modelURI with mid-path traversal",
         {{"/spec/backend/modelURI", "pvc:///crater-storage/../other-pvc/models/Qwen"},
          {"/spec/backend/cacheURI", "pvc://crater-storage"}},
         {"spec.backend.modelURI", "must not contain '..' path segments"}},
        {"pvc modelURI with leading traversal",
         {{"/spec/backend/modelURI", "pvc://../other/models/Qwen"}, {"/spec/backend/cacheURI", "pvc://crater-storage"}},
         {"must not contain '..' path segments"}},
        {"pvc cacheURI without claim",
         {{"/spec/backend/modelURI", "pvc:///shared/models/Qwen"}, {"/spec/backend/cacheURI", "pvc://"}},
         {"spec.backend.cacheURI", "must contain a single PVC claim name with no path separator"}},
        {"pvc cacheURI with slashed claim",
         {{"/spec/backend/modelURI", "pvc:///foo/bar/models/Qwen"}, {"/spec/backend/cacheURI", "pvc://foo/bar"}},
         {"claim names cannot contain '/'"}},
        // Rule 6: KV connector consistency.
        {"nixl on both sides",
         {kDisaggregated,
          {"/spec/backend/workers",
           pd_workers(kv("NixlConnector", "kv_producer"), kv("NixlConnector", "kv_consumer"))}},
         {}},
        {"mooncake V1 on both sides",
         {kDisaggregated,
          {"/spec/backend/workers",
           pd_workers(kv("MooncakeConnectorV1", "kv_producer"), kv("MooncakeConnectorV1", "kv_consumer"))}},
         {}},
        {"kv_both on both sides",
         {kDisaggregated,
          {"/spec/backend/workers", pd_workers(kv("NixlConnector", "kv_both"), kv("NixlConnector", "kv_both"))}},
         {}},
        {"nixl prefill with mooncake decode",
         {kDisaggregated,
          {"/spec/backend/workers",
           pd_workers(kv("NixlConnector", "kv_producer"), kv("MooncakeConnector", "kv_consumer"))}},
         {"spec.backend.workers: Invalid value: \"backend1\": invalid kv connector configuration: backend backend1: "
          "kv_connector mismatch between prefill (\"NixlConnector\") and decode (\"MooncakeConnector\") workers"}},
        {"prefill without kv-transfer-config",
         {kDisaggregated, {"/spec/backend/workers", pd_workers(nullptr, kv("NixlConnector", "kv_consumer"))}},
         {"decode worker specifies kv_connector \"NixlConnector\" but the prefill worker has no kv-transfer-config"}},
        {"decode without kv-transfer-config",
         {kDisaggregated, {"/spec/backend/workers", pd_workers(kv("NixlConnector", "kv_producer"), nullptr)}},
         {"decode worker has no kv-transfer-config"}},
        {"missing kv_connector",
         {kDisaggregated,
          {"/spec/backend/workers",
           pd_workers({{"kv-transfer-config", R"({"kv_role":"kv_producer"})"}}, kv("NixlConnector", "kv_consumer"))}},
         {"worker prefill: kv-transfer-config is set but kv_connector is missing"}},
        {"unknown kv_connector",
         {kDisaggregated,
          {"/spec/backend/workers",
           pd_workers(kv("UnknownConnector", "kv_producer"), kv("NixlConnector", "kv_consumer"))}},
         {"unsupported kv_connector \"UnknownConnector\" (supported: LMCacheConnectorV1, MooncakeConnector, "
          "MooncakeConnectorV1, NixlConnector)"}},
        {"prefill playing consumer",
         {kDisaggregated,
          {"/spec/backend/workers",
           pd_workers(kv("NixlConnector", "kv_consumer"), kv("NixlConnector", "kv_consumer"))}},
         {"worker prefill: invalid kv_role \"kv_consumer\", expected one of [kv_producer, kv_both]"}},
        {"kv-transfer-config as an object",
         {kDisaggregated,
          {"/spec/backend/workers", pd_workers({{"kv-transfer-config", {{"kv_connector", "NixlConnector"}}}},
                                               kv("NixlConnector", "kv_consumer"))}},
         {"kv-transfer-config must be a JSON string, got map[string]interface {}"}},
        {"two prefill workers",
         {kDisaggregated,
          {"/spec/backend/workers", pd_workers(kv("NixlConnector", "kv_producer"), kv("NixlConnector", "kv_consumer"))},
          {"/spec/backend/workers/2", {{"type", "prefill"}, {"config", kv("MooncakeConnector", "kv_producer")}}}},
         {"found 2 prefill workers, expected at most 1"}},
        // v0.2.0 spec.autoscalingPolicy: the rules of the AutoscalingPolicy it becomes.
        {"v0.2.0 autoscaling policy",
         {{"/spec/backend/replicas", removed()},
          {"/spec/backend/minReplicas", 0},
          {"/spec/backend/maxReplicas", 1},
          {"/spec/autoscalingPolicy",
           {{"metrics", {{{"metricName", "vllm:iteration_tokens_total"}, {"targetValue", 10}}}}}}},
         {}},
        {"v0.2.0 autoscaling policy with a zero target",
         {{"/spec/autoscalingPolicy", {{"metrics", {{{"metricName", "m"}, {"targetValue", "0"}}}}}}},
         {"spec.autoscalingPolicy.metrics[0].targetValue: Invalid value: \"0\": metric target value must be greater "
          "than 0 and not equal to infinity"}},
        {"v0.2.0 autoscaling policy with a duplicate metric",
         {{"/spec/autoscalingPolicy",
           {{"metrics", {{{"metricName", "m"}, {"targetValue", 1}}, {{"metricName", "m"}, {"targetValue", 2}}}}}}},
         {"spec.autoscalingPolicy.metrics[1].metricName: Invalid value: \"m\": duplicate metric name m is not "
          "allowed"}},
        {"v0.2.0 autoscaling policy with a long period",
         {{"/spec/autoscalingPolicy",
           {{"metrics", {{{"metricName", "m"}, {"targetValue", 1}}}},
            {"behavior", {{"scaleDown", {{"period", "31m"}}}}}}}},
         {"spec.autoscalingPolicy.behavior.scaleDown.period: Invalid value: \"31m\": stable policy period must be "
          "between 0 and 30 minutes"}},
    }),
    param_name);

}  // namespace
}  // namespace kthena::api::testing
