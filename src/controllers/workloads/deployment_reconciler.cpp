#include "controllers/workloads/deployment_reconciler.h"

#include <algorithm>

#include <fmt/format.h>

#include "api/values/rfc3339_time.h"
#include "controllers/revision_hash.h"
#include "controllers/workloads/workload_pods.h"

namespace kthena::controllers::workloads {
namespace {

namespace res = kube::resources;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kDesiredReplicas = "deployment.kubernetes.io/desired-replicas";
constexpr const char* kMaxReplicas = "deployment.kubernetes.io/max-replicas";
constexpr const char* kChangeCause = "kubernetes.io/change-cause";

int64_t revision_of(const Json& rs) {
  std::string text = str_at(rs, {"metadata", "annotations", kRevisionAnnotation});
  if (text.empty() || text.size() > 18 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return std::stoll(text);
}

// The template without the pod-template-hash label, to compare a ReplicaSet's template with the Deployment's.
Json without_hash(Json tmpl) {
  if (tmpl.is_object() && tmpl.contains("metadata") && tmpl["metadata"].is_object()) {
    Json& labels = tmpl["metadata"]["labels"];
    if (labels.is_object()) {
      labels.erase(kTemplateHashLabel);
      if (labels.empty()) tmpl["metadata"].erase("labels");
    } else {
      tmpl["metadata"].erase("labels");
    }
  }
  return tmpl;
}

std::string created_at(const ObjectPtr& o) {
  return str_at(*o, {"metadata", "creationTimestamp"});
}

// Oldest first (controller.ReplicaSetsByCreationTimestamp), name as the tie-break.
void sort_oldest_first(std::vector<ObjectPtr>& sets) {
  std::stable_sort(sets.begin(), sets.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
    if (created_at(a) != created_at(b)) return created_at(a) < created_at(b);
    return str_at(*a, {"metadata", "name"}) < str_at(*b, {"metadata", "name"});
  });
}

const Json* condition(const Json& status, std::string_view type) {
  if (!status.contains("conditions") || !status["conditions"].is_array()) return nullptr;
  for (const Json& c : status["conditions"]) {
    if (c.value("type", std::string()) == type) return &c;
  }
  return nullptr;
}

// Sets a condition as deploymentutil.SetDeploymentCondition: the transition time moves only when the status does;
// the update time when anything does (or `touch`, for progress).
void set_condition(Json& status, const std::string& type, const std::string& value, const std::string& reason,
                   const std::string& message, bool touch = false) {
  std::string now = api::now_rfc3339();
  Json next = {{"type", type},     {"status", value},   {"lastUpdateTime", now}, {"lastTransitionTime", now},
               {"reason", reason}, {"message", message}};
  if (!status.contains("conditions") || !status["conditions"].is_array()) status["conditions"] = Json::array();
  for (Json& c : status["conditions"]) {
    if (c.value("type", std::string()) != type) continue;
    if (c.value("status", std::string()) == value) next["lastTransitionTime"] = c.value("lastTransitionTime", now);
    if (!touch && c.value("status", std::string()) == value && c.value("reason", std::string()) == reason &&
        c.value("message", std::string()) == message) {
      return;  // unchanged: no write
    }
    c = std::move(next);
    return;
  }
  status["conditions"].push_back(std::move(next));
}

}  // namespace

// One reconcile of one Deployment.
struct DeploymentReconciler::Pass {
  DeploymentReconciler& self;
  const Json& d;
  std::string ns, name;
  int64_t replicas = 1;
  bool recreate = false;
  int64_t max_surge = 0, max_unavailable = 0;
  ObjectPtr new_rs;
  std::vector<ObjectPtr> old_sets;   // oldest first
  std::string new_condition_reason;  // NewReplicaSetCreated, when this pass made it

  static int64_t spec_of(const ObjectPtr& rs) { return spec_replicas(*rs); }
  int64_t all_spec() const {
    int64_t n = new_rs ? spec_of(new_rs) : 0;
    for (const ObjectPtr& rs : old_sets) n += spec_of(rs);
    return n;
  }
  int64_t old_spec() const {
    int64_t n = 0;
    for (const ObjectPtr& rs : old_sets) n += spec_of(rs);
    return n;
  }

