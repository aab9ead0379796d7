#include "controllers/modelserving/reconciler.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "api/json_fields.h"
#include "api/values/rfc3339_time.h"
#include "common/log.h"
#include "controllers/modelserving/conditions.h"
#include "controllers/modelserving/naming.h"
#include "controllers/modelserving/plugins.h"
#include "controllers/modelserving/pod_builder.h"
#include "controllers/modelserving/pod_group.h"
#include "controllers/modelserving/revisions.h"
#include "controllers/modelserving/scale_down.h"

namespace kthena::controllers::modelserving {

using api::lenient::member;
using api::lenient::str;
namespace {

using namespace std::chrono_literals;
namespace res = kube::resources;

// How long to wait before looking again at something another party must finish (an object held by another owner,
// a deletion in progress the caches have not shown).
constexpr std::chrono::milliseconds kRetryShortly = 1s;

kube::IndexFn by_model_serving() {
  return [](const Json& object) {
    std::vector<std::string> out;
    const Json& meta = member(object, "metadata");
    std::string name = str(member(meta, "labels"), labels::kName);
    if (!name.empty()) out.push_back(str(meta, "namespace") + "/" + name);
    return out;
  };
}

std::string owner_uid(const Json& object) {
  const Json& refs = member(member(object, "metadata"), "ownerReferences");
  if (!refs.is_array()) return {};
  for (const Json& ref : refs) {
    if (ref.is_object() && ref.value("controller", false)) return str(ref, "uid");
  }
  return {};
}

}  // namespace

ModelServingReconciler::ModelServingReconciler(kube::SharedInformers& informers, kube::EventRecorder& events,
                                               ReconcilerOptions options)
    : client_(informers.client()),
      servings_(informers.get(res::model_servings())),
      pods_(informers.get(res::pods())),
      services_(informers.get(res::services())),
      pod_groups_(options.pod_groups ? &informers.get(res::pod_groups()) : nullptr),
      revisions_(informers.get(res::controller_revisions())),
      events_(events),
      options_(options) {
  pods_.add_index(kByModelServing, by_model_serving());
  services_.add_index(kByModelServing, by_model_serving());
  revisions_.add_index(kByModelServing, by_model_serving());
  if (pod_groups_) pod_groups_->add_index(kByModelServing, by_model_serving());
}

void ModelServingReconciler::watch(kube::Controller& controller) {
  controller.watch(servings_, kube::own_key(), kube::generation_changed());
  // Owned objects: every change (a pod's readiness is a status change) concerns the owner.
  auto owner = kube::controller_owner_key(std::string(kGroup), std::string(kKind));
  // Before the owner mapping: the hint must be recorded when the reconcile it triggers runs.
  kube::EventHandler lost;
  lost.on_delete = [this, owner](const kube::ObjectPtr& pod) {
    if (!pod) return;
    std::string group = str(member(member(*pod, "metadata"), "labels"), labels::kGroupName);
    std::string pod_uid = str(member(*pod, "metadata"), "uid");
    for (const std::string& key : owner(*pod)) {
      if (group.empty() || expectations_.expects_deletion(key, pod_uid)) continue;
      std::lock_guard lock(mutex_);
      lost_pod_groups_[key].insert(group);
    }
  };
  pods_.add_handler(std::move(lost));
  controller.watch(pods_, owner);
  controller.watch(services_, owner);
  controller.watch(revisions_, owner);
  if (pod_groups_) controller.watch(*pod_groups_, owner);
}

// One reconcile of one ModelServing.
struct ModelServingReconciler::Pass {
  ModelServingReconciler& r;
  const std::string& key;
  const Json& ms;
  std::string ns, name, uid;
  const Json& spec;
  const Json& roles;  // spec.template.roles
  std::string revision;
  std::string current_revision;  // status.currentRevision, or the new revision
  std::string recovery;          // recoveryPolicy
  std::string rollout;           // rolloutStrategy.type
  int32_t replicas = 1;
  int32_t partition = 0;  // serving-group partition
  ObservedState state;
  bool wrote = false;  // created or deleted something: the view is now behind
  std::optional<std::chrono::milliseconds> requeue;

