#include "controllers/modelbooster/reconciler.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/json_fields.h"
#include "api/values/rfc3339_time.h"
#include "controllers/modelbooster/booster_status.h"
#include "controllers/modelbooster/ownership.h"

namespace kthena::controllers::modelbooster {
namespace {

using namespace std::chrono_literals;
namespace res = kube::resources;

// While a ModelRoute of the old modelName is being deleted, or a child's cache catches up.
constexpr std::chrono::milliseconds kRetryShortly = 1s;

using api::lenient::member;
using api::lenient::str;

std::string label(const Json& object, std::string_view key) {
  return str(member(member(object, "metadata"), "labels"), key);
}
bool terminating(const Json& object) {
  return member(member(object, "metadata"), "deletionTimestamp").is_string();
}
std::string controller_uid(const Json& object) {
  const Json& refs = member(member(object, "metadata"), "ownerReferences");
  if (!refs.is_array()) return {};
  for (const Json& ref : refs) {
    if (member(ref, "controller") == true) return str(ref, "uid");
  }
  return {};
}
bool condition_true(const Json& object, std::string_view type) {
  const Json& conditions = member(member(object, "status"), "conditions");
  if (!conditions.is_array()) return false;
  for (const Json& c : conditions) {
    if (str(c, "type") == type) return str(c, "status") == "True";
  }
  return false;
}

kube::IndexFn by_model_booster() {
  return [](const Json& object) {
    std::vector<std::string> out;
    std::string uid = label(object, kModelUidLabel);
    if (!uid.empty()) out.push_back(str(member(object, "metadata"), "namespace") + "/" + uid);
    return out;
  };
}

// An error that says which object and what the API server answered ("ModelServing m-b: spec...: Invalid value").
Error about(const std::string& kind, const std::string& name, const Error& error) {
  Error out = error;
  out.message = fmt::format("{} {}: {}", kind, name, error.to_string());
  out.field.clear();
  return out;
}

}  // namespace

ModelBoosterReconciler::ModelBoosterReconciler(kube::SharedInformers& informers, kube::EventRecorder& events,
                                               ModelBoosterConverter converter)
    : client_(informers.client()),
      boosters_(informers.get(res::model_boosters())),
      servings_(informers.get(res::model_servings())),
      servers_(informers.get(res::model_servers())),
      routes_(informers.get(res::model_routes())),
      policies_(informers.get(res::autoscaling_policies())),
      events_(events),
      converter_(std::move(converter)) {
  for (kube::Informer* informer : {&servings_, &servers_, &routes_, &policies_}) {
    informer->add_index(kByModelBooster, by_model_booster());
  }
}

void ModelBoosterReconciler::watch(kube::Controller& controller) {
  controller.watch(boosters_, kube::own_key(), kube::generation_changed());
  // Every change of a child: a ModelServing's status makes the booster Active; a deletion is healed; an edit that
  // moved the revision label is undone.
  auto owner = kube::controller_owner_key("workload.serving.volcano.sh", "ModelBooster");
  for (kube::Informer* informer : {&servings_, &servers_, &routes_, &policies_}) controller.watch(*informer, owner);
}

// One reconcile of one ModelBooster.
struct ModelBoosterReconciler::Pass {
  ModelBoosterReconciler& r;
  const std::string& key;
  const Json& booster;
  std::string ns, name, uid;
  std::optional<std::chrono::milliseconds> requeue;

  Pass(ModelBoosterReconciler& reconciler, const std::string& k, const Json& b) : r(reconciler), key(k), booster(b) {
    const Json& meta = member(booster, "metadata");
    ns = str(meta, "namespace");
    name = str(meta, "name");
    uid = str(meta, "uid");
  }

  void record(std::string_view type, std::string_view reason, const std::string& message) {
    r.events_.record(booster, type, reason, message);
  }

