// The ReplicaSet controller (kube-controller-manager's replicaset controller): keeps spec.replicas active pods of
// the template, named <replicaset>-<5 random characters>, removing surplus pods in controller.ActivePods' order, and
// reports replicas, fullyLabeledReplicas, readyReplicas and availableReplicas (ready for minReadySeconds). Pods are
// its own by controller reference; orphans that match the selector are not adopted (docs/compatibility.md).
#pragma once

#include <memory>
#include <string>

#include "controllers/expectations.h"
#include "kube/client.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/shared_informers.h"

namespace kthena::controllers::workloads {

class ReplicaSetReconciler : public kube::Reconciler {
 public:
  ReplicaSetReconciler(kube::SharedInformers& informers, kube::EventRecorder& events);
  void watch(kube::Controller& controller);
  Result<kube::ReconcileResult> reconcile(const std::string& key) override;

 private:
  std::shared_ptr<kube::KubeClient> client_;
  kube::Informer& sets_;
  kube::Informer& pods_;
  kube::EventRecorder& events_;
  Expectations expectations_;
};

}  // namespace kthena::controllers::workloads
