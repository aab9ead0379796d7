#include "controllers/workloads/stateful_set_reconciler.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "controllers/revision_hash.h"
#include "controllers/workloads/workload_pods.h"

namespace kthena::controllers::workloads {
namespace {

namespace res = kube::resources;
constexpr const char* kRevisionLabel = "controller-revision-hash";
constexpr const char* kPodNameLabel = "statefulset.kubernetes.io/pod-name";
constexpr const char* kPodIndexLabel = "apps.kubernetes.io/pod-index";

// The ordinal of a pod named <set>-<n>, or -1.
int64_t ordinal_of(const std::string& set, const std::string& pod) {
  if (pod.size() <= set.size() + 1 || pod.compare(0, set.size(), set) != 0 || pod[set.size()] != '-') return -1;
  std::string digits = pod.substr(set.size() + 1);
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  if (digits.size() > 1 && digits[0] == '0') return -1;
  return std::stoll(digits);
}

}  // namespace

StatefulSetReconciler::StatefulSetReconciler(kube::SharedInformers& informers, kube::EventRecorder& events)
    : client_(informers.client()),
      sets_(informers.get(res::stateful_sets())),
      pods_(informers.get(res::pods())),
      revisions_(informers.get(res::controller_revisions())),
      events_(events) {
  pods_.add_index(kByControllerUid, controller_uid_index);
  revisions_.add_index(kByControllerUid, controller_uid_index);
}

void StatefulSetReconciler::watch(kube::Controller& controller) {
  controller.watch(sets_, kube::own_key(), kube::generation_changed());
  controller.watch(pods_, kube::controller_owner_key("apps", "StatefulSet"));
}

Result<kube::ReconcileResult> StatefulSetReconciler::reconcile(const std::string& key) {
  ObjectPtr object = sets_.cache().get(key);
  if (!object) {
    expectations_.forget(key);
    return kube::ReconcileResult{};
  }
  if (is_terminating(*object)) return kube::ReconcileResult{};
  const Json& set = *object;
  const std::string ns = str_at(set, {"metadata", "namespace"});
  const std::string name = str_at(set, {"metadata", "name"});
  const std::string uid = str_at(set, {"metadata", "uid"});
  const kube::ReconcileResult again{std::chrono::milliseconds(200)};

  // The revision of the current template: <set>-<hash>, created when missing.
  const Json& tmpl = field(set, {"spec", "template"});
  const std::string hash = revision_hash(tmpl);
  const std::string update_revision = fmt::format("{}-{}", name, hash);
  std::vector<ObjectPtr> revisions = revisions_.cache().by_index(kByControllerUid, uid);
  int64_t max_revision = 0;
  bool have_revision = false;
  for (const ObjectPtr& cr : revisions) {
    max_revision = std::max(max_revision, int_at(*cr, {"revision"}));
    have_revision |= str_at(*cr, {"metadata", "name"}) == update_revision;
  }
  if (!have_revision) {
    Json labels = field(set, {"spec", "selector", "matchLabels"});
    if (!labels.is_object()) labels = Json::object();
    labels["controller.kubernetes.io/hash"] = hash;
    Json cr = {{"apiVersion", "apps/v1"},
               {"kind", "ControllerRevision"},
               {"metadata",
                {{"name", update_revision},
                 {"namespace", ns},
                 {"labels", labels},
                 {"ownerReferences", Json::array({controller_reference(set, "StatefulSet")})}}},
               {"data", {{"spec", {{"template", tmpl}}}}},
               {"revision", max_revision + 1}};
    auto created = client_->create(res::controller_revisions(), ns, cr);
    if (!created && created.error().code != ErrorCode::kAlreadyExists) return fail(created.error());
  }
  std::string current_revision = str_at(set, {"status", "currentRevision"});
  if (current_revision.empty()) current_revision = update_revision;

  // Pods by ordinal, with the expectations of this controller's own writes.
  std::vector<ObjectPtr> owned = pods_.cache().by_index(kByControllerUid, uid);
  auto [expected_names, expected_gone] = expectations_.pending(key, owned);
  std::map<int64_t, ObjectPtr> pods;
  for (const ObjectPtr& pod : owned) {
    int64_t ordinal = ordinal_of(name, str_at(*pod, {"metadata", "name"}));
    if (ordinal >= 0) pods[ordinal] = pod;
  }
  const int64_t replicas = spec_replicas(set);
  const int64_t start = int_at(set, {"spec", "ordinals", "start"});
  const bool parallel = str_at(set, {"spec", "podManagementPolicy"}) == "Parallel";
  const bool rolling = str_at(set, {"spec", "updateStrategy", "type"}) != "OnDelete";
  const int64_t partition = int_at(set, {"spec", "updateStrategy", "rollingUpdate", "partition"});
  const int64_t min_ready = int_at(set, {"spec", "minReadySeconds"});
  const std::string service = str_at(set, {"spec", "serviceName"});

  auto busy = [&](int64_t ordinal) {  // a write of ours on this pod not yet seen
    std::string pod_name = fmt::format("{}-{}", name, ordinal);
    auto it = pods.find(ordinal);
    return expected_names.count(pod_name) ||
           (it != pods.end() && expected_gone.count(str_at(*it->second, {"metadata", "uid"})));
  };
  auto remove = [&](const ObjectPtr& pod, const char* why) -> Result<void> {
    std::string pod_name = str_at(*pod, {"metadata", "name"});
    expectations_.deleted(key, str_at(*pod, {"metadata", "uid"}));
    auto removed = client_->remove(res::pods(), ns, pod_name);
    if (!removed && removed.error().code != ErrorCode::kNotFound) return fail(removed.error());
    events_.record(set, "Normal", "SuccessfulDelete",
                   fmt::format("{} Pod {} in StatefulSet {} successful", why, pod_name, name));
    return {};
  };

  // Up: each missing ordinal, in order; OrderedReady waits for each to be Running and Ready.
  for (int64_t ordinal = start; ordinal < start + replicas; ++ordinal) {
    if (busy(ordinal)) {
      if (!parallel) break;
      continue;
    }
    auto it = pods.find(ordinal);
    if (it == pods.end()) {
      std::string pod_name = fmt::format("{}-{}", name, ordinal);
      bool at_update = ordinal - start >= partition || current_revision == update_revision;
      Json pod = pod_from_template(tmpl, set, "StatefulSet", pod_name);
      Json& labels = pod["metadata"]["labels"];
      if (!labels.is_object()) labels = Json::object();
      labels[kRevisionLabel] = at_update ? update_revision : current_revision;
      labels[kPodNameLabel] = pod_name;
      labels[kPodIndexLabel] = std::to_string(ordinal);
      pod["spec"]["hostname"] = pod_name;
      if (!service.empty()) pod["spec"]["subdomain"] = service;
      if (!at_update) {
        // An ordinal below the partition keeps the current revision's template.
        for (const ObjectPtr& cr : revisions) {
          if (str_at(*cr, {"metadata", "name"}) != current_revision) continue;
          Json old = pod_from_template(field(*cr, {"data", "spec", "template"}), set, "StatefulSet", pod_name);
          old["metadata"]["labels"] = labels;
          old["spec"]["hostname"] = pod_name;
          if (!service.empty()) old["spec"]["subdomain"] = service;
          pod = std::move(old);
        }
      }
      expectations_.created(key, pod_name);
      auto created = client_->create(res::pods(), ns, pod);
      if (!created && created.error().code != ErrorCode::kAlreadyExists) {
        expectations_.forget(key);
        events_.record(
            set, "Warning", "FailedCreate",
            fmt::format("create Pod {} in StatefulSet {} failed error: {}", pod_name, name, created.error().message));
        return fail(created.error());
      }
      events_.record(set, "Normal", "SuccessfulCreate",
                     fmt::format("create Pod {} in StatefulSet {} successful", pod_name, name));
      if (!parallel) break;
      continue;
    }
    const Json& pod = *it->second;
    if (str_at(pod, {"status", "phase"}) == "Failed" && !is_terminating(pod)) {
      if (auto r = remove(it->second, "delete"); !r) return fail(r.error());
      if (!parallel) break;
      continue;
    }
    if (!parallel && (is_terminating(pod) || !pod_ready(pod))) break;
  }

  // Down: ordinals past the end, highest first; OrderedReady one at a time.
  for (auto it = pods.rbegin(); it != pods.rend(); ++it) {
    if (it->first >= start && it->first < start + replicas) continue;
    if (is_terminating(*it->second) || busy(it->first)) {
      if (!parallel) break;
      continue;
    }
    if (auto r = remove(it->second, "delete"); !r) return fail(r.error());
    if (!parallel) break;
  }

  // Rolling update: once every pod exists and is ready, the highest outdated ordinal at or above the partition.
  bool all_ready = true;
  for (int64_t ordinal = start; ordinal < start + replicas; ++ordinal) {
    auto it = pods.find(ordinal);
    all_ready &= it != pods.end() && !busy(ordinal) && !is_terminating(*it->second) && pod_ready(*it->second);
  }
  if (rolling && all_ready) {
    for (int64_t ordinal = start + replicas - 1; ordinal >= start + partition; --ordinal) {
      const ObjectPtr& pod = pods[ordinal];
      if (str_at(*pod, {"metadata", "labels", kRevisionLabel}) == update_revision) continue;
      if (auto r = remove(pod, "delete"); !r) return fail(r.error());
      break;
    }
  }

  // Status.
  const auto now = Clock::now();
  int64_t count = 0, ready = 0, available = 0, current = 0, updated = 0;
  std::optional<Clock::duration> next_available;
  for (const auto& [ordinal, pod] : pods) {
    if (!pod_active(*pod)) continue;
    ++count;
    if (pod_ready(*pod)) ++ready;
    if (pod_available(*pod, min_ready, now)) {
      ++available;
    } else if (auto wait = until_available(*pod, min_ready, now)) {
      next_available = next_available ? std::min(*next_available, *wait) : *wait;
    }
    std::string revision = str_at(*pod, {"metadata", "labels", kRevisionLabel});
    if (revision == current_revision) ++current;
    if (revision == update_revision) ++updated;
  }
  // The update is complete when every replica runs the update revision and is ready: it becomes current.
  if (updated == replicas && ready == replicas && count == replicas) {
    current_revision = update_revision;
    current = updated;
  }
  Json status = set.value("status", Json::object());
  Json next = status;
  next["observedGeneration"] = int_at(set, {"metadata", "generation"}, 1);
  next["replicas"] = count;
  next["readyReplicas"] = ready;
  next["availableReplicas"] = available;
  next["currentReplicas"] = current;
  next["updatedReplicas"] = updated;
  next["currentRevision"] = current_revision;
  next["updateRevision"] = update_revision;
  kube::ReconcileResult result;
  if (next != status) {
    Json written = set;
    written["status"] = next;
    auto w = client_->update_status(res::stateful_sets(), written);
    if (!w && w.error().code == ErrorCode::kConflict) return again;
    if (!w && w.error().code != ErrorCode::kNotFound) return fail(w.error());
  }

  // Revisions beyond the history limit that no pod uses and that are neither current nor the update.
  std::set<std::string> in_use = {current_revision, update_revision};
  for (const auto& [ordinal, pod] : pods) in_use.insert(str_at(*pod, {"metadata", "labels", kRevisionLabel}));
  std::vector<ObjectPtr> idle;
  for (const ObjectPtr& cr : revisions) {
    if (!in_use.count(str_at(*cr, {"metadata", "name"}))) idle.push_back(cr);
  }
  std::sort(idle.begin(), idle.end(),
            [](const ObjectPtr& a, const ObjectPtr& b) { return int_at(*a, {"revision"}) < int_at(*b, {"revision"}); });
  const int64_t limit = int_at(set, {"spec", "revisionHistoryLimit"}, 10);
  for (size_t i = 0; static_cast<int64_t>(idle.size() - i) > limit; ++i) {
    (void)client_->remove(res::controller_revisions(), ns, str_at(*idle[i], {"metadata", "name"}));
  }
  if (next_available) {
    result.requeue_after =
        std::chrono::duration_cast<std::chrono::milliseconds>(*next_available) + std::chrono::milliseconds(100);
  }
  return result;
}

}  // namespace kthena::controllers::workloads