  // Creates `desired`, or replaces the live object when its revision label differs. A name held by an object the
  // booster does not control is an error, never a takeover.
  Result<void> apply(const kube::Resource& resource, kube::Informer& informer, const Json& desired) {
    std::string child = str(desired["metadata"], "name");
    kube::ObjectPtr current = informer.cache().get(ns, child);
    Json live;
    if (!current) {
      auto created = r.client_->create(resource, ns, desired);
      if (created) {
        record("Normal", "Created", fmt::format("Created {} {}", resource.kind, child));
        return {};
      }
      if (created.error().code != ErrorCode::kAlreadyExists) return fail(about(resource.kind, child, created.error()));
      auto got = r.client_->get(resource, ns, child);  // the cache lags behind, or someone else holds the name
      if (!got) return fail(about(resource.kind, child, got.error()));
      live = std::move(*got);
    } else {
      live = *current;
    }
    if (controller_uid(live) != uid) {
      return fail(Error{ErrorCode::kConflict, "",
                        fmt::format("{} {} exists and is not controlled by ModelBooster {}; it is left alone",
                                    resource.kind, child, name)});
    }
    if (terminating(live)) {
      requeue = kRetryShortly;  // recreated once it is gone
      return {};
    }
    if (label(live, kRevisionLabel) == label(desired, kRevisionLabel)) return {};
    Json updated = desired;
    updated["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"];
    if (auto written = r.client_->update(resource, updated); !written) {
      return fail(about(resource.kind, child, written.error()));
    }
    record("Normal", "Updated",
           fmt::format("Updated {} {} to revision {}", resource.kind, child, label(desired, kRevisionLabel)));
    return {};
  }

  // The ModelRoute's modelName cannot change (the router's admission refuses it): a route of another modelName is
  // deleted, and its deletion event brings the reconcile that creates the new one.
  Result<void> apply_route(const Json& desired) {
    std::string child = str(desired["metadata"], "name");
    std::string model_name = str(desired["spec"], "modelName");
    kube::ObjectPtr cached = r.routes_.cache().get(ns, child);
    bool differs = cached ? str(member(*cached, "spec"), "modelName") != model_name : true;
    if (!differs) return apply(res::model_routes(), r.routes_, desired);
    auto live = r.client_->get(res::model_routes(), ns, child);  // the cache may be behind either way
    if (!live) {
      if (live.error().code != ErrorCode::kNotFound) return fail(about("ModelRoute", child, live.error()));
      return apply(res::model_routes(), r.routes_, desired);
    }
    if (controller_uid(*live) != uid || terminating(*live) || str(member(*live, "spec"), "modelName") == model_name) {
      return apply(res::model_routes(), r.routes_, desired);
    }
    kube::DeleteOptions options;
    options.precondition_uid = str((*live)["metadata"], "uid");
    auto removed = r.client_->remove(res::model_routes(), ns, child, options);
    if (!removed && removed.error().code != ErrorCode::kNotFound) {
      return fail(about("ModelRoute", child, removed.error()));
    }
    record("Normal", "Replacing",
           fmt::format("Deleted ModelRoute {} to recreate it for modelName {} (modelName cannot change)", child,
                       model_name));
    requeue = kRetryShortly;
    return {};
  }

  // Children of the booster (by the model-uid label) that it controls and no longer generates: a renamed backend's,
  // a dropped autoscalingPolicy's.
  Result<void> remove_stale(const kube::Resource& resource, kube::Informer& informer, const std::string& keep) {
    for (const kube::ObjectPtr& object : informer.cache().by_index(kByModelBooster, ns + "/" + uid)) {
      std::string child = str((*object)["metadata"], "name");
      if (child == keep || controller_uid(*object) != uid || terminating(*object)) continue;
      kube::DeleteOptions options;
      options.precondition_uid = str((*object)["metadata"], "uid");
      auto removed = r.client_->remove(resource, ns, child, options);
      if (!removed && removed.error().code != ErrorCode::kNotFound) {
        return fail(about(resource.kind, child, removed.error()));
      }
      record("Normal", "Deleted", fmt::format("Deleted {} {}, no longer generated", resource.kind, child));
    }
    return {};
  }

