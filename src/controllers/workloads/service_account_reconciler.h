#pragma once

#include <memory>
#include <string>

#include "kube/client.h"
#include "kube/controller.h"
#include "kube/shared_informers.h"

namespace kthena::controllers::workloads {

// The ServiceAccount controller's one duty here: every active namespace has a ServiceAccount named "default".
class ServiceAccountReconciler : public kube::Reconciler {
 public:
  explicit ServiceAccountReconciler(kube::SharedInformers& informers);
  void watch(kube::Controller& controller);
  Result<kube::ReconcileResult> reconcile(const std::string& key) override;

 private:
  std::shared_ptr<kube::KubeClient> client_;
  kube::Informer& namespaces_;
  kube::Informer& accounts_;
};

}  // namespace kthena::controllers::workloads
