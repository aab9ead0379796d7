#include "node/scheduler/pod_view.h"

#include "api/json_fields.h"

#include <algorithm>
#include <charconv>

namespace kthena::node {

using api::lenient::member;
using api::lenient::str;
namespace {

std::string text(const Json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

DeviceMap parse_devices(const Json& annotations) {
  DeviceMap out;
  std::string raw = text(member(annotations, kDevicesAnnotation));
  if (raw.empty()) return out;
  Json parsed = Json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return out;
  for (const auto& [resource, ids] : parsed.items()) {
    if (!ids.is_array()) continue;
    auto& list = out[resource];
    for (const Json& id : ids) {
      if (id.is_string()) list.push_back(id.get<std::string>());
    }
  }
  return out;
}

bool ours(const std::string& scheduler) {
  return scheduler.empty() || scheduler == "default-scheduler" || scheduler == kSchedulerName || scheduler == "volcano";
}

std::optional<int64_t> to_int(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// A NodeSelectorRequirement against one value (absent: nullopt), with core/v1's operators.
bool requirement_matches(const Json& req, const std::optional<std::string>& value) {
  std::string op = text(member(req, "operator"));
  std::vector<std::string> values;
  for (const Json& v : member(req, "values").is_array() ? member(req, "values") : Json::array())
    values.push_back(text(v));
  bool listed = value && std::find(values.begin(), values.end(), *value) != values.end();
  if (op == "In") return listed;
  if (op == "NotIn") return !listed;
  if (op == "Exists") return value.has_value();
  if (op == "DoesNotExist") return !value.has_value();
  if ((op == "Gt" || op == "Lt") && value && values.size() == 1) {
    auto have = to_int(*value);
    auto bound = to_int(values[0]);
    if (!have || !bound) return false;
    return op == "Gt" ? *have > *bound : *have < *bound;
  }
  return false;  // an operator we do not know never matches, as the API server would have refused it
}

bool term_matches(const Json& term, const NodeState& node) {
  const Json& exprs = member(term, "matchExpressions");
  const Json& fields = member(term, "matchFields");
  // An empty term selects no node (core/v1 NodeSelectorTerm).
  if ((!exprs.is_array() || exprs.empty()) && (!fields.is_array() || fields.empty())) return false;
  for (const Json& req : exprs.is_array() ? exprs : Json::array()) {
    const Json& label = member(node.labels, text(member(req, "key")).c_str());
    if (!requirement_matches(req, label.is_string() ? std::optional(label.get<std::string>()) : std::nullopt)) {
      return false;
    }
  }
  for (const Json& req : fields.is_array() ? fields : Json::array()) {
    // metadata.name is the only field selector Kubernetes supports here.
    std::optional<std::string> value;
    if (text(member(req, "key")) == "metadata.name") value = node.name;
    if (!requirement_matches(req, value)) return false;
  }
  return true;
}

bool selector_matches(const Json& spec, const NodeState& node) {
  const Json& selector = member(spec, "nodeSelector");
  if (selector.is_object()) {
    for (const auto& [key, value] : selector.items()) {
      const Json& label = member(node.labels, key.c_str());
      if (!label.is_string() || label != value) return false;
    }
  }
  const Json& required =
      member(member(member(spec, "affinity"), "nodeAffinity"), "requiredDuringSchedulingIgnoredDuringExecution");
  const Json& terms = member(required, "nodeSelectorTerms");
  if (!required.is_object()) return true;
  if (!terms.is_array()) return false;
  return std::any_of(terms.begin(), terms.end(), [&](const Json& t) { return term_matches(t, node); });
}

// core/v1 Toleration.ToleratesTaint.
bool tolerates(const Json& toleration, const Json& taint) {
  std::string effect = text(member(toleration, "effect"));
  if (!effect.empty() && effect != text(member(taint, "effect"))) return false;
  std::string key = text(member(toleration, "key"));
  std::string op = text(member(toleration, "operator"));
  if (!key.empty() && key != text(member(taint, "key"))) return false;
  if (op == "Exists") return true;
  // Equal (the default) with an empty key is invalid; it tolerates nothing.
  return !key.empty() && text(member(toleration, "value")) == text(member(taint, "value"));
}

}  // namespace

const Json& PodView::labels() const {
  return member(member(*object, "metadata"), "labels");
}

bool created_before(const PodView& a, const PodView& b) {
  if (a.created != b.created) return a.created < b.created;
  return a.key < b.key;
}

std::vector<PodView> view_pods(const NodeState& node, const std::vector<kube::ObjectPtr>& pods) {
  std::vector<PodView> out;
  out.reserve(pods.size());
  bool count_pods = node.allocatable.contains("pods");
  for (const kube::ObjectPtr& ptr : pods) {
    if (!ptr || !ptr->is_object()) continue;
    const Json& pod = *ptr;
    const Json& meta = member(pod, "metadata");
    const Json& spec = member(pod, "spec");
    PodView v;
    v.object = ptr.get();
    v.ns = text(member(meta, "namespace"));
    v.key = v.ns + "/" + text(member(meta, "name"));
    // A pod without a readable timestamp sorts first; the API server always sets one.
    if (auto t = api::parse_rfc3339(text(member(meta, "creationTimestamp")))) v.created = *t;
    v.deleting = !member(meta, "deletionTimestamp").is_null();
    v.group = text(member(member(meta, "annotations"), kGroupNameAnnotation));
    std::string phase = text(member(member(pod, "status"), "phase"));
    std::string node_name = text(member(spec, "nodeName"));
    v.succeeded = phase == "Succeeded";
    if (phase == "Succeeded" || phase == "Failed") {
      v.state = PodView::State::kFinished;
    } else if (!node_name.empty()) {
      v.state = node_name == node.name ? PodView::State::kBound : PodView::State::kElsewhere;
    } else if (!v.deleting && ours(text(member(spec, "schedulerName")))) {
      v.state = PodView::State::kPending;
    }
    v.requests = pod_requests(pod);
    if (count_pods) v.requests["pods"] = add_sat(v.requests["pods"], 1000);
    if (v.state == PodView::State::kBound) v.recorded = parse_devices(member(meta, "annotations"));
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), created_before);
  return out;
}

std::optional<std::string> node_mismatch(const Json& pod, const NodeState& node) {
  const Json& spec = member(pod, "spec");
  if (!selector_matches(spec, node)) return "node(s) didn't match Pod's node affinity/selector";
  const Json& tolerations = member(spec, "tolerations");
  for (const Json& taint : node.taints.is_array() ? node.taints : Json::array()) {
    std::string effect = text(member(taint, "effect"));
    // PreferNoSchedule only weighs a choice; with one node there is no choice.
    if (effect != "NoSchedule" && effect != "NoExecute") continue;
    bool ok = tolerations.is_array() &&
              std::any_of(tolerations.begin(), tolerations.end(), [&](const Json& t) { return tolerates(t, taint); });
    if (!ok) {
      return "node(s) had untolerated taint {" + text(member(taint, "key")) + ": " + text(member(taint, "value")) + "}";
    }
  }
  return std::nullopt;
}

std::optional<std::string> unfit_message(const PodView& pod, const NodeState& node, const Ledger& ledger) {
  if (auto mismatch = node_mismatch(*pod.object, node)) return "0/1 nodes are available: 1 " + *mismatch + ".";
  auto shortfalls = ledger.shortfalls(pod.requests);
  if (shortfalls.empty()) return std::nullopt;
  std::string message = "0/1 nodes are available: 1 " + shortfall_text(shortfalls) + ".";
  // Bad input rather than a busy node: say so, or the user waits for something that cannot happen.
  if (std::any_of(shortfalls.begin(), shortfalls.end(), [](const Shortfall& s) { return s.need > s.allocatable; })) {
    message += " The pod asks for more than the node has.";
  }
  return message;
}

}  // namespace kthena::node
