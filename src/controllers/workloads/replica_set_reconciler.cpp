#include "controllers/workloads/replica_set_reconciler.h"

#include <algorithm>

#include <fmt/format.h>

#include "api/values/selector.h"
#include "controllers/workloads/workload_pods.h"

namespace kthena::controllers::workloads {
namespace {

namespace res = kube::resources;

// How many pods one reconcile creates or deletes at most (kube's burstReplicas): a huge scale-up proceeds in steps,
// each seen through the caches, rather than thousands of writes in one pass.
constexpr int64_t kBurst = 500;

}  // namespace

ReplicaSetReconciler::ReplicaSetReconciler(kube::SharedInformers& informers, kube::EventRecorder& events)
    : client_(informers.client()),
      sets_(informers.get(res::replica_sets())),
      pods_(informers.get(res::pods())),
      events_(events) {
  pods_.add_index(kByControllerUid, controller_uid_index);
}

void ReplicaSetReconciler::watch(kube::Controller& controller) {
  // Status writes do not change the generation, so the ReplicaSet's own updates come only for spec changes.
  controller.watch(sets_, kube::own_key(), kube::generation_changed());
  controller.watch(pods_, kube::controller_owner_key("apps", "ReplicaSet"));
}

Result<kube::ReconcileResult> ReplicaSetReconciler::reconcile(const std::string& key) {
  ObjectPtr rs = sets_.cache().get(key);
  if (!rs) {
    expectations_.forget(key);
    return kube::ReconcileResult{};
  }
  if (is_terminating(*rs)) return kube::ReconcileResult{};  // the garbage collector removes its pods
  const std::string ns = str_at(*rs, {"metadata", "namespace"});
  const std::string name = str_at(*rs, {"metadata", "name"});
  const std::string uid = str_at(*rs, {"metadata", "uid"});

  std::vector<ObjectPtr> owned = pods_.cache().by_index(kByControllerUid, uid);
  auto [expected_names, expected_gone] = expectations_.pending(key, owned);
  std::vector<ObjectPtr> active;
  for (const ObjectPtr& pod : owned) {
    if (pod_active(*pod) && !expected_gone.count(str_at(*pod, {"metadata", "uid"}))) active.push_back(pod);
  }
  const int64_t wanted = spec_replicas(*rs);
  const int64_t have = static_cast<int64_t>(active.size() + expected_names.size());

  const Json& tmpl = field(*rs, {"spec", "template"});
  if (have < wanted && tmpl.is_object()) {
    int64_t n = std::min(wanted - have, kBurst);
    for (int64_t i = 0; i < n; ++i) {
      std::string pod_name = fmt::format("{}-{}", name, random_suffix(5));
      Json pod = pod_from_template(tmpl, *rs, "ReplicaSet", pod_name);
      expectations_.created(key, pod_name);
      auto created = client_->create(res::pods(), ns, pod);
      if (!created) {
        expectations_.forget(key);
        events_.record(*rs, "Warning", "FailedCreate", fmt::format("Error creating: {}", created.error().message));
        return fail(created.error());
      }
      events_.record(*rs, "Normal", "SuccessfulCreate", fmt::format("Created pod: {}", pod_name));
    }
  } else if (have > wanted) {
    sort_for_deletion(active);
    int64_t n = std::min<int64_t>({have - wanted, kBurst, static_cast<int64_t>(active.size())});
    for (int64_t i = 0; i < n; ++i) {
      const Json& pod = *active[static_cast<size_t>(i)];
      std::string pod_name = str_at(pod, {"metadata", "name"});
      expectations_.deleted(key, str_at(pod, {"metadata", "uid"}));
      auto removed = client_->remove(res::pods(), ns, pod_name);
      if (!removed && removed.error().code != ErrorCode::kNotFound) {
        events_.record(*rs, "Warning", "FailedDelete", fmt::format("Error deleting: {}", removed.error().message));
        return fail(removed.error());
      }
      events_.record(*rs, "Normal", "SuccessfulDelete", fmt::format("Deleted pod: {}", pod_name));
    }
  }

  // Status, from what the cache shows (pods in flight are counted once they appear).
  const auto now = Clock::now();
  const int64_t min_ready = int_at(*rs, {"spec", "minReadySeconds"});
  Json template_labels = field(tmpl, {"metadata", "labels"});
  if (!template_labels.is_object()) template_labels = Json::object();
  auto template_selector = api::Selector::from_label_selector(Json{{"matchLabels", template_labels}});
  int64_t replicas = 0, labeled = 0, ready = 0, available = 0, terminating = 0;
  std::optional<Clock::duration> next_available;
  for (const ObjectPtr& pod : owned) {
    if (is_terminating(*pod)) {
      ++terminating;
      continue;
    }
    if (!pod_active(*pod)) continue;
    ++replicas;
    if (template_selector && template_selector->matches_labels(field(*pod, {"metadata", "labels"}))) ++labeled;
    if (pod_ready(*pod)) ++ready;
    if (pod_available(*pod, min_ready, now)) {
      ++available;
    } else if (auto wait = until_available(*pod, min_ready, now)) {
      next_available = next_available ? std::min(*next_available, *wait) : *wait;
    }
  }
  Json status = (*rs).value("status", Json::object());
  Json next = status;
  next["replicas"] = replicas;
  next["fullyLabeledReplicas"] = labeled;
  next["readyReplicas"] = ready;
  next["availableReplicas"] = available;
  next["terminatingReplicas"] = terminating;
  next["observedGeneration"] = int_at(*rs, {"metadata", "generation"}, 1);
  kube::ReconcileResult result;
  if (next != status) {
    Json updated = *rs;
    updated["status"] = next;
    auto written = client_->update_status(res::replica_sets(), updated);
    if (!written && written.error().code == ErrorCode::kConflict) {
      // The cache is behind a write of someone else's: again once it has caught up.
      result.requeue_after = std::chrono::milliseconds(200);
      return result;
    }
    if (!written && written.error().code != ErrorCode::kNotFound) return fail(written.error());
  }
  if (next_available) {
    result.requeue_after =
        std::chrono::duration_cast<std::chrono::milliseconds>(*next_available) + std::chrono::milliseconds(100);
  }
  return result;
}

}  // namespace kthena::controllers::workloads
