// The ModelServing reconciler (spec kthena-workload.md §3): serving groups × roles become pods, headless Services,
// Volcano PodGroups and ControllerRevisions; scaling, rolling updates and recovery converge them; the status says
// where they stand. It is level-triggered: every reconcile rebuilds the state from the caches (observed_state.h),
// so a restarted controller converges from whatever it finds, and a converged ModelServing costs no write.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "controllers/modelserving/observed_state.h"
#include "kube/client.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/shared_informers.h"

namespace kthena::controllers::modelserving {

struct ReconcilerOptions {
  // Gang scheduling: a PodGroup per serving group when the ModelServing's schedulerName is "volcano" (upstream
  // also requires the PodGroup CRD; the embedded API server always serves it).
  bool pod_groups = true;
  bool sub_group_policy = true;
};

// The index every cache of ModelServing-owned objects gets: "<namespace>/<modelserving.volcano.sh/name>".
inline constexpr const char* kByModelServing = "modelserving";

class ModelServingReconciler : public kube::Reconciler {
 public:
  // Registers the informers and indexes it reads on `informers` (call before informers.start()).
  ModelServingReconciler(kube::SharedInformers& informers, kube::EventRecorder& events, ReconcilerOptions options);

  // Wires `controller`'s watches: ModelServings on spec changes, and everything they own.
  void watch(kube::Controller& controller);

  Result<kube::ReconcileResult> reconcile(const std::string& key) override;

 private:
  struct Pass;  // one reconcile's working state (reconciler.cpp)
  friend struct Pass;

  std::shared_ptr<kube::KubeClient> client_;
  kube::Informer& servings_;
  kube::Informer& pods_;
  kube::Informer& services_;
  kube::Informer* pod_groups_;
  kube::Informer& revisions_;
  kube::EventRecorder& events_;
  const ReconcilerOptions options_;
  Expectations expectations_;

  std::mutex mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point> failed_since_;  // pod uid -> first seen failed
  std::set<std::string> running_announced_;  // "<ns>/<group>/<role-id>" that had their RoleRunning event
  // Serving groups that lost a pod we did not delete, for ServingGroupRecreate: "<ns>/<ms>" -> group names. A hint
  // from the delete events, as upstream acts on them; lost on restart, when the group is healed pod by pod instead.
  std::map<std::string, std::set<std::string>> lost_pod_groups_;
};

}  // namespace kthena::controllers::modelserving
