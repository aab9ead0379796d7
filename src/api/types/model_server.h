// ModelServer (networking.serving.volcano.sh/v1alpha1), typed for the router: which pods serve a model (selector,
// optional prefill/decode groups), on which port, with which engine, timeout, retry and KV connector.
// Spec: kthena-router.md §1.2. Decoded from an object that admission has already defaulted and validated.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/json.h"
#include "api/types/object_meta.h"
#include "common/result.h"

namespace kthena::api {

enum class InferenceEngine { kVllm, kSglang };
std::string_view to_string(InferenceEngine engine);  // "vLLM" | "SGLang"

enum class KvConnectorType { kHttp, kLmcache, kNixl, kMooncake };
std::string_view to_string(KvConnectorType type);  // "http" | "lmcache" | "nixl" | "mooncake"

struct PdGroup {
  std::string group_key;  // a label key; prefill and decode pods with the same value of it are paired
  Labels prefill_labels;
  Labels decode_labels;
};

struct WorkloadSelector {
  Labels match_labels;
  std::optional<PdGroup> pd_group;
};

struct WorkloadPort {
  int32_t port = 0;
  std::string protocol = "http";
};

struct RetryPolicy {
  std::optional<int32_t> attempts;
  std::chrono::nanoseconds retry_interval = std::chrono::milliseconds(100);  // CRD default
};

struct TrafficPolicy {
  std::optional<std::chrono::nanoseconds> timeout;
  std::optional<RetryPolicy> retry;
};

struct ModelServerSpec {
  std::optional<std::string> model;
  InferenceEngine inference_engine = InferenceEngine::kVllm;
  WorkloadSelector workload_selector;
  WorkloadPort workload_port;
  std::optional<TrafficPolicy> traffic_policy;
  std::optional<KvConnectorType> kv_connector;  // set when spec.kvConnector is present (its type defaults to http)
};

struct ModelServer {
  ObjectMeta metadata;
  ModelServerSpec spec;
  Json spec_json;  // the spec as admitted, for configuration dumps
};

Result<ModelServer> decode_model_server(const Json& object);

}  // namespace kthena::api