  Pass(ModelServingReconciler& r, const std::string& key, const Json& ms)
      : r(r), key(key), ms(ms), spec(member(ms, "spec")), roles(member(member(spec, "template"), "roles")) {
    const Json& meta = ms.at("metadata");
    ns = str(meta, "namespace");
    name = str(meta, "name");
    uid = str(meta, "uid");
    revision = serving_revision(roles);
    current_revision = str(member(ms, "status"), "currentRevision");
    if (current_revision.empty()) current_revision = revision;
    recovery = str(spec, "recoveryPolicy");
    if (recovery.empty()) recovery = "RoleRecreate";
    const Json& strategy = member(spec, "rolloutStrategy");
    rollout = str(strategy, "type");
    if (rollout.empty()) rollout = "ServingGroupRollingUpdate";
    if (member(spec, "replicas").is_number_integer()) replicas = std::max(0, spec["replicas"].get<int32_t>());
    if (rollout == "ServingGroupRollingUpdate") {
      partition = scaled_value(member(member(strategy, "rollingUpdateConfiguration"), "partition"), replicas,
                               /*round_up=*/true, 0);
    }
  }

  void retry_in(std::chrono::milliseconds delay) {
    if (!requeue || delay < *requeue) requeue = delay;
  }

  void warn(std::string_view reason, const std::string& message) {
    spdlog::warn("modelserving {}: {}", key, message);
    r.events_.record(ms, "Warning", reason, message);
  }

  // --- revisions -----------------------------------------------------------------------------------------------

  // The roles recorded for `rev`: the spec's for the new revision, else its ControllerRevision's.
  std::optional<Json> roles_for(const std::string& rev) const {
    if (rev == revision) return roles;
    kube::ObjectPtr cr = r.revisions_.cache().get(ns, revision_name(name, rev));
    if (!cr || owner_uid(*cr) != uid) return std::nullopt;
    return roles_of_revision(*cr);
  }

  Result<void> ensure_revision() {
    kube::ObjectPtr cr = r.revisions_.cache().get(ns, revision_name(name, revision));
    if (cr) {
      if (owner_uid(*cr) != uid)
        return fail(ErrorCode::kConflict,
                    "ControllerRevision " + revision_name(name, revision) + " belongs to another owner");
      return {};
    }
    auto created = r.client_->create(res::controller_revisions(), ns, build_controller_revision(ms, revision, roles));
    if (!created && created.error().code != ErrorCode::kAlreadyExists) return fail(created.error());
    return {};
  }

  // --- pods ----------------------------------------------------------------------------------------------------

  Result<void> create_pods(int group_ordinal, const std::string& group, const Json& role, int instance,
                           const std::string& rev, const std::set<int>& indexes) {
    RoleInstance ri;
    ri.ms = &ms;
    ri.role = &role;
    ri.group_name = group;
    ri.role_id = role_id(str(role, "name"), instance);
    ri.revision = rev;
    ri.template_hash = role_template_hash(role);
    ri.pod_group = uses_pod_groups();
    if (worker_replicas(role) > 0 && !role.contains("workerTemplate")) {
      warn("InvalidRole",
           fmt::format("role {} has workerReplicas {} and no workerTemplate: only its entry pod is created",
                       str(role, "name"), worker_replicas(role)));
    }
    for (int index : indexes) {
      if (index > 0 && !role.contains("workerTemplate")) continue;
      Json pod = build_pod(ri, index);
      PodContext ctx{&ms, group, group_ordinal, str(role, "name"), ri.role_id, index == 0};
      if (auto plugged = run_on_pod_create(ctx, pod); !plugged) return fail(plugged.error());
      std::string pod_name = pod["metadata"]["name"].get<std::string>();
      auto created = r.client_->create(res::pods(), ns, pod);
      wrote = true;
      if (created) {
        r.expectations_.created(key, pod_name);
        continue;
      }
      if (created.error().code != ErrorCode::kAlreadyExists) {
        warn("FailedCreate", fmt::format("creating pod {}: {}", pod_name, created.error().to_string()));
        return fail(created.error());
      }
      // A leftover of a deleted ModelServing of the same name, or a pod the cache has not shown yet.
      auto existing = r.client_->get(res::pods(), ns, pod_name);
      if (existing && owner_uid(*existing) != uid) {
        warn("PodNameTaken", fmt::format("pod {} exists and belongs to another owner; waiting for it to go", pod_name));
        retry_in(kRetryShortly);
      }
    }
    return {};
  }

  void delete_pod(const kube::ObjectPtr& pod) {
    const Json& meta = pod->at("metadata");
    kube::DeleteOptions options;
    options.precondition_uid = str(meta, "uid");
    // Recorded first: the watch may deliver the deletion before remove() returns, and it must not read as a loss.
    r.expectations_.deleted(key, str(meta, "uid"));
    auto removed = r.client_->remove(res::pods(), ns, str(meta, "name"), options);
    wrote = true;
    if (!removed && removed.error().code != ErrorCode::kNotFound && removed.error().code != ErrorCode::kConflict) {
      spdlog::warn("modelserving {}: deleting pod {}: {}", key, str(meta, "name"), removed.error().to_string());
      retry_in(kRetryShortly);
    }
  }

