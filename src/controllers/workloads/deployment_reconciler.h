// The Deployment controller (kube-controller-manager's deployment controller): a ReplicaSet per pod template,
// named <deployment>-<template hash>, labelled and selected with pod-template-hash; a rolling update that scales the
// new ReplicaSet up within maxSurge and the old ones down within maxUnavailable (counting only available pods), or
// Recreate; revisions in the deployment.kubernetes.io/revision annotation (what `kubectl rollout history` and
// `rollout undo` read), old ReplicaSets kept up to revisionHistoryLimit; status and the Available and Progressing
// conditions as `kubectl rollout status` reads them, with the progress deadline.
#pragma once

#include <memory>
#include <string>

#include "kube/client.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/shared_informers.h"

namespace kthena::controllers::workloads {

inline constexpr const char* kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr const char* kTemplateHashLabel = "pod-template-hash";

class DeploymentReconciler : public kube::Reconciler {
 public:
  DeploymentReconciler(kube::SharedInformers& informers, kube::EventRecorder& events);
  void watch(kube::Controller& controller);
  Result<kube::ReconcileResult> reconcile(const std::string& key) override;

 private:
  struct Pass;  // one reconcile's working state (deployment_reconciler.cpp)

  std::shared_ptr<kube::KubeClient> client_;
  kube::Informer& deployments_;
  kube::Informer& sets_;
  kube::EventRecorder& events_;
};

}  // namespace kthena::controllers::workloads
