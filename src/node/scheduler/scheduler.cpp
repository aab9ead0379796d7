// One scheduling pass: bound pods charge the node first, then pending pods and gangs, oldest first.
#include "node/scheduler/scheduler.h"

#include <algorithm>
#include <map>
#include <variant>

#include "node/scheduler/gang.h"
#include "node/scheduler/pod_view.h"

namespace kthena::node {
namespace {

std::string text(const Json& object, const char* parent, const char* name) {
  auto p = object.find(parent);
  if (p == object.end() || !p->is_object()) return "";
  auto v = p->find(name);
  return v != p->end() && v->is_string() ? v->get<std::string>() : "";
}

std::string key_of(const Json& object) {
  return text(object, "metadata", "namespace") + "/" + text(object, "metadata", "name");
}

// Charges every pod bound here. Devices come from their records; a pod requesting devices without a record gets the
// lowest IDs left once every record is counted, in creation order, so that the same world always gives the same IDs.
void hold_bound(const std::vector<PodView>& views, Ledger& ledger, Decisions& decisions) {
  std::vector<std::pair<const PodView*, std::vector<std::string>>> unrecorded;
  for (const PodView& v : views) {
    if (v.state != PodView::State::kBound) continue;
    auto missing = ledger.hold_bound(v.requests, v.recorded);
    if (!missing.empty()) unrecorded.emplace_back(&v, std::move(missing));
  }
  for (const auto& [v, resources] : unrecorded) {
    Binding adopted{v->key, v->recorded};
    for (const std::string& r : resources) adopted.devices[r] = ledger.take_devices(r, v->requests.at(r));
    decisions.adopted.push_back(std::move(adopted));
  }
}

// A gang's status when none of its pods waits: placed whole, or short of pods that do not exist.
GangOutcome idle_outcome(const std::string& key, const Json& pod_group, const std::vector<const PodView*>& members) {
  GangOutcome out;
  out.pod_group = key;
  out.min_member = 1;
  if (auto spec = pod_group.find("spec"); spec != pod_group.end() && spec->is_object()) {
    if (auto min = spec->find("minMember"); min != spec->end() && min->is_number_integer()) {
      out.min_member = min->get<int32_t>();
    }
  }
  for (const PodView* m : members) out.placed += m->placed() ? 1 : 0;
  if (out.placed >= out.min_member) {
    out.phase = GangPhase::kRunning;
    out.scheduled = true;
  } else {
    out.reason = "NotEnoughTasks";
    out.message = std::to_string(out.min_member - out.placed) + "/" + std::to_string(members.size()) +
                  " tasks in gang unschedulable: pod group is not ready, " + std::to_string(out.placed) + " placed, " +
                  std::to_string(out.min_member) + " minAvailable; " + std::to_string(members.size()) +
                  " pods exist, minMember " + std::to_string(out.min_member);
  }
  return out;
}

}  // namespace

Decisions schedule(const NodeState& node, const std::vector<kube::ObjectPtr>& pods,
                   const std::vector<kube::ObjectPtr>& pod_groups) {
  Decisions decisions;
  std::vector<PodView> views = view_pods(node, pods);  // in creation order
  Ledger ledger(node);
  hold_bound(views, ledger, decisions);

  std::map<std::string, const Json*> groups;
  for (const kube::ObjectPtr& pg : pod_groups) {
    if (pg && pg->is_object()) groups.emplace(key_of(*pg), pg.get());
  }

  // Units in the order of their oldest pod: a single pending pod, or a group with a pending pod. Members are every pod
  // naming the group; since `views` is sorted, the first pod seen of a group is its oldest.
  std::map<std::string, std::vector<const PodView*>> members;
  std::vector<std::variant<const PodView*, std::string>> units;
  for (const PodView& v : views) {
    if (v.group.empty()) {
      if (v.state == PodView::State::kPending) units.emplace_back(&v);
      continue;
    }
    std::string group = v.ns + "/" + v.group;
    auto [it, fresh] = members.try_emplace(group);
    if (fresh) units.emplace_back(group);
    it->second.push_back(&v);
  }

  std::map<std::string, GangOutcome> outcomes;
  for (const auto& unit : units) {
    if (const auto* pod = std::get_if<const PodView*>(&unit)) {
      if (auto why = unfit_message(**pod, node, ledger)) {
        decisions.waiting.push_back({(*pod)->key, "", "Unschedulable", *why});
      } else {
        decisions.bindings.push_back({(*pod)->key, ledger.take((*pod)->requests)});
      }
      continue;
    }
    const std::string& group = std::get<std::string>(unit);
    const auto& group_members = members.at(group);
    bool waits = std::any_of(group_members.begin(), group_members.end(),
                             [](const PodView* m) { return m->state == PodView::State::kPending; });
    if (!waits) continue;
    auto pg = groups.find(group);
    if (pg == groups.end()) {
      // The controller creates the PodGroup before the pods, but the caches may see them in either order.
      for (const PodView* m : group_members) {
        if (m->state != PodView::State::kPending) continue;
        decisions.waiting.push_back(
            {m->key, group, "Unschedulable", "0/1 nodes are available: PodGroup " + group + " does not exist yet."});
      }
      continue;
    }
    outcomes.emplace(group, schedule_gang(node, ledger, group, *pg->second, group_members, decisions));
  }

  for (const kube::ObjectPtr& pg : pod_groups) {
    if (!pg || !pg->is_object()) continue;
    std::string key = key_of(*pg);
    if (auto it = outcomes.find(key); it != outcomes.end()) {
      decisions.gangs.push_back(it->second);
    } else {
      auto m = members.find(key);
      decisions.gangs.push_back(idle_outcome(key, *pg, m == members.end() ? std::vector<const PodView*>{} : m->second));
    }
  }
  return decisions;
}

}  // namespace kthena::node