  void delete_by_name(const kube::Resource& resource, const std::string& object_name) {
    auto removed = r.client_->remove(resource, ns, object_name);
    wrote = true;
    if (!removed && removed.error().code != ErrorCode::kNotFound) {
      spdlog::warn("modelserving {}: deleting {} {}: {}", key, resource.kind, object_name, removed.error().to_string());
      retry_in(kRetryShortly);
    }
  }

  void delete_instance(GroupState& g, InstanceState& inst) {
    if (inst.present() > 0) {
      r.events_.record(ms, "Normal", "RoleDeleting",
                       fmt::format("Role {}/{} in ServingGroup {} is now Deleting", inst.role, inst.role_id, g.name));
    }
    for (auto& [index, pod] : inst.pods) delete_pod(pod);
    // Terminating from now on: the instance is recreated once its pods are gone, not in this pass.
    inst.terminating += static_cast<int>(inst.pods.size());
    g.terminating_pods += static_cast<int>(inst.pods.size());
    g.live_pods -= static_cast<int>(inst.pods.size());
    inst.pods.clear();
    if (r.services_.cache().get(ns, pod_name(g.name, inst.role_id, 0))) {
      delete_by_name(res::services(), pod_name(g.name, inst.role_id, 0));
    }
  }

  void delete_group(GroupState& g) {
    spdlog::info("modelserving {}: deleting serving group {}", key, g.name);
    if (r.pod_groups_ && r.pod_groups_->cache().get(ns, g.name)) delete_by_name(res::pod_groups(), g.name);
    for (auto& [role, instances] : g.roles) {
      for (auto& [ordinal, inst] : instances) delete_instance(g, inst);
    }
  }

  bool uses_pod_groups() const { return r.pod_groups_ && str(spec, "schedulerName") == "volcano"; }

  // --- what each group and instance should run -----------------------------------------------------------------

  // The revision a group is on: the new one when every live pod is, else an older one.
  std::string group_revision(const GroupState& g) const {
    for (const std::string& rev : g.revisions) {
      if (rev != revision) return rev;
    }
    return revision;
  }

  // The roles a group runs: a group protected by the partition keeps those of its own revision.
  Json roles_of_group(const GroupState& g, size_t position) const {
    if (static_cast<int32_t>(position) < partition) {
      std::string rev = group_revision(g);
      if (auto old = roles_for(rev)) return *old;
      if (auto current = roles_for(current_revision)) return *current;
    }
    return roles;
  }

  // The revision and role template of a new instance `ordinal` of `role` in group `g` (at `position`).
  std::pair<std::string, Json> template_for_instance(const GroupState& g, size_t position, const Json& role,
                                                     int ordinal) const {
    std::string role_name = str(role, "name");
    if (static_cast<int32_t>(position) < partition) {
      std::string rev = group_revision(g);
      if (auto old = roles_for(rev)) {
        if (const Json* found = find_role(*old, role_name)) return {rev, *found};
      }
    }
    if (rollout == "RoleRollingUpdate") {
      int32_t role_partition = scaled_value(member(role, "partition"), role_replicas(role), true, 0);
      if (ordinal < role_partition) {
        for (const std::string& rev : protected_revisions()) {
          auto old = roles_for(rev);
          if (!old) continue;
          if (const Json* found = find_role(*old, role_name)) return {rev, *found};
        }
      }
    }
    const Json* now = find_role(roles, role_name);
    return {revision, now ? *now : role};
  }

  // For a role instance protected by its partition: the current revision, or when that is the new one, any other
  // this ModelServing recorded (spec §3.6).
  std::vector<std::string> protected_revisions() const {
    std::vector<std::string> out;
    if (current_revision != revision) {
      out.push_back(current_revision);
      return out;
    }
    for (const kube::ObjectPtr& cr : r.revisions_.cache().by_index(kByModelServing, key)) {
      std::string rev = str(member(member(*cr, "metadata"), "labels"), labels::kRevision);
      if (!rev.empty() && rev != revision && owner_uid(*cr) == uid) out.push_back(rev);
    }
    return out;
  }

  int expected_pods(const InstanceState& inst) const {
    std::string rev = inst.revision.empty() ? revision : inst.revision;
    auto recorded = roles_for(rev);
    const Json* role = recorded ? find_role(*recorded, inst.role) : nullptr;
    if (!role) role = find_role(roles, inst.role);
    if (!role) return static_cast<int>(inst.pods.size()) + inst.pending;
    return role->contains("workerTemplate") ? 1 + worker_replicas(*role) : 1;
  }

  // --- steps ---------------------------------------------------------------------------------------------------