  Result<void> apply_all(const GeneratedObjects& objects) {
    if (auto done = apply(res::model_servings(), r.servings_, objects.model_serving); !done) return done;
    if (auto done = apply(res::model_servers(), r.servers_, objects.model_server); !done) return done;
    if (auto done = apply_route(objects.model_route); !done) return done;
    std::string policy;
    if (objects.autoscaling_policy) {
      if (auto done = apply(res::autoscaling_policies(), r.policies_, *objects.autoscaling_policy); !done) {
        return done;
      }
      policy = str((*objects.autoscaling_policy)["metadata"], "name");
    }
    if (auto done = remove_stale(res::model_servings(), r.servings_, str(objects.model_serving["metadata"], "name"));
        !done) {
      return done;
    }
    if (auto done = remove_stale(res::model_servers(), r.servers_, str(objects.model_server["metadata"], "name"));
        !done) {
      return done;
    }
    return remove_stale(res::autoscaling_policies(), r.policies_, policy);
  }

  // Upstream's isModelServingActive: exactly one ModelServing of the booster, and it is Available.
  bool serving_available() {
    auto servings = r.servings_.cache().by_index(kByModelBooster, ns + "/" + uid);
    return servings.size() == 1 && !terminating(*servings.front()) && condition_true(*servings.front(), "Available");
  }

  Result<void> write_status(const ReconcileOutcome& outcome) {
    const Json& meta = booster["metadata"];
    int64_t generation = member(meta, "generation").is_number_integer() ? meta["generation"].get<int64_t>() : 0;
    Json status = booster_status(member(booster, "status"), generation, outcome, api::now_rfc3339());
    if (status == member(booster, "status")) return {};
    Json updated = booster;
    updated["status"] = std::move(status);
    auto written = r.client_->update_status(res::model_boosters(), updated);
    if (!written) return fail(written.error());  // a conflict: the booster's next event brings us back
    return {};
  }

  Result<void> run() {
    ReconcileOutcome outcome;
    Result<void> applied;
    auto objects = r.converter_.convert(booster);
    if (!objects) {
      outcome.failure = objects.error().to_string();
    } else if (applied = apply_all(*objects); !applied) {
      outcome.failure = applied.error().message;
    }
    outcome.serving_available = serving_available();
    if (outcome.failure) {
      bool first;
      {
        std::lock_guard lock(r.mutex_);
        first = r.warned_.insert(key + "\n" + *outcome.failure).second;
      }
      if (first) {
        spdlog::warn("modelbooster {}: {}", key, *outcome.failure);
        record("Warning", "Failed", *outcome.failure);
      }
    } else {
      std::lock_guard lock(r.mutex_);
      for (auto it = r.warned_.lower_bound(key + "\n"); it != r.warned_.end() && it->starts_with(key + "\n");) {
        it = r.warned_.erase(it);
      }
    }
    if (auto written = write_status(outcome); !written) return written;
    // Errors the API server may get over (a conflict, a timeout, a name another owner will release) are retried with
    // back-off; a child the API server refuses waits for an edit of the booster, which enqueues it anyway.
    if (!applied) {
      ErrorCode code = applied.error().code;
      if (code != ErrorCode::kInvalid && code != ErrorCode::kBadRequest && code != ErrorCode::kForbidden) {
        return applied;
      }
    }
    return {};
  }
};

Result<kube::ReconcileResult> ModelBoosterReconciler::reconcile(const std::string& key) {
  kube::ObjectPtr booster = boosters_.cache().get(key);
  if (!booster) {
    std::lock_guard lock(mutex_);
    for (auto it = warned_.lower_bound(key + "\n"); it != warned_.end() && it->starts_with(key + "\n");) {
      it = warned_.erase(it);
    }
    return kube::ReconcileResult{};  // the garbage collector removes what it owned
  }
  if (terminating(*booster)) return kube::ReconcileResult{};
  Pass pass(*this, key, *booster);
  if (auto ran = pass.run(); !ran) return fail(ran.error());
  return kube::ReconcileResult{pass.requeue};
}

}  // namespace kthena::controllers::modelbooster
