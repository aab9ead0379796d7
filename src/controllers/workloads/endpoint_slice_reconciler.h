// The EndpointSlice controller (kube-controller-manager's endpointslice controller): for every Service with a
// selector, the pods it selects that have an IP, as discovery.k8s.io/v1 EndpointSlices labelled
// kubernetes.io/service-name, with ready / serving / terminating conditions and the Service's ports resolved against
// each pod (a named targetPort is looked up in the pod's containers; pods that resolve differently get their own
// slice). Slices are named <service>-<hash of their ports> rather than generated, so the controller finds its own
// after a restart without a list. Services without a selector are left to whoever writes their slices.
#pragma once

#include <memory>
#include <string>

#include "kube/client.h"
#include "kube/controller.h"
#include "kube/shared_informers.h"

namespace kthena::controllers::workloads {

class EndpointSliceReconciler : public kube::Reconciler {
 public:
  explicit EndpointSliceReconciler(kube::SharedInformers& informers);
  void watch(kube::Controller& controller);
  Result<kube::ReconcileResult> reconcile(const std::string& key) override;

 private:
  std::shared_ptr<kube::KubeClient> client_;
  kube::Informer& services_;
  kube::Informer& pods_;
  kube::Informer& slices_;
};

}  // namespace kthena::controllers::workloads