  // Error pods (spec §3.9) are deleted, after restartGracePeriodSeconds when set; recovery then treats them as
  // missing.
  void handle_failed_pods() {
    int64_t grace = member(member(spec, "template"), "restartGracePeriodSeconds").is_number_integer()
                        ? spec["template"]["restartGracePeriodSeconds"].get<int64_t>()
                        : 0;
    auto now = std::chrono::steady_clock::now();
    for (auto& [ordinal, g] : state.groups) {
      for (auto& [role, instances] : g.roles) {
        for (auto& [ri, inst] : instances) {
          for (auto it = inst.pods.begin(); it != inst.pods.end();) {
            const kube::ObjectPtr& pod = it->second;
            std::string pod_uid = str(pod->at("metadata"), "uid");
            if (!pod_failed(*pod)) {
              std::lock_guard lock(r.mutex_);
              r.failed_since_.erase(pod_uid);
              ++it;
              continue;
            }
            if (grace > 0) {
              std::chrono::steady_clock::time_point since;
              {
                std::lock_guard lock(r.mutex_);
                since = r.failed_since_.emplace(pod_uid, now).first->second;
              }
              auto left = since + std::chrono::seconds(grace) - now;
              if (left > 0s) {
                retry_in(std::chrono::duration_cast<std::chrono::milliseconds>(left) + 10ms);
                ++it;
                continue;
              }
            }
            spdlog::info("modelserving {}: pod {} failed; deleting it", key, str(pod->at("metadata"), "name"));
            delete_pod(pod);
            if (recovery == "ServingGroupRecreate") {
              std::lock_guard lock(r.mutex_);
              r.lost_pod_groups_[key].insert(g.name);
            }
            {
              std::lock_guard lock(r.mutex_);
              r.failed_since_.erase(pod_uid);
            }
            ++inst.terminating;
            ++g.terminating_pods;
            --g.live_pods;
            it = inst.pods.erase(it);
          }
        }
      }
    }
  }

  // An instance missing some of its pods (deleted, evicted, failed): recoveryPolicy says what to do.
  Result<void> recover() {
    std::set<std::string> lost;
    {
      std::lock_guard lock(r.mutex_);
      auto it = r.lost_pod_groups_.find(key);
      if (it != r.lost_pod_groups_.end()) {
        lost = std::move(it->second);
        r.lost_pod_groups_.erase(it);
      }
    }
    for (auto& [ordinal, g] : state.groups) {
      if (g.deleting()) continue;
      // ServingGroupRecreate: a group that lost a pod is replaced whole, even when the pod was its role's only one.
      bool recreate_group = recovery == "ServingGroupRecreate" && lost.count(g.name) != 0;
      for (auto& [role, instances] : g.roles) {
        for (auto& [ri, inst] : instances) {
          int expected = expected_pods(inst);
          if (inst.present() == 0 || inst.present() >= expected) continue;
          if (inst.terminating > 0) {
            continue;  // its pods are going; the deletion events bring us back
          }
          if (recovery == "ServingGroupRecreate") {
            recreate_group = true;
          } else if (recovery == "RoleRecreate") {
            delete_instance(g, inst);
          } else {
            // None: the missing pods come back as they were.
            std::string rev = inst.revision.empty() ? revision : inst.revision;
            auto recorded = roles_for(rev);
            const Json* role_spec = recorded ? find_role(*recorded, inst.role) : nullptr;
            if (!role_spec) role_spec = find_role(roles, inst.role);
            if (!role_spec) continue;
            std::set<int> missing;
            for (int i = 0; i < expected; ++i) {
              if (!inst.pods.count(i)) missing.insert(i);
            }
            if (inst.pending == 0) {
              if (auto created = create_pods(g.ordinal, g.name, *role_spec, inst.ordinal, rev, missing); !created) {
                return created;
              }
            }
          }
        }
      }
      if (recreate_group) delete_group(g);
    }
    return {};
  }

  Result<void> create_group(int ordinal) {
    std::string group = group_name(name, ordinal);
    std::string rev = revision;
    Json group_roles = roles;
    if (ordinal < partition && current_revision != revision) {
      if (auto old = roles_for(current_revision)) {
        rev = current_revision;
        group_roles = *old;
      }
    }
    spdlog::info("modelserving {}: creating serving group {} (revision {})", key, group, rev);
    if (uses_pod_groups()) {
      if (auto synced = sync_pod_group(group, group_roles); !synced) return synced;
    }
    for (const Json& role : group_roles) {
      for (int i = 0; i < role_replicas(role); ++i) {
        if (auto created = create_instance(ordinal, group, role, i, rev); !created) return created;
      }
    }
    return {};
  }

