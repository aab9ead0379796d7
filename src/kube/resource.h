// Which collection a request addresses: group, version, plural, and whether it lives in namespaces.
#pragma once

#include <string>
#include <string_view>

namespace kthena::kube {

struct Resource {
  std::string group;  // "" for the core group
  std::string version;
  std::string plural;
  std::string kind;
  bool namespaced = true;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1/namespaces/default/pods/p/status": the collection when `name` is empty; `ns` is ignored for
  // cluster-scoped resources and means "every namespace" when empty.
  std::string path(std::string_view ns, std::string_view name = {}, std::string_view subresource = {}) const;
};

// The resources the platform's components use, by their Kubernetes names.
namespace resources {
Resource pods();
Resource services();
Resource config_maps();
Resource secrets();
Resource events();
Resource namespaces();
Resource nodes();
Resource leases();
Resource controller_revisions();
Resource deployments();
Resource replica_sets();
Resource stateful_sets();
Resource service_accounts();
Resource endpoint_slices();
Resource pod_groups();
Resource model_boosters();
Resource model_servings();
Resource autoscaling_policies();
Resource model_routes();
Resource model_servers();
}  // namespace resources

}  // namespace kthena::kube
