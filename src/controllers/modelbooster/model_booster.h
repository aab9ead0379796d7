// The parts of a ModelBooster that conversion reads (spec kthena-workload.md §1.3), taken out of the admitted
// kthena::Json once so that the builders work on named fields instead of JSON lookups. Free-form parts (env,
// resources, affinity, tolerations, worker config, modelMatch) stay JSON: conversion copies them, never
// interprets more of them than the spec says.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_error.h"
#include "api/json.h"
#include "common/result.h"

namespace kthena::controllers::modelbooster {

inline constexpr std::string_view kBackendVllm = "vLLM";
inline constexpr std::string_view kBackendVllmDisaggregated = "vLLMDisaggregated";

inline constexpr std::string_view kWorkerServer = "server";
inline constexpr std::string_view kWorkerPrefill = "prefill";
inline constexpr std::string_view kWorkerDecode = "decode";

struct ModelWorker {
  size_t index = 0;  // position in spec.backend.workers, for error paths
  std::string type{kWorkerServer};
  std::string image;
  int32_t replicas = 0;  // no CRD default: an omitted value is 0, as upstream's non-pointer int32
  int32_t pods = 0;
  Json resources;    // ResourceRequirements, null when absent
  Json affinity;     // Affinity, null when absent
  Json tolerations;  // [Toleration], null when absent
  Json config;       // engine arguments; null when absent, otherwise whatever the user wrote

  FieldPath path() const;  // spec.backend.workers[i]
};

struct ModelBackend {
  Json json;  // spec.backend exactly as admitted: the ModelServing revision's input, and the shared rules' input
  std::string name;
  std::string type;
  std::string model_uri;
  std::string cache_uri;
  Json env = Json::array();       // [EnvVar]
  Json env_from = Json::array();  // [EnvFromSource]
  std::optional<int32_t> replicas;
  std::optional<int32_t> min_replicas;  // v0.2.0
  std::optional<int32_t> max_replicas;  // v0.2.0
  std::vector<ModelWorker> workers;
  std::string scheduler_name;
  std::string runtime_class_name;

  // The first env entry named `name` (upstream's env.GetEnvValueOrDefault), with its index, or nullptr.
  const Json* find_env(std::string_view name, size_t* index = nullptr) const;
  // The last worker of `type`, as upstream's worker map keeps it, or nullptr.
  const ModelWorker* worker_of_type(std::string_view type) const;
};

struct ModelBooster {
  std::string name;
  std::string namespace_;
  std::string uid;
  std::string served_name;  // spec.name: the client-facing model name, may be empty
  Json model_match;         // spec.modelMatch, null when absent
  ModelBackend backend;
  Json autoscaling_policy;  // v0.2.0 spec.autoscalingPolicy, null when absent
};

// Reads an admitted ModelBooster. Fails, naming the field, on a missing required field or a value of the wrong
// type, which only unadmitted input can have.
Result<ModelBooster> read_model_booster(const Json& object);

// An Error carrying one Kubernetes field error: field = the error's path, message = the rest of its text.
tl::unexpected<Error> field_failure(const FieldError& error);

}  // namespace kthena::controllers::modelbooster