  Result<void> create_instance(int group_ordinal, const std::string& group, const Json& role, int instance,
                               const std::string& rev) {
    std::set<int> indexes;
    int count = role.contains("workerTemplate") ? 1 + worker_replicas(role) : 1;
    for (int i = 0; i < count; ++i) indexes.insert(i);
    r.events_.record(ms, "Normal", "RoleCreating",
                     fmt::format("Role {}/{} in ServingGroup {} is now Creating", str(role, "name"),
                                 role_id(str(role, "name"), instance), group));
    return create_pods(group_ordinal, group, role, instance, rev, indexes);
  }

  std::vector<GroupState*> live_groups() {
    std::vector<GroupState*> out;
    for (auto& [ordinal, g] : state.groups) {
      if (!g.deleting()) out.push_back(&g);
    }
    return out;
  }

  bool instance_running(const InstanceState& inst) const {
    int expected = expected_pods(inst);
    return inst.pending == 0 && inst.terminating == 0 && static_cast<int>(inst.pods.size()) == expected &&
           inst.ready == expected;
  }

  bool group_running(const GroupState& g, const Json& group_roles) const {
    if (g.deleting()) return false;
    for (const Json& role : group_roles) {
      auto it = g.roles.find(str(role, "name"));
      int32_t want = role_replicas(role);
      int running = 0, present = 0;
      if (it != g.roles.end()) {
        for (const auto& [ordinal, inst] : it->second) {
          if (inst.present() == 0) continue;
          ++present;
          running += instance_running(inst);
        }
      }
      if (present != want || running != want) return false;
    }
    return true;
  }

  Result<void> scale_groups() {
    int32_t count = static_cast<int32_t>(state.groups.size());
    if (count < replicas) {
      int32_t need = replicas - count;
      for (int ordinal = 0; ordinal < replicas && need > 0; ++ordinal) {
        if (state.groups.count(ordinal)) continue;
        if (auto created = create_group(ordinal); !created) return created;
        --need;
      }
      return {};
    }
    std::vector<GroupState*> live = live_groups();
    // Groups already being deleted are on their way out: counting them again would delete live ones in their place.
    if (static_cast<int32_t>(live.size()) > replicas) {
      std::vector<ScaleDownCandidate> candidates;
      size_t position = 0;
      for (GroupState* g : live) {
        std::vector<kube::ObjectPtr> pods;
        for (auto& [role, instances] : g->roles) {
          for (auto& [ri, inst] : instances) {
            for (auto& [index, pod] : inst.pods) pods.push_back(pod);
          }
        }
        candidates.push_back(
            {g->name, g->ordinal, group_running(*g, roles_of_group(*g, position++)), deletion_cost(pods)});
      }
      size_t excess = live.size() - static_cast<size_t>(replicas);
      for (const ScaleDownCandidate& c : choose_scale_down(candidates, excess, partition)) {
        delete_group(state.groups.at(c.ordinal));
      }
    }
    return {};
  }

  Result<void> scale_roles() {
    std::vector<GroupState*> live = live_groups();
    for (size_t position = 0; position < live.size(); ++position) {
      GroupState& g = *live[position];
      if (g.live_pods == 0) continue;  // deleted in this pass
      Json group_roles = roles_of_group(g, position);
      std::set<std::string> known;
      for (const Json& role : group_roles) {
        std::string role_name = str(role, "name");
        known.insert(role_name);
        auto& instances = g.roles[role_name];
        int32_t want = role_replicas(role);
        int32_t have = 0;
        for (auto& [ordinal, inst] : instances) have += inst.present() > 0 || inst.terminating > 0;
        if (have < want) {
          int32_t need = want - have;
          for (int ordinal = 0; ordinal < std::max<int32_t>(want, 0) && need > 0; ++ordinal) {
            auto it = instances.find(ordinal);
            if (it != instances.end() && (it->second.present() > 0 || it->second.terminating > 0)) continue;
            auto [rev, tmpl] = template_for_instance(g, position, role, ordinal);
            if (auto created = create_instance(g.ordinal, g.name, tmpl, ordinal, rev); !created) return created;
            --need;
          }
        } else {
          // Instances being deleted are not counted: they are on their way out (see scale_groups).
          std::vector<ScaleDownCandidate> candidates;
          for (auto& [ordinal, inst] : instances) {
            if (inst.present() == 0) continue;
            std::vector<kube::ObjectPtr> pods;
            for (auto& [index, pod] : inst.pods) pods.push_back(pod);
            candidates.push_back({inst.role_id, ordinal, instance_running(inst), deletion_cost(pods)});
          }
          int32_t role_partition =
              rollout == "RoleRollingUpdate" ? scaled_value(member(role, "partition"), want, true, 0) : 0;
          if (static_cast<int32_t>(candidates.size()) <= want) continue;
          size_t excess = candidates.size() - static_cast<size_t>(want);
          for (const ScaleDownCandidate& c : choose_scale_down(candidates, excess, role_partition)) {
            delete_instance(g, instances.at(c.ordinal));
          }
        }
      }
      // Roles no longer in the template.
      for (auto& [role_name, instances] : g.roles) {
        if (known.count(role_name)) continue;
        for (auto& [ordinal, inst] : instances) delete_instance(g, inst);
      }
    }
    return {};
  }

