// The StatefulSet controller (kube-controller-manager's statefulset controller): pods named <set>-<ordinal> with
// stable hostnames (hostname = pod name, subdomain = serviceName), created in ordinal order and each Running and
// Ready before the next under OrderedReady (all at once under Parallel), removed from the highest ordinal down;
// template revisions recorded in ControllerRevisions (<set>-<hash>), a rolling update that replaces pods from the
// highest ordinal down to the partition, one at a time; OnDelete leaves that to the user. volumeClaimTemplates are
// stored but make no claims (no PersistentVolumes here: docs/compatibility.md).
#pragma once

#include <memory>
#include <string>

#include "controllers/expectations.h"
#include "kube/client.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/shared_informers.h"

namespace kthena::controllers::workloads {

class StatefulSetReconciler : public kube::Reconciler {
 public:
  StatefulSetReconciler(kube::SharedInformers& informers, kube::EventRecorder& events);
  void watch(kube::Controller& controller);
  Result<kube::ReconcileResult> reconcile(const std::string& key) override;

 private:
  std::shared_ptr<kube::KubeClient> client_;
  kube::Informer& sets_;
  kube::Informer& pods_;
  kube::Informer& revisions_;
  kube::EventRecorder& events_;
  Expectations expectations_;
};

}  // namespace kthena::controllers::workloads
