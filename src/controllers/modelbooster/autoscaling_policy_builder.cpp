#include "controllers/modelbooster/autoscaling_policy_builder.h"

#include <algorithm>

#include "controllers/modelbooster/ownership.h"
#include "controllers/revision_hash.h"

namespace kthena::controllers::modelbooster {
namespace {

FieldPath backend_path() {
  return FieldPath("spec.backend");
}
FieldPath policy_path() {
  return FieldPath("spec.autoscalingPolicy");
}

// v0.2.0 metrics[{metricName, targetValue}] -> current metrics[{name, targetValue}]. A metric already written in
// the current shape ({name}) is taken as it is.
Result<Json> current_metrics(const Json& policy) {
  auto it = policy.find("metrics");
  if (it == policy.end() || !it->is_array() || it->empty()) {
    return field_failure(required(policy_path().child("metrics"), "at least one metric is required"));
  }
  Json metrics = Json::array();
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& m = (*it)[i];
    const FieldPath path = policy_path().child("metrics").index(i);
    const Json* name = nullptr;
    for (const char* key : {"metricName", "name"}) {
      auto n = m.find(key);
      if (n != m.end() && n->is_string() && !n->get_ref<const std::string&>().empty()) name = &*n;
    }
    if (name == nullptr) return field_failure(required(path.child("metricName"), ""));
    auto target = m.find("targetValue");
    if (target == m.end() || target->is_null()) return field_failure(required(path.child("targetValue"), ""));
    metrics.push_back(Json{{"name", *name}, {"targetValue", *target}});
  }
  return metrics;
}

}  // namespace

Result<int32_t> serving_replicas(const ModelBooster& booster) {
  const ModelBackend& backend = booster.backend;
  if (backend.replicas) return *backend.replicas;
  if (!backend.min_replicas) return field_failure(required(backend_path().child("replicas"), ""));
  const bool autoscaled = !booster.autoscaling_policy.is_null();
  return autoscaled ? std::max(*backend.min_replicas, 1) : *backend.min_replicas;
}

Result<std::optional<Json>> build_autoscaling_policy(const ModelBooster& booster, const BackendSettings& settings) {
  const Json& policy = booster.autoscaling_policy;
  if (policy.is_null()) return std::optional<Json>();
  const ModelBackend& backend = booster.backend;
  if (!backend.max_replicas) {
    return field_failure(required(backend_path().child("maxReplicas"),
                                  "spec.autoscalingPolicy needs the backend's "
                                  "minReplicas and maxReplicas"));
  }
  auto metrics = current_metrics(policy);
  if (!metrics) return fail(metrics.error());

  // v0.2.0 selected the entry pods of role `leader`, which only vLLM backends have; the autoscaler already limits a
  // disaggregated backend's scrape to its entry pods, so it gets no extra selector.
  Json pod_source = Json::object();
  if (backend.type == kBackendVllm) {
    pod_source["labelSelector"] = {{"matchLabels", {{"modelserving.volcano.sh/role", "leader"}}}};
  }
  pod_source["port"] = settings.runtime_port;
  Json sources = Json::object();
  for (const Json& m : *metrics) sources[m["name"].get<std::string>()] = {{"pod", pod_source}};

  const std::string serving = backend_resource_name(booster.name, backend.name);
  Json spec = Json::object();
  if (auto t = policy.find("tolerancePercent"); t != policy.end() && !t->is_null()) spec["tolerancePercent"] = *t;
  spec["metrics"] = std::move(*metrics);
  if (auto b = policy.find("behavior"); b != policy.end() && !b->is_null()) spec["behavior"] = *b;
  spec["homogeneousTarget"] = {
      {"target", {{"targetRef", {{"kind", "ModelServing"}, {"name", serving}}}, {"metricSources", sources}}},
      {"minReplicas", std::max(backend.min_replicas.value_or(0), 1)},
      {"maxReplicas", *backend.max_replicas},
  };
  return std::optional<Json>(Json{
      {"apiVersion", kWorkloadApiVersion},
      {"kind", "AutoscalingPolicy"},
      {"metadata", object_metadata(booster, serving, backend.name, revision_hash(spec))},
      {"spec", std::move(spec)},
  });
}

}  // namespace kthena::controllers::modelbooster