  // ServingGroupRollingUpdate (spec §3.8): replace outdated groups, at most maxUnavailable at a time, never those
  // the partition protects; a deleted group comes back with the new revision through scale_groups.
  void roll_groups() {
    std::vector<GroupState*> groups;
    for (auto& [ordinal, g] : state.groups) groups.push_back(&g);
    if (partition >= static_cast<int32_t>(groups.size())) return;
    const Json& config = member(member(spec, "rolloutStrategy"), "rollingUpdateConfiguration");
    int32_t max_unavailable = scaled_value(member(config, "maxUnavailable"), replicas, /*round_up=*/false, 1);
    int32_t min_available = replicas - max_unavailable;
    int32_t new_unavailable = 0;
    std::vector<GroupState*> running_outdated, not_running_outdated;
    for (size_t i = static_cast<size_t>(partition); i < groups.size(); ++i) {
      GroupState& g = *groups[i];
      bool running = group_running(g, roles);
      bool updated = !g.deleting() && group_revision(g) == revision;
      if (updated && !running) ++new_unavailable;
      if (!updated) (running ? running_outdated : not_running_outdated).push_back(&g);
    }
    int32_t max_scale_down = static_cast<int32_t>(groups.size()) - min_available - new_unavailable;
    std::vector<GroupState*> order = running_outdated;
    order.insert(order.end(), not_running_outdated.begin(), not_running_outdated.end());
    for (auto it = order.rbegin(); it != order.rend() && max_scale_down > 0; ++it, --max_scale_down) {
      if ((*it)->deleting()) continue;
      spdlog::info("modelserving {}: rolling update replaces serving group {}", key, (*it)->name);
      delete_group(**it);
    }
  }

  // RoleRollingUpdate (spec §3.8): within each group, replace outdated role instances, at most the role's
  // maxUnavailable at a time, never those its partition protects.
  void roll_roles() {
    for (GroupState* g : live_groups()) {
      if (g->live_pods == 0) continue;
      for (const Json& role : roles) {
        std::string role_name = str(role, "name");
        auto found = g->roles.find(role_name);
        if (found == g->roles.end()) continue;
        std::string hash = role_template_hash(role);
        int32_t want = role_replicas(role);
        int32_t role_partition = scaled_value(member(role, "partition"), want, true, 0);
        std::vector<InstanceState*> outdated;
        int32_t new_unavailable = 0;
        int32_t count = 0;
        for (auto& [ordinal, inst] : found->second) {
          if (inst.present() == 0 && inst.terminating == 0) continue;
          ++count;
          if (inst.present() == 0) {
            ++new_unavailable;  // deleting
            continue;
          }
          bool current = inst.template_hash == hash;
          if (current && !instance_running(inst)) ++new_unavailable;
          if (!current && ordinal >= role_partition) outdated.push_back(&inst);
        }
        if (outdated.empty()) continue;
        int32_t max_scale_down = static_cast<int32_t>(outdated.size());
        if (!member(role, "maxUnavailable").is_null()) {
          int32_t max_unavailable = scaled_value(member(role, "maxUnavailable"), want, false, 1);
          max_scale_down = std::max(0, count - std::max(0, want - max_unavailable) - new_unavailable);
        }
        std::stable_sort(outdated.begin(), outdated.end(), [&](InstanceState* a, InstanceState* b) {
          bool ra = instance_running(*a), rb = instance_running(*b);
          if (ra != rb) return !ra;
          return a->ordinal > b->ordinal;
        });
        for (size_t i = 0; i < outdated.size() && static_cast<int32_t>(i) < max_scale_down; ++i) {
          delete_instance(*g, *outdated[i]);
        }
      }
    }
  }

