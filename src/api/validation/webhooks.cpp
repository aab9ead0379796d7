#include "api/validation/webhooks.h"

#include "api/validation/autoscaling_policy_binding_validation.h"
#include "api/validation/autoscaling_policy_defaults.h"
#include "api/validation/autoscaling_policy_validation.h"
#include "api/validation/config_data_rules.h"
#include "api/validation/external_model_provider_validation.h"
#include "api/validation/model_booster_validation.h"
#include "api/validation/model_route_validation.h"
#include "api/validation/model_server_validation.h"
#include "api/validation/model_serving_validation.h"
#include "api/validation/pod_rules.h"
#include "api/validation/workload_rules.h"

namespace kthena::api {
namespace {

struct Entry {
  std::string_view group;
  std::string_view kind;
  Webhooks webhooks;
};

constexpr std::string_view kWorkload = "workload.serving.volcano.sh";
constexpr std::string_view kNetworking = "networking.serving.volcano.sh";

// A Secret's stringData is folded into data by a mutation: the hook's signature takes no old object, and
// Kubernetes does it on every write.
void mutate_secret(Json& secret) {
  merge_secret_string_data(secret);
}

// One line per kind that has webhook rules (the core kinds' are kube-apiserver's registry strategies).
constexpr Entry kEntries[] = {
    {"", "Secret", {validate_secret, mutate_secret}},
    {"", "ConfigMap", {validate_config_map, nullptr}},
    {"", "Pod", {validate_pod, default_pod}},
    {"apps", "Deployment", {validate_deployment, default_deployment}},
    {"apps", "ReplicaSet", {validate_replica_set, nullptr}},
    {"apps", "StatefulSet", {validate_stateful_set, default_stateful_set}},
    {kWorkload, "ModelBooster", {validate_model_booster, nullptr}},
    {kWorkload, "ModelServing", {validate_model_serving, nullptr}},
    {kWorkload, "AutoscalingPolicy", {validate_autoscaling_policy, default_autoscaling_policy}},
    {kWorkload, "AutoscalingPolicyBinding", {validate_autoscaling_policy_binding, nullptr}},
    {kNetworking, "ModelRoute", {validate_model_route, nullptr}},
    {kNetworking, "ModelServer", {validate_model_server, default_model_server}},
    {kNetworking, "ExternalModelProvider", {validate_external_model_provider, nullptr}},
};

}  // namespace

Webhooks find_webhooks(std::string_view group, std::string_view kind) {
  for (const Entry& e : kEntries) {
    if (e.group == group && e.kind == kind) return e.webhooks;
  }
  return {};
}

}  // namespace kthena::api