  // Scales `rs` to `count` (and records the Deployment's sizes on it): false when the write lost a race.
  Result<bool> scale(const ObjectPtr& rs, int64_t count) {
    int64_t from = spec_of(rs);
    Json updated = *rs;
    updated["spec"]["replicas"] = count;
    Json& annotations = updated["metadata"]["annotations"];
    if (!annotations.is_object()) annotations = Json::object();
    annotations[kDesiredReplicas] = std::to_string(replicas);
    annotations[kMaxReplicas] = std::to_string(replicas + max_surge);
    if (updated == *rs) return true;
    auto written = self.client_->update(res::replica_sets(), updated);
    if (!written) {
      if (written.error().code == ErrorCode::kConflict || written.error().code == ErrorCode::kNotFound) return false;
      return fail(written.error());
    }
    if (from != count) {
      self.events_.record(d, "Normal", "ScalingReplicaSet",
                          fmt::format("Scaled {} replica set {} from {} to {}", count > from ? "up" : "down",
                                      str_at(*rs, {"metadata", "name"}), from, count));
    }
    return true;
  }

  // The new ReplicaSet, created when missing: false when the caches must catch up first.
  Result<bool> ensure_new(int64_t max_old_revision) {
    const Json& tmpl = field(d, {"spec", "template"});
    int64_t collisions = int_at(d, {"status", "collisionCount"});
    std::string hash = collisions == 0 ? revision_hash(tmpl) : revision_hash(Json::array({tmpl, collisions}));
    std::string rs_name = fmt::format("{}-{}", name, hash);
    Json rs_tmpl = tmpl;
    rs_tmpl["metadata"]["labels"][kTemplateHashLabel] = hash;
    Json selector = field(d, {"spec", "selector"});
    selector["matchLabels"][kTemplateHashLabel] = hash;
    Json annotations = {{kRevisionAnnotation, std::to_string(max_old_revision + 1)},
                        {kDesiredReplicas, std::to_string(replicas)},
                        {kMaxReplicas, std::to_string(replicas + max_surge)}};
    if (auto cause = str_at(d, {"metadata", "annotations", kChangeCause}); !cause.empty()) {
      annotations[kChangeCause] = cause;
    }
    // The first size: within the surge for a rolling update; nothing while a Recreate's old pods remain.
    int64_t start = recreate ? (old_spec() == 0 ? replicas : 0)
                             : std::clamp<int64_t>(replicas + max_surge - all_spec(), 0, replicas);
    Json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata",
                {{"name", rs_name},
                 {"namespace", ns},
                 {"labels", rs_tmpl["metadata"]["labels"]},
                 {"annotations", annotations},
                 {"ownerReferences", Json::array({controller_reference(d, "Deployment")})}}},
               {"spec",
                {{"replicas", start},
                 {"minReadySeconds", int_at(d, {"spec", "minReadySeconds"})},
                 {"selector", selector},
                 {"template", rs_tmpl}}}};
    auto created = self.client_->create(res::replica_sets(), ns, rs);
    if (created) {
      self.events_.record(d, "Normal", "ScalingReplicaSet",
                          fmt::format("Scaled up replica set {} from 0 to {}", rs_name, start));
      new_rs = std::make_shared<const Json>(std::move(*created));
      new_condition_reason = "NewReplicaSetCreated";
      return true;
    }
    if (created.error().code != ErrorCode::kAlreadyExists) return fail(created.error());
    // Ours not yet in the cache, or a hash collision with another template: count the collision and retry with a
    // new name (DeploymentStatus.collisionCount).
    auto existing = self.client_->get(res::replica_sets(), ns, rs_name);
    if (!existing) return fail(existing.error());
    if (without_hash(field(*existing, {"spec", "template"})) == tmpl) return false;
    Json updated = d;
    updated["status"]["collisionCount"] = collisions + 1;
    auto written = self.client_->update_status(res::deployments(), updated);
    if (!written && written.error().code != ErrorCode::kConflict) return fail(written.error());
    return false;
  }
};

DeploymentReconciler::DeploymentReconciler(kube::SharedInformers& informers, kube::EventRecorder& events)
    : client_(informers.client()),
      deployments_(informers.get(res::deployments())),
      sets_(informers.get(res::replica_sets())),
      events_(events) {
  sets_.add_index(kByControllerUid, controller_uid_index);
}

void DeploymentReconciler::watch(kube::Controller& controller) {
  controller.watch(deployments_, kube::own_key(), kube::generation_changed());
  // Every change of its ReplicaSets: their status is what moves a rollout on.
  controller.watch(sets_, kube::controller_owner_key("apps", "Deployment"));
}

