#include "kube/resource.h"

namespace kthena::kube {

std::string Resource::path(std::string_view ns, std::string_view name, std::string_view subresource) const {
  std::string out = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) {
    out += "/namespaces/";
    out += ns;
  }
  out += "/" + plural;
  if (!name.empty()) {
    out += "/";
    out += name;
    if (!subresource.empty()) {
      out += "/";
      out += subresource;
    }
  }
  return out;
}

namespace resources {
namespace {
constexpr const char* kWorkload = "workload.serving.volcano.sh";
constexpr const char* kNetworking = "networking.serving.volcano.sh";
}  // namespace

Resource pods() {
  return {"", "v1", "pods", "Pod", true};
}
Resource services() {
  return {"", "v1", "services", "Service", true};
}
Resource config_maps() {
  return {"", "v1", "configmaps", "ConfigMap", true};
}
Resource secrets() {
  return {"", "v1", "secrets", "Secret", true};
}
Resource events() {
  return {"", "v1", "events", "Event", true};
}
Resource namespaces() {
  return {"", "v1", "namespaces", "Namespace", false};
}
Resource nodes() {
  return {"", "v1", "nodes", "Node", false};
}
Resource leases() {
  return {"coordination.k8s.io", "v1", "leases", "Lease", true};
}
Resource controller_revisions() {
  return {"apps", "v1", "controllerrevisions", "ControllerRevision", true};
}
Resource deployments() {
  return {"apps", "v1", "deployments", "Deployment", true};
}
Resource replica_sets() {
  return {"apps", "v1", "replicasets", "ReplicaSet", true};
}
Resource stateful_sets() {
  return {"apps", "v1", "statefulsets", "StatefulSet", true};
}
Resource service_accounts() {
  return {"", "v1", "serviceaccounts", "ServiceAccount", true};
}
Resource endpoint_slices() {
  return {"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true};
}
Resource pod_groups() {
  return {"scheduling.volcano.sh", "v1beta1", "podgroups", "PodGroup", true};
}
Resource model_boosters() {
  return {kWorkload, "v1alpha1", "modelboosters", "ModelBooster", true};
}
Resource model_servings() {
  return {kWorkload, "v1alpha1", "modelservings", "ModelServing", true};
}
Resource autoscaling_policies() {
  return {kWorkload, "v1alpha1", "autoscalingpolicies", "AutoscalingPolicy", true};
}
Resource model_routes() {
  return {kNetworking, "v1alpha1", "modelroutes", "ModelRoute", true};
}
Resource model_servers() {
  return {kNetworking, "v1alpha1", "modelservers", "ModelServer", true};
}
}  // namespace resources

}  // namespace kthena::kube
