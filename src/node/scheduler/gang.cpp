#include "node/scheduler/gang.h"

#include "api/json_fields.h"

#include <algorithm>
#include <map>
#include <set>

#include "api/values/quantity.h"
#include "api/values/selector.h"

namespace kthena::node {

using api::lenient::member;
using api::lenient::str;
namespace {

int64_t integer_or(const Json& value, int64_t fallback) {
  return value.is_number_integer() ? value.get<int64_t>() : fallback;
}

// One subGroupPolicy entry as our controller writes it (pod_group.cpp): the pods its labelSelector picks, split by the
// values of matchLabelKeys (the role-id: one role instance), need minSubGroups instances of subGroupSize pods each.
struct Policy {
  std::string name;
  api::Selector selector;
  std::vector<std::string> keys;
  int64_t size = 1;
  int64_t min = 0;

  bool selects(const PodView& pod) const { return selector.matches_labels(pod.labels()); }
  std::string instance(const PodView& pod) const {
    std::string out;
    for (const std::string& k : keys) {
      const Json& v = member(pod.labels(), k.c_str());
      out += (out.empty() ? "" : ",") + (v.is_string() ? v.get<std::string>() : std::string());
    }
    return out;
  }
};

std::vector<Policy> read_policies(const Json& spec) {
  std::vector<Policy> out;
  const Json& list = member(spec, "subGroupPolicy");
  if (!list.is_array()) return out;
  for (const Json& entry : list) {
    Policy p;
    p.name = member(entry, "name").is_string() ? member(entry, "name").get<std::string>() : "";
    const Json& selector = member(entry, "labelSelector");
    // No selector: the policy covers every pod of the group. One that does not parse selects nothing, so a bad
    // policy cannot hold the group back.
    if (!selector.is_null())
      p.selector = api::Selector::from_label_selector(selector).value_or(api::Selector::nothing());
    for (const Json& k : member(entry, "matchLabelKeys").is_array() ? member(entry, "matchLabelKeys") : Json::array()) {
      if (k.is_string()) p.keys.push_back(k.get<std::string>());
    }
    p.size = std::max<int64_t>(1, integer_or(member(entry, "subGroupSize"), 1));
    p.min = std::max<int64_t>(0, integer_or(member(entry, "minSubGroups"), 0));
    out.push_back(std::move(p));
  }
  return out;
}

// One role instance of a policy: its placed pods and its pending ones.
struct Instance {
  std::string key;
  int64_t placed = 0;
  std::vector<const PodView*> pending;
  api::Time oldest = api::Time::max();
};

std::map<std::string, Instance> instances_of(const Policy& policy, const std::vector<const PodView*>& members) {
  std::map<std::string, Instance> out;
  for (const PodView* m : members) {
    bool pending = m->state == PodView::State::kPending;
    if ((!pending && !m->placed()) || !policy.selects(*m)) continue;
    Instance& inst = out[policy.instance(*m)];
    inst.key = policy.instance(*m);
    inst.oldest = std::min(inst.oldest, m->created);
    if (pending) {
      inst.pending.push_back(m);
    } else {
      ++inst.placed;
    }
  }
  return out;
}

// What the pods of `pods` charge together: device requests in whole devices per pod, as Ledger::take hands them out.
ResourceList total(const Ledger& ledger, const std::vector<const PodView*>& pods) {
  ResourceList sum;
  for (const PodView* p : pods) {
    for (const auto& [r, amount] : p->requests) {
      if (amount <= 0) continue;
      sum[r] = add_sat(sum[r], ledger.is_device(r) ? device_count(amount) * 1000 : amount);
    }
  }
  return sum;
}

// Binds `pods` (they fit: checked by the caller) and records the bindings.
void bind_all(Ledger& ledger, const std::vector<const PodView*>& pods, Decisions& decisions) {
  for (const PodView* p : pods) decisions.bindings.push_back({p->key, ledger.take(p->requests)});
}

// Why `pods` cannot be bound together now, or "".
std::string unfit(const NodeState& node, const Ledger& ledger, const std::vector<const PodView*>& pods,
                  const std::string& what_needs) {
  for (const PodView* p : pods) {
    if (auto mismatch = node_mismatch(*p->object, node)) return "pod " + p->key + ": " + *mismatch;
  }
  if (auto s = ledger.shortfalls(total(ledger, pods)); !s.empty()) return shortfall_text(s, what_needs);
  return "";
}

}  // namespace

GangOutcome schedule_gang(const NodeState& node, Ledger& ledger, const std::string& key, const Json& pod_group,
                          const std::vector<const PodView*>& members, Decisions& decisions) {
  const Json& spec = member(pod_group, "spec");
  GangOutcome out;
  out.pod_group = key;
  out.min_member = static_cast<int32_t>(std::clamp<int64_t>(integer_or(member(spec, "minMember"), 1), 0, INT32_MAX));
  const int64_t min_member = out.min_member;

  std::vector<const PodView*> pending;
  int64_t placed = 0;
  ResourceList held;  // what the group's staying pods hold: minResources counts them as the group's own
  for (const PodView* m : members) {
    if (m->state == PodView::State::kPending) pending.push_back(m);
    if (m->placed()) ++placed;
    if (m->state == PodView::State::kBound && !m->deleting) {
      for (const auto& [r, amount] : m->requests) held[r] = add_sat(held[r], amount);
    }
  }

  // Volcano's enqueue: minResources against what is free (plus what the group holds already). It decides Pending
  // against Inqueue, whatever else stops the group.
  std::string min_resources_short;
  const Json no_resources = Json::object();
  const Json& min_resources = member(spec, "minResources").is_object() ? member(spec, "minResources") : no_resources;
  for (const auto& [r, value] : min_resources.items()) {
    auto q = api::Quantity::from_json(value);
    if (!q) continue;
    int64_t need = q->milli_value();
    int64_t available = add_sat(ledger.free(r), held[r]);
    if (need > available) {
      min_resources_short = "minResources " + r + ": need " + format_amount(r, need) + ", free " +
                            format_amount(r, std::max<int64_t>(ledger.free(r), 0)) + " and " +
                            format_amount(r, held[r]) + " held by the group, node allocatable " +
                            format_amount(r, ledger.allocatable(r));
      break;
    }
  }

  // The minimum: for every policy, whole role instances up to minSubGroups (those closest to whole first, then the
  // oldest), then any pods up to minMember, in creation order.
  std::set<const PodView*> chosen;
  std::string tasks_short;
  for (const Policy& policy : read_policies(spec)) {
    auto instances = instances_of(policy, members);
    auto progress = [&](const Instance& i) {
      return i.placed + static_cast<int64_t>(std::count_if(i.pending.begin(), i.pending.end(),
                                                           [&](const PodView* p) { return chosen.contains(p); }));
    };
    int64_t whole = 0;
    std::vector<const Instance*> candidates;
    for (const auto& [k, inst] : instances) {
      if (progress(inst) >= policy.size) {
        ++whole;
      } else if (inst.placed + static_cast<int64_t>(inst.pending.size()) >= policy.size) {
        candidates.push_back(&inst);
      }
    }
    int64_t need = policy.min - whole;
    if (need <= 0) continue;
    std::sort(candidates.begin(), candidates.end(), [&](const Instance* a, const Instance* b) {
      if (progress(*a) != progress(*b)) return progress(*a) > progress(*b);
      if (a->oldest != b->oldest) return a->oldest < b->oldest;
      return a->key < b->key;
    });
    if (static_cast<int64_t>(candidates.size()) < need) {
      tasks_short = "subGroupPolicy " + policy.name + ": needs " + std::to_string(policy.min) + " instances of " +
                    std::to_string(policy.size) + " pods, " + std::to_string(whole) + " placed and " +
                    std::to_string(candidates.size()) + " more complete among the existing pods";
      break;
    }
    for (int64_t i = 0; i < need; ++i) chosen.insert(candidates[i]->pending.begin(), candidates[i]->pending.end());
  }
  int64_t count = placed + static_cast<int64_t>(chosen.size());
  for (const PodView* p : pending) {
    if (count >= min_member) break;
    if (chosen.insert(p).second) ++count;
  }
  if (tasks_short.empty() && count < min_member) {
    tasks_short = std::to_string(placed + pending.size()) + " pods exist, minMember " + std::to_string(min_member);
  }

  std::vector<const PodView*> minimum;  // in creation order
  for (const PodView* p : pending) {
    if (chosen.contains(p)) minimum.push_back(p);
  }
  std::string reason = "NotEnoughTasks";
  std::string why = tasks_short;
  if (why.empty() && !minimum.empty()) {
    reason = "NotEnoughResources";
    why =
        !min_resources_short.empty() ? min_resources_short : unfit(node, ledger, minimum, "the group's minimum needs");
  }

  if (!why.empty()) {
    int64_t unready = std::max<int64_t>(static_cast<int64_t>(minimum.size()), min_member - placed);
    out.reason = reason;
    out.message = std::to_string(unready) + "/" + std::to_string(members.size()) +
                  " tasks in gang unschedulable: pod group is not ready, " + std::to_string(placed) + " placed, " +
                  std::to_string(min_member) + " minAvailable; " + why;
    out.placed = static_cast<int32_t>(placed);
    out.phase = placed >= min_member          ? GangPhase::kRunning
                : min_resources_short.empty() ? GangPhase::kInqueue
                                              : GangPhase::kPending;
    for (const PodView* p : pending) decisions.waiting.push_back({p->key, key, "Unschedulable", out.message});
    return out;
  }

  bind_all(ledger, minimum, decisions);
  placed += static_cast<int64_t>(minimum.size());

  // Beyond the minimum, as Volcano's allocate goes on: what fits, a role instance of a policy whole or not at all, so
  // that an entry pod never starts without its workers.
  std::vector<Policy> policies = read_policies(spec);
  std::set<const PodView*> done(minimum.begin(), minimum.end());
  for (const PodView* p : pending) {
    if (done.contains(p)) continue;
    std::vector<const PodView*> unit{p};
    int64_t size = 1;
    int64_t unit_placed = 0;
    auto policy = std::find_if(policies.begin(), policies.end(), [&](const Policy& pol) { return pol.selects(*p); });
    if (policy != policies.end()) {
      Instance inst = instances_of(*policy, members).at(policy->instance(*p));
      unit.clear();
      for (const PodView* q : inst.pending) {
        if (!done.contains(q)) unit.push_back(q);
      }
      size = policy->size;
      unit_placed = inst.placed + static_cast<int64_t>(inst.pending.size() - unit.size());
    }
    done.insert(unit.begin(), unit.end());
    std::string unit_why;
    if (unit_placed + static_cast<int64_t>(unit.size()) < size) {
      unit_why = "0/1 nodes are available: role instance " + policy->instance(*p) + " of " + policy->name + " has " +
                 std::to_string(unit_placed + unit.size()) + " of its " + std::to_string(size) + " pods.";
    } else if (unit.size() == 1 && size == 1) {
      unit_why = unfit_message(*p, node, ledger).value_or("");
    } else if (std::string u = unfit(node, ledger, unit, "the role instance needs"); !u.empty()) {
      unit_why = "0/1 nodes are available: " + u + ".";
    }
    if (!unit_why.empty()) {
      for (const PodView* q : unit) decisions.waiting.push_back({q->key, key, "Unschedulable", unit_why});
      continue;
    }
    bind_all(ledger, unit, decisions);
    placed += static_cast<int64_t>(unit.size());
  }

  out.scheduled = true;
  out.phase = GangPhase::kRunning;
  out.placed = static_cast<int32_t>(placed);
  return out;
}

}  // namespace kthena::node