  Result<void> sync_pod_group(const std::string& group, const Json& group_roles) {
    PodGroupOptions options;
    options.sub_group_policy = r.options_.sub_group_policy;
    Json desired = build_pod_group(ms, group, group_roles, options);
    kube::ObjectPtr existing = r.pod_groups_->cache().get(ns, group);
    if (!existing) {
      auto created = r.client_->create(res::pod_groups(), ns, desired);
      if (created || created.error().code == ErrorCode::kAlreadyExists) return {};
      warn("FailedCreate", fmt::format("creating PodGroup {}: {}", group, created.error().to_string()));
      return fail(created.error());
    }
    if (owner_uid(*existing) != uid) {
      warn("PodGroupNameTaken", fmt::format("PodGroup {} exists and belongs to another owner", group));
      retry_in(kRetryShortly);
      return {};
    }
    if (!pod_group_needs_update(*existing, desired)) return {};
    auto updated = r.client_->update(res::pod_groups(), pod_group_updated(*existing, desired));
    if (!updated) return fail(updated.error());
    return {};
  }

  Result<void> sync_services_and_pod_groups() {
    std::vector<GroupState*> live = live_groups();
    for (size_t position = 0; position < live.size(); ++position) {
      GroupState& g = *live[position];
      if (g.live_pods == 0) continue;
      Json group_roles = roles_of_group(g, position);
      if (uses_pod_groups()) {
        if (auto synced = sync_pod_group(g.name, group_roles); !synced) return synced;
      }
      for (const Json& role : group_roles) {
        if (!role.contains("workerTemplate")) continue;
        auto it = g.roles.find(str(role, "name"));
        if (it == g.roles.end()) continue;
        for (auto& [ordinal, inst] : it->second) {
          if (inst.present() == 0) continue;
          std::string service = pod_name(g.name, inst.role_id, 0);
          kube::ObjectPtr existing = r.services_.cache().get(ns, service);
          if (existing) {
            if (owner_uid(*existing) != uid) {
              warn("ServiceNameTaken", fmt::format("Service {} exists and belongs to another owner", service));
              retry_in(kRetryShortly);
            }
            continue;
          }
          RoleInstance ri{&ms, &role, g.name, inst.role_id, revision, {}, false};
          auto created = r.client_->create(res::services(), ns, build_headless_service(ri));
          if (!created && created.error().code != ErrorCode::kAlreadyExists) return fail(created.error());
        }
      }
    }
    return {};
  }

  // Upstream's ready handling: every plugin's OnPodReady for each pod of a role instance that has become Running,
  // before the instance counts as announced. A plugin error is an Event and a retry, as upstream aborts the
  // handling and waits for the next pod event.
  bool pods_ready_handled(const GroupState& g, const InstanceState& inst) {
    if (member(member(ms, "spec"), "plugins").empty()) return true;
    for (const auto& [index, pod] : inst.pods) {
      PodContext ctx{&ms, g.name, g.ordinal, inst.role, inst.role_id, index == 0};
      if (auto ready = run_on_pod_ready(ctx, *pod); !ready) {
        warn("PluginFailed",
             fmt::format("pod {}: {}", str(member(*pod, "metadata"), "name"), ready.error().to_string()));
        retry_in(kRetryShortly);
        return false;
      }
    }
    return true;
  }

  void announce_running() {
    for (auto& [ordinal, g] : state.groups) {
      for (auto& [role, instances] : g.roles) {
        for (auto& [ri, inst] : instances) {
          std::string id = key + "/" + g.name + "/" + inst.role_id;
          bool running = instance_running(inst);
          bool announce = false;
          {
            std::lock_guard lock(r.mutex_);
            announce = running ? r.running_announced_.insert(id).second : (r.running_announced_.erase(id), false);
          }
          if (announce && !pods_ready_handled(g, inst)) {
            std::lock_guard lock(r.mutex_);
            r.running_announced_.erase(id);  // announced once the plugins accept every pod (the next pass tries again)
            announce = false;
          }
          if (announce) {
            r.events_.record(
                ms, "Normal", "RoleRunning",
                fmt::format("Role {}/{} in ServingGroup {} is now Running", inst.role, inst.role_id, g.name));
          }
        }
      }
    }
  }

