// The LeaderWorkerSet bridge (spec kthena-workload.md §3.14): for each LeaderWorkerSet, a ModelServing of the same
// name that it owns, whose one role "default" is the LWS's leader and workers, with the lws-standard-labels plugin
// putting LWS's own labels on the pods; the ModelServing's status is mirrored back onto the LWS. Manifests and tools
// written for LWS then run on the ModelServing controller.
//
// Unlike upstream, a ModelServing of that name that the LWS does not own is left alone (an Event says so) rather
// than overwritten, and the desired spec is compared after the API server's defaults, so a converged bridge issues
// no writes.
#pragma once

#include <memory>
#include <string>

#include "api/json.h"
#include "kube/client.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/resource.h"
#include "kube/shared_informers.h"

namespace kthena::controllers::modelserving {

kube::Resource leader_worker_sets();

// The ModelServing spec that stands for `lws` (before schema defaults).
Json lws_model_serving_spec(const Json& lws);

class LwsBridge : public kube::Reconciler {
 public:
  LwsBridge(kube::SharedInformers& informers, kube::EventRecorder& events);
  void watch(kube::Controller& controller);
  Result<kube::ReconcileResult> reconcile(const std::string& key) override;

 private:
  std::shared_ptr<kube::KubeClient> client_;
  kube::Informer& sets_;
  kube::Informer& servings_;
  kube::EventRecorder& events_;
};

}  // namespace kthena::controllers::modelserving
