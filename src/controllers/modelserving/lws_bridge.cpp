#include "controllers/modelserving/lws_bridge.h"

#include <algorithm>

#include <fmt/format.h>

#include "api/admission.h"
#include "api/json_fields.h"
#include "controllers/modelserving/naming.h"

namespace kthena::controllers::modelserving {

using api::lenient::member;
using api::lenient::str;
namespace {

namespace res = kube::resources;
constexpr std::string_view kLwsGroup = "leaderworkerset.x-k8s.io";
constexpr std::string_view kLwsKind = "LeaderWorkerSet";

int64_t int_or(const Json& value, int64_t fallback) {
  return value.is_number_integer() ? value.get<int64_t>() : fallback;
}

// The labels, annotations and pod spec of an LWS pod template, in a ModelServing template's shape.
Json role_template(const Json& tmpl) {
  Json out = Json::object();
  const Json& meta = member(tmpl, "metadata");
  Json labels = member(meta, "labels");
  Json annotations = member(meta, "annotations");
  if (labels.is_object() || annotations.is_object()) {
    out["metadata"] = Json::object();
    if (labels.is_object()) out["metadata"]["labels"] = labels;
    if (annotations.is_object()) out["metadata"]["annotations"] = annotations;
  }
  out["spec"] = member(tmpl, "spec").is_object() ? member(tmpl, "spec") : Json::object();
  return out;
}

bool owned_by(const Json& object, const std::string& uid) {
  const Json& refs = member(member(object, "metadata"), "ownerReferences");
  if (!refs.is_array()) return false;
  return std::any_of(refs.begin(), refs.end(),
                     [&](const Json& ref) { return str(ref, "uid") == uid && member(ref, "controller") == true; });
}

}  // namespace

kube::Resource leader_worker_sets() {
  return {std::string(kLwsGroup), "v1", "leaderworkersets", std::string(kLwsKind), true};
}

Json lws_model_serving_spec(const Json& lws) {
  const Json& spec = member(lws, "spec");
  const Json& lwt = member(spec, "leaderWorkerTemplate");
  const Json& worker = member(lwt, "workerTemplate");
  const Json& leader = member(lwt, "leaderTemplate");
  int64_t size = int_or(member(lwt, "size"), 1);
  Json role = {{"name", "default"},
               {"replicas", 1},
               {"entryTemplate", role_template(leader.is_object() ? leader : worker)},
               {"workerReplicas", std::max<int64_t>(size - 1, 0)},
               {"workerTemplate", role_template(worker)}};
  return {{"replicas", int_or(member(spec, "replicas"), 1)},
          {"plugins", Json::array({{{"name", "lws-standard-labels"}, {"type", "BuiltIn"}}})},
          {"template", {{"roles", Json::array({role})}}}};
}

LwsBridge::LwsBridge(kube::SharedInformers& informers, kube::EventRecorder& events)
    : client_(informers.client()),
      sets_(informers.get(leader_worker_sets())),
      servings_(informers.get(res::model_servings())),
      events_(events) {}

void LwsBridge::watch(kube::Controller& controller) {
  controller.watch(sets_, kube::own_key(), kube::generation_changed());
  // Every change of the ModelServing: its status is mirrored.
  controller.watch(servings_, kube::controller_owner_key(std::string(kLwsGroup), std::string(kLwsKind)));
}

Result<kube::ReconcileResult> LwsBridge::reconcile(const std::string& key) {
  kube::ObjectPtr lws = sets_.cache().get(key);
  if (!lws || member(member(*lws, "metadata"), "deletionTimestamp").is_string()) {
    return kube::ReconcileResult{};  // the garbage collector removes the ModelServing it owns
  }
  const Json& meta = (*lws)["metadata"];
  std::string ns = str(meta, "namespace"), name = str(meta, "name"), uid = str(meta, "uid");

  Json ms = {{"apiVersion", fmt::format("{}/v1alpha1", kGroup)},
             {"kind", std::string(kKind)},
             {"metadata",
              {{"name", name},
               {"namespace", ns},
               {"ownerReferences", Json::array({{{"apiVersion", fmt::format("{}/v1", kLwsGroup)},
                                                 {"kind", std::string(kLwsKind)},
                                                 {"name", name},
                                                 {"uid", uid},
                                                 {"controller", true},
                                                 {"blockOwnerDeletion", true}}})}}},
             {"spec", lws_model_serving_spec(*lws)}};
  // Compared as the API server would store it, so that its defaults are no difference.
  auto desired = api::default_object(api::KindRegistry::builtin(), ms);
  if (!desired) return fail(desired.error());

  kube::ObjectPtr current = servings_.cache().get(key);
  if (!current) {
    auto created = client_->create(res::model_servings(), ns, *desired);
    if (!created && created.error().code != ErrorCode::kAlreadyExists) {
      events_.record(*lws, "Warning", "FailedCreate",
                     fmt::format("creating ModelServing {}: {}", name, created.error().to_string()));
      return fail(created.error());
    }
    return kube::ReconcileResult{};  // the ModelServing's events bring us back for its status
  }
  if (!owned_by(*current, uid)) {
    events_.record(
        *lws, "Warning", "ModelServingNameTaken",
        fmt::format("ModelServing {} exists and is not owned by this LeaderWorkerSet; leaving it alone", name));
    return kube::ReconcileResult{};
  }
  if ((*current)["spec"] != (*desired)["spec"]) {
    Json updated = *current;
    updated["spec"] = (*desired)["spec"];
    if (auto written = client_->update(res::model_servings(), updated); !written) return fail(written.error());
    return kube::ReconcileResult{};
  }

  // Status mirrored back: replicas, and ready = the ModelServing's available serving groups.
  const Json& ms_status = member(*current, "status");
  const Json& lws_status = member(*lws, "status");
  int64_t replicas = int_or(member(ms_status, "replicas"), 0);
  int64_t ready = int_or(member(ms_status, "availableReplicas"), 0);
  if (int_or(member(lws_status, "replicas"), -1) != replicas ||
      int_or(member(lws_status, "readyReplicas"), -1) != ready) {
    Json updated = *lws;
    updated["status"]["replicas"] = replicas;
    updated["status"]["readyReplicas"] = ready;
    if (auto written = client_->update_status(leader_worker_sets(), updated); !written) return fail(written.error());
  }
  return kube::ReconcileResult{};
}

}  // namespace kthena::controllers::modelserving
