// `kthena router --kubeconfig FILE`: ModelRoutes, ModelServers and Pods from an API server (the embedded one or a
// real cluster's) through informers, fed into the control plane's ClusterState on the control reactor. The same
// snapshot building serves this and static files.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "kube/client.h"
#include "kube/informer.h"
#include "router/control/control_plane.h"

namespace kthena::router {

class KubeSource {
 public:
  // Connects with `kubeconfig` (empty: in-cluster configuration) and starts watching. `plane` must outlive this.
  static Result<std::unique_ptr<KubeSource>> start(const std::string& kubeconfig, ControlPlane& plane);
  KubeSource(std::shared_ptr<kube::KubeClient> client, ControlPlane& plane);
  ~KubeSource();
  KubeSource(const KubeSource&) = delete;
  KubeSource& operator=(const KubeSource&) = delete;

  // True once every informer has listed its resource. Any thread.
  bool synced() const;

 private:
  void watch(kube::Resource resource);

  std::shared_ptr<kube::KubeClient> client_;
  ControlPlane& plane_;
  std::vector<std::unique_ptr<kube::Informer>> informers_;
};

}  // namespace kthena::router
