// ModelBoosters for the conversion unit tests, written inline so that each test states what it changes.
#pragma once

#include <gtest/gtest.h>

#include "api/json.h"
#include "controllers/modelbooster/model_booster.h"

namespace kthena::controllers::modelbooster::testing {

// An aggregated vLLM booster with one server worker.
inline Json vllm_booster() {
  return Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1",
    "kind": "ModelBooster",
    "metadata": {"name": "demo", "namespace": "ns", "uid": "uid-1"},
    "spec": {
      "backend": {
        "name": "backend1",
        "type": "vLLM",
        "modelURI": "hf://Qwen/Qwen2.5-0.5B-Instruct",
        "cacheURI": "hostpath:///tmp/cache",
        "replicas": 1,
        "workers": [{
          "type": "server",
          "image": "vllm/vllm-openai:latest",
          "replicas": 1,
          "pods": 1,
          "config": {"served-model-name": "qwen", "max-model-len": 2048},
          "resources": {"limits": {"nvidia.com/gpu": "1"}}
        }]
      }
    }
  })");
}

// A prefill/decode booster whose workers use `connector` (no kv-transfer-config when empty).
inline Json pd_booster(const std::string& connector = "") {
  Json b = Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1",
    "kind": "ModelBooster",
    "metadata": {"name": "pd", "namespace": "ns", "uid": "uid-2"},
    "spec": {
      "backend": {
        "name": "pd-backend",
        "type": "vLLMDisaggregated",
        "modelURI": "hf://Qwen/Qwen3-0.6B",
        "cacheURI": "pvc://models",
        "replicas": 1,
        "envFrom": [{"secretRef": {"name": "hf-token"}}],
        "workers": [
          {"type": "prefill", "image": "vllm:p", "replicas": 2, "pods": 1,
           "resources": {"limits": {"nvidia.com/gpu": "1"}}, "config": {"served-model-name": "qwen3"}},
          {"type": "decode", "image": "vllm:d", "replicas": 1, "pods": 1,
           "resources": {"limits": {"nvidia.com/gpu": "1"}}, "config": {"served-model-name": "qwen3"}}
        ]
      }
    }
  })");
  if (!connector.empty()) {
    Json& workers = b["spec"]["backend"]["workers"];
    workers[0]["config"]["kv-transfer-config"] = R"({"kv_connector":")" + connector + R"(","kv_role":"kv_producer"})";
    workers[1]["config"]["kv-transfer-config"] = R"({"kv_connector":")" + connector + R"(","kv_role":"kv_consumer"})";
  }
  return b;
}

inline ModelBooster read_or_die(const Json& object) {
  auto booster = read_model_booster(object);
  EXPECT_TRUE(booster) << booster.error().to_string();
  return booster ? *booster : ModelBooster{};
}

}  // namespace kthena::controllers::modelbooster::testing