Result<kube::ReconcileResult> DeploymentReconciler::reconcile(const std::string& key) {
  ObjectPtr object = deployments_.cache().get(key);
  if (!object || is_terminating(*object)) return kube::ReconcileResult{};
  const Json& d = *object;
  Pass pass{*this, d, str_at(d, {"metadata", "namespace"}), str_at(d, {"metadata", "name"})};
  kube::ReconcileResult result;
  const kube::ReconcileResult again{milliseconds(200)};

  pass.replicas = spec_replicas(d);
  pass.recreate = str_at(d, {"spec", "strategy", "type"}) == "Recreate";
  if (!pass.recreate) {
    const Json& surge_value = field(d, {"spec", "strategy", "rollingUpdate", "maxSurge"});
    const Json& unavailable_value = field(d, {"spec", "strategy", "rollingUpdate", "maxUnavailable"});
    const Json* surge = surge_value.is_null() ? nullptr : &surge_value;
    const Json* unavailable = unavailable_value.is_null() ? nullptr : &unavailable_value;
    pass.max_surge = std::max<int64_t>(scaled_value(surge, pass.replicas, true, 0), 0);
    pass.max_unavailable = std::max<int64_t>(scaled_value(unavailable, pass.replicas, false, 0), 0);
    // Both zero would deadlock the rollout (validation refuses it, but 25% of 1 rounds down to 0).
    if (pass.max_surge == 0 && pass.max_unavailable == 0) pass.max_unavailable = 1;
    pass.max_unavailable = std::min(pass.max_unavailable, pass.replicas);
  }
  const Json& tmpl = field(d, {"spec", "template"});
  int64_t max_old_revision = 0;
  for (const ObjectPtr& rs : sets_.cache().by_index(kByControllerUid, str_at(d, {"metadata", "uid"}))) {
    if (is_terminating(*rs)) continue;
    if (!pass.new_rs && without_hash(field(*rs, {"spec", "template"})) == tmpl) {
      pass.new_rs = rs;
    } else {
      pass.old_sets.push_back(rs);
    }
  }
  sort_oldest_first(pass.old_sets);
  for (const ObjectPtr& rs : pass.old_sets) max_old_revision = std::max(max_old_revision, revision_of(*rs));
  const bool paused = field(d, {"spec", "paused"}) == true;

  if (!pass.new_rs && !paused) {
    auto made = pass.ensure_new(max_old_revision);
    if (!made) return fail(made.error());
    if (!*made) return again;
  }
  // The new ReplicaSet carries the highest revision (a rollback makes an old one new again), and the Deployment
  // shows it, as `kubectl rollout undo` expects.
  std::string revision;
  if (pass.new_rs) {
    int64_t wanted = std::max(revision_of(*pass.new_rs), max_old_revision + 1);
    revision = std::to_string(wanted);
    if (revision_of(*pass.new_rs) != wanted) {
      Json updated = *pass.new_rs;
      updated["metadata"]["annotations"][kRevisionAnnotation] = revision;
      if (auto cause = str_at(d, {"metadata", "annotations", kChangeCause}); !cause.empty()) {
        updated["metadata"]["annotations"][kChangeCause] = cause;
      }
      auto written = client_->update(res::replica_sets(), updated);
      if (!written)
        return written.error().code == ErrorCode::kConflict ? Result<kube::ReconcileResult>(again)
                                                            : fail(written.error());
      pass.new_rs = std::make_shared<const Json>(std::move(*written));
    }
    if (str_at(d, {"metadata", "annotations", kRevisionAnnotation}) != revision) {
      Json updated = d;
      updated["metadata"]["annotations"][kRevisionAnnotation] = revision;
      auto written = client_->update(res::deployments(), updated);
      // The Deployment's own update event does not pass the generation filter; its ReplicaSets' events will.
      return written || written.error().code == ErrorCode::kConflict ? Result<kube::ReconcileResult>(again)
                                                                     : fail(written.error());
    }
  }

  // Scaling: one step per pass, as the upstream controller (each step is seen through the caches before the next).
  bool acted = false;
  if (!paused && pass.new_rs) {
    if (pass.recreate) {
      for (const ObjectPtr& rs : pass.old_sets) {
        if (spec_replicas(*rs) == 0) continue;
        auto scaled = pass.scale(rs, 0);
        if (!scaled) return fail(scaled.error());
        if (!*scaled) return again;
        acted = true;
      }
      bool old_pods = std::any_of(pass.old_sets.begin(), pass.old_sets.end(), [](const ObjectPtr& rs) {
        return int_at(*rs, {"status", "replicas"}) > 0 || int_at(*rs, {"status", "terminatingReplicas"}) > 0;
      });
      if (!acted && !old_pods && spec_replicas(*pass.new_rs) != pass.replicas) {
        auto scaled = pass.scale(pass.new_rs, pass.replicas);
        if (!scaled) return fail(scaled.error());
        if (!*scaled) return again;
        acted = true;
      }
    } else {
      int64_t new_spec = spec_replicas(*pass.new_rs);
      if (new_spec > pass.replicas) {
        auto scaled = pass.scale(pass.new_rs, pass.replicas);
        if (!scaled) return fail(scaled.error());
        if (!*scaled) return again;
        acted = true;
      } else if (new_spec < pass.replicas) {
        int64_t room = pass.replicas + pass.max_surge - pass.all_spec();
        if (room > 0) {
          auto scaled = pass.scale(pass.new_rs, new_spec + std::min(room, pass.replicas - new_spec));
          if (!scaled) return fail(scaled.error());
          if (!*scaled) return again;
          acted = true;
        }
      }
      if (!acted && pass.old_spec() > 0) {
        // reconcileOldReplicaSets: never below replicas - maxUnavailable available pods, counting the new
        // ReplicaSet's pods that are not available yet as unavailable.
        int64_t min_available = pass.replicas - pass.max_unavailable;
        int64_t new_unavailable =
            std::max<int64_t>(spec_replicas(*pass.new_rs) - int_at(*pass.new_rs, {"status", "availableReplicas"}), 0);
        int64_t budget = pass.all_spec() - min_available - new_unavailable;
        // First the old pods that are not available anyway, then available ones down to the minimum.
        for (const ObjectPtr& rs : pass.old_sets) {
          if (budget <= 0) break;
          int64_t spec = spec_replicas(*rs);
          int64_t unhealthy = spec - int_at(*rs, {"status", "availableReplicas"});
          if (spec == 0 || unhealthy <= 0) continue;
          int64_t down = std::min(budget, unhealthy);
          auto scaled = pass.scale(rs, spec - down);
          if (!scaled) return fail(scaled.error());
          if (!*scaled) return again;
          budget -= down;
          acted = true;
        }
        if (!acted) {
          int64_t available = int_at(*pass.new_rs, {"status", "availableReplicas"});
          for (const ObjectPtr& rs : pass.old_sets) available += int_at(*rs, {"status", "availableReplicas"});
          int64_t surplus = std::min(available - min_available, budget);
          for (const ObjectPtr& rs : pass.old_sets) {
            if (surplus <= 0) break;
            int64_t spec = spec_replicas(*rs);
            if (spec == 0) continue;
            int64_t down = std::min(spec, surplus);
            auto scaled = pass.scale(rs, spec - down);
            if (!scaled) return fail(scaled.error());
            if (!*scaled) return again;
            surplus -= down;
            acted = true;
          }
        }
      }
    }
  } else if (paused && pass.new_rs && pass.old_spec() == 0 && spec_replicas(*pass.new_rs) != pass.replicas) {
    // A paused Deployment still scales (kubectl scale), without rolling anything.
    auto scaled = pass.scale(pass.new_rs, pass.replicas);
    if (!scaled) return fail(scaled.error());
    if (!*scaled) return again;
    acted = true;
  }

  // Status from the ReplicaSets' statuses.
  Json status = d.value("status", Json::object());
  Json next = status;
  int64_t total = 0, ready = 0, available = 0, terminating = 0;
  auto add = [&](const ObjectPtr& rs) {
    total += int_at(*rs, {"status", "replicas"});
    ready += int_at(*rs, {"status", "readyReplicas"});
    available += int_at(*rs, {"status", "availableReplicas"});
    terminating += int_at(*rs, {"status", "terminatingReplicas"});
  };
  if (pass.new_rs) add(pass.new_rs);
  for (const ObjectPtr& rs : pass.old_sets) add(rs);
  const int64_t updated = pass.new_rs ? int_at(*pass.new_rs, {"status", "replicas"}) : 0;
  next["observedGeneration"] = int_at(d, {"metadata", "generation"}, 1);
  next["replicas"] = total;
  next["updatedReplicas"] = updated;
  next["readyReplicas"] = ready;
  next["availableReplicas"] = available;
  next["unavailableReplicas"] = std::max<int64_t>(pass.replicas - available, 0);
  next["terminatingReplicas"] = terminating;
  if (available >= pass.replicas - pass.max_unavailable) {
    set_condition(next, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.");
  } else {
    set_condition(next, "Available", "False", "MinimumReplicasUnavailable",
                  "Deployment does not have minimum availability.");
  }
  const std::string rs_name = pass.new_rs ? str_at(*pass.new_rs, {"metadata", "name"}) : "";
  const bool complete = pass.new_rs && updated == pass.replicas && total == pass.replicas &&
                        available == pass.replicas && pass.old_spec() == 0;
  const int64_t deadline = int_at(d, {"spec", "progressDeadlineSeconds"}, 600);
  const Json* progressing = condition(status, "Progressing");
  if (paused) {
    set_condition(next, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused");
  } else if (complete) {
    set_condition(next, "Progressing", "True", "NewReplicaSetAvailable",
                  fmt::format("ReplicaSet \"{}\" has successfully progressed.", rs_name));
  } else if (!pass.new_condition_reason.empty()) {
    set_condition(next, "Progressing", "True", pass.new_condition_reason,
                  fmt::format("Created new replica set \"{}\"", rs_name), true);
  } else if (pass.new_rs) {
    // Progress: more pods updated, ready or available, or old ones gone (util.DeploymentProgressing).
    bool progress = acted || updated > int_at(status, {"updatedReplicas"}) ||
                    ready > int_at(status, {"readyReplicas"}) || available > int_at(status, {"availableReplicas"}) ||
                    total < int_at(status, {"replicas"}) ||
                    (progressing != nullptr && (*progressing).value("reason", "") == "DeploymentPaused");
    std::string last = progressing ? (*progressing).value("lastUpdateTime", std::string()) : std::string();
    auto since = api::parse_rfc3339(last);
    auto now = std::chrono::system_clock::now();
    bool timed_out = !progress && since && now - *since > seconds(deadline);
    if (timed_out) {
      set_condition(next, "Progressing", "False", "ProgressDeadlineExceeded",
                    fmt::format("ReplicaSet \"{}\" has timed out progressing.", rs_name));
    } else if (progress || progressing == nullptr || (*progressing).value("reason", "") == "NewReplicaSetAvailable") {
      set_condition(next, "Progressing", "True", "ReplicaSetUpdated",
                    fmt::format("ReplicaSet \"{}\" is progressing.", rs_name), true);
    }
    if (!timed_out) {
      // Come back when the deadline would pass without news.
      auto left = since ? seconds(deadline) - std::chrono::duration_cast<seconds>(now - *since) : seconds(deadline);
      result.requeue_after = std::max<milliseconds>(milliseconds(left) + milliseconds(500), milliseconds(500));
    }
  }
  if (next != status) {
    Json written_status = d;
    written_status["status"] = next;
    auto written = client_->update_status(res::deployments(), written_status);
    if (!written && written.error().code == ErrorCode::kConflict) return again;
    if (!written && written.error().code != ErrorCode::kNotFound) return fail(written.error());
  }

  // Old ReplicaSets beyond the history limit, once the rollout is done (cleanupDeployment).
  if (complete) {
    std::vector<ObjectPtr> idle;
    for (const ObjectPtr& rs : pass.old_sets) {
      if (spec_replicas(*rs) == 0 && int_at(*rs, {"status", "replicas"}) == 0 &&
          int_at(*rs, {"status", "terminatingReplicas"}) == 0) {
        idle.push_back(rs);
      }
    }
    std::stable_sort(idle.begin(), idle.end(),
                     [](const ObjectPtr& a, const ObjectPtr& b) { return revision_of(*a) < revision_of(*b); });
    int64_t limit = int_at(d, {"spec", "revisionHistoryLimit"}, 10);
    for (size_t i = 0; static_cast<int64_t>(idle.size() - i) > limit; ++i) {
      auto removed = client_->remove(res::replica_sets(), pass.ns, str_at(*idle[i], {"metadata", "name"}));
      if (!removed && removed.error().code != ErrorCode::kNotFound) return fail(removed.error());
    }
  }
  return result;
}

}  // namespace kthena::controllers::workloads