  Result<void> write_status() {
    std::vector<GroupState*> groups;
    for (auto& [ordinal, g] : state.groups) groups.push_back(&g);
    int32_t available = 0, updated = 0, current = 0;
    std::vector<size_t> progressing, updated_groups;
    std::vector<std::string> outdated_revisions;
    size_t current_groups = 0;
    for (size_t i = 0; i < groups.size(); ++i) {
      GroupState& g = *groups[i];
      if (g.deleting()) {
        progressing.push_back(i);
        continue;
      }
      if (group_running(g, roles_of_group(g, i))) {
        ++available;
      } else {
        progressing.push_back(i);
      }
      std::string rev = group_revision(g);
      if (rev == revision) {
        ++updated;
        updated_groups.push_back(i);
      } else {
        ++current;
        ++current_groups;
        outdated_revisions.push_back(rev);
      }
    }
    const Json& old_status = member(ms, "status");
    Json status = old_status.is_object() ? old_status : Json::object();
    int32_t total = static_cast<int32_t>(groups.size());
    bool has_partition = partition > 0;
    if (!has_partition && updated == available && available == total && total == replicas) current = updated;
    status["replicas"] = total;
    status["availableReplicas"] = available;
    status["updatedReplicas"] = updated;
    status["currentReplicas"] = current;
    status["updateRevision"] = revision;
    status["currentRevision"] =
        choose_current_revision(str(old_status, "currentRevision"), revision, outdated_revisions);
    status["observedGeneration"] = member(ms["metadata"], "generation").is_number_integer()
                                       ? ms["metadata"]["generation"].get<int64_t>()
                                       : int64_t{0};
    status["labelSelector"] = scale_label_selector(ms);
    std::string now = api::now_rfc3339();
    if (progressing.empty()) {
      set_condition(status,
                    {{"type", "Available"},
                     {"status", "True"},
                     {"reason", "AllGroupsReady"},
                     {"message", "All Serving groups are ready"}},
                    now);
    } else {
      std::string message = fmt::format("Some groups is progressing: [{}]", fmt::join(progressing, " "));
      if (current_groups > static_cast<size_t>(partition)) {
        set_condition(
            status,
            {{"type", "UpdateInProgress"},
             {"status", "True"},
             {"reason", "GroupsUpdating"},
             {"message", message + fmt::format(", Updated Groups are: [{}]", fmt::join(updated_groups, " "))}},
            now);
      } else {
        set_condition(
            status, {{"type", "Progressing"}, {"status", "True"}, {"reason", "GroupProgressing"}, {"message", message}},
            now);
      }
    }
    if (status == old_status) return {};
    Json object = ms;
    object["status"] = status;
    auto written = r.client_->update_status(res::model_servings(), object);
    if (!written) return fail(written.error());
    if (str(old_status, "currentRevision") != str(status, "currentRevision") ||
        str(old_status, "updateRevision") != str(status, "updateRevision")) {
      clean_revisions(str(status, "currentRevision"), revision);
    }
    return {};
  }

  void clean_revisions(const std::string& keep_a, const std::string& keep_b) {
    for (const kube::ObjectPtr& cr : r.revisions_.cache().by_index(kByModelServing, key)) {
      if (owner_uid(*cr) != uid) continue;
      std::string rev = str(member(member(*cr, "metadata"), "labels"), labels::kRevision);
      if (rev == keep_a || rev == keep_b) continue;
      delete_by_name(res::controller_revisions(), str(cr->at("metadata"), "name"));
    }
  }

  Result<void> run() {
    std::vector<kube::ObjectPtr> pods = r.pods_.cache().by_index(kByModelServing, key);
    auto [pending, deleted] = r.expectations_.pending(key, pods);
    state = observe(ms, pods, pending, deleted);
    if (auto ensured = ensure_revision(); !ensured) return ensured;
    handle_failed_pods();
    if (auto recovered = recover(); !recovered) return recovered;
    if (auto scaled = scale_groups(); !scaled) return scaled;
    if (auto scaled = scale_roles(); !scaled) return scaled;
    // Rolling updates reason on what is running: only on a settled view (nothing written in this pass).
    if (!wrote) {
      if (rollout == "RoleRollingUpdate") {
        roll_roles();
      } else {
        roll_groups();
      }
    }
    if (auto synced = sync_services_and_pod_groups(); !synced) return synced;
    announce_running();
    if (wrote) {
      // Let the caches catch up before the status is judged; the events of our writes bring us back.
      retry_in(kRetryShortly);
      return {};
    }
    return write_status();
  }
};

Result<kube::ReconcileResult> ModelServingReconciler::reconcile(const std::string& key) {
  kube::ObjectPtr ms = servings_.cache().get(key);
  if (!ms) {
    expectations_.forget(key);
    std::lock_guard lock(mutex_);
    for (auto it = running_announced_.lower_bound(key + "/");
         it != running_announced_.end() && it->starts_with(key + "/");) {
      it = running_announced_.erase(it);
    }
    return kube::ReconcileResult{};
  }
  if (is_terminating(*ms)) return kube::ReconcileResult{};  // the garbage collector removes what it owns
  Pass pass(*this, key, *ms);
  if (auto ran = pass.run(); !ran) return fail(ran.error());
  return kube::ReconcileResult{pass.requeue};
}

}  // namespace kthena::controllers::modelserving
