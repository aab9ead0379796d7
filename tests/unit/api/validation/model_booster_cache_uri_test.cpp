// The ModelBooster admission rule that upstream lacks: a backend needs a cacheURI to download its model into
// (docs/compatibility.md, "ModelBooster conversion").
#include <gtest/gtest.h>

#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

Json booster() {
  return Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "ModelBooster",
    "metadata": {"name": "test-model", "namespace": "default"},
    "spec": {"backend": {"name": "backend1", "type": "vLLM", "modelURI": "hf://Qwen/Qwen2.5-7B-Instruct",
      "cacheURI": "hostpath:///tmp/cache", "replicas": 1,
      "workers": [{"type": "server", "image": "vllm/vllm-openai:latest", "replicas": 1, "pods": 1}]}}})");
}

class ModelBoosterCacheUri : public ::testing::TestWithParam<WebhookCase> {};

TEST_P(ModelBoosterCacheUri, Rule) {
  run_case("workload.serving.volcano.sh", "ModelBooster", booster(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    ModelBooster, ModelBoosterCacheUri,
    ::testing::ValuesIn(std::vector<WebhookCase>{
        {"host path", {}, {}},
        {"relative host path", {{"/spec/backend/cacheURI", "hostpath://tmp/cache"}}, {}},
        {"pvc", {{"/spec/backend/cacheURI", "pvc://models"}}, {}},
        {"missing",
         {{"/spec/backend/cacheURI", removed()}},
         {"spec.backend.cacheURI: Required value: the model is downloaded into this cache: use hostpath://<dir> or "
          "pvc://<claim>"}},
        {"the node's root",
         {{"/spec/backend/cacheURI", "hostpath:///"}},
         {"spec.backend.cacheURI: Invalid value: \"hostpath:///\": the host path is empty"}},
        {"the node's root, more slashes",
         {{"/spec/backend/cacheURI", "hostpath:////"}},
         {"spec.backend.cacheURI: Invalid value: \"hostpath:////\": the host path is empty"}},
    }),
    param_name);

}  // namespace
}  // namespace kthena::api::testing
