// The ModelBooster reconciler (spec kthena-workload.md §2): a ModelBooster's generated ModelServing, ModelServer,
// ModelRoute and (v0.2.0) AutoscalingPolicy are created, updated when their revision label moves, healed when
// deleted, and removed when no longer generated; the booster's conditions say where it stands. Conversion is
// `kthena convert`'s (converter.h), so the live objects equal what `kthena convert` prints.
//
// A child that exists under the generated name but is not controlled by the booster is never touched: the booster
// goes Failed and says which object is in the way.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "controllers/modelbooster/converter.h"
#include "kube/client.h"
#include "kube/controller.h"
#include "kube/event_recorder.h"
#include "kube/shared_informers.h"

namespace kthena::controllers::modelbooster {

// The index of every generated kind's cache: "<namespace>/<workload.serving.volcano.sh/model-uid>".
inline constexpr const char* kByModelBooster = "modelbooster";

class ModelBoosterReconciler : public kube::Reconciler {
 public:
  ModelBoosterReconciler(kube::SharedInformers& informers, kube::EventRecorder& events,
                         ModelBoosterConverter converter);

  void watch(kube::Controller& controller);
  Result<kube::ReconcileResult> reconcile(const std::string& key) override;

 private:
  struct Pass;  // reconciler.cpp
  friend struct Pass;

  std::shared_ptr<kube::KubeClient> client_;
  kube::Informer& boosters_;
  kube::Informer& servings_;
  kube::Informer& servers_;
  kube::Informer& routes_;
  kube::Informer& policies_;
  kube::EventRecorder& events_;
  const ModelBoosterConverter converter_;

  std::mutex mutex_;
  std::set<std::string> warned_;  // "<key>\n<failure>" already recorded as an Event: one Event per distinct failure
};

}  // namespace kthena::controllers::modelbooster
