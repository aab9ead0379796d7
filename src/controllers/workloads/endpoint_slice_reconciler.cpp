#include "controllers/workloads/endpoint_slice_reconciler.h"

#include <map>

#include <fmt/format.h>

#include "controllers/revision_hash.h"
#include "controllers/workloads/workload_pods.h"

namespace kthena::controllers::workloads {
namespace {

namespace res = kube::resources;
constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";
constexpr const char* kManagedByLabel = "endpointslice.kubernetes.io/managed-by";
constexpr const char* kManagedBy = "endpointslice-controller.k8s.io";

bool selects(const Json& selector, const Json& pod) {
  if (!selector.is_object() || selector.empty()) return false;
  const Json& labels = field(pod, {"metadata", "labels"});
  if (!labels.is_object()) return false;
  for (const auto& [k, v] : selector.items()) {
    auto it = labels.find(k);
    if (it == labels.end() || *it != v) return false;
  }
  return true;
}

// The Service's ports as this pod serves them; nullopt when a named targetPort is not among its containers' ports.
std::optional<Json> resolve_ports(const Json& service, const Json& pod) {
  Json out = Json::array();
  const Json& ports = field(service, {"spec", "ports"});
  if (!ports.is_array()) return out;
  for (const Json& port : ports) {
    const Json& target = port.contains("targetPort") ? port["targetPort"] : port.value("port", Json());
    Json resolved;
    if (target.is_number_integer()) {
      resolved = target;
    } else if (target.is_string()) {
      const Json& containers = field(pod, {"spec", "containers"});
      if (!containers.is_array()) return std::nullopt;
      for (const Json& c : containers) {
        for (const Json& cp : c.value("ports", Json::array())) {
          if (cp.value("name", std::string()) == target.get<std::string>() &&
              cp.value("protocol", std::string("TCP")) == port.value("protocol", std::string("TCP"))) {
            resolved = cp.value("containerPort", Json());
          }
        }
      }
      if (resolved.is_null()) return std::nullopt;
    } else {
      continue;
    }
    Json entry = {{"name", port.value("name", std::string())},
                  {"protocol", port.value("protocol", std::string("TCP"))},
                  {"port", resolved}};
    if (port.contains("appProtocol")) entry["appProtocol"] = port["appProtocol"];
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

EndpointSliceReconciler::EndpointSliceReconciler(kube::SharedInformers& informers)
    : client_(informers.client()),
      services_(informers.get(res::services())),
      pods_(informers.get(res::pods())),
      slices_(informers.get(res::endpoint_slices())) {
  slices_.add_index(kServiceNameLabel, [](const Json& slice) {
    std::string service = str_at(slice, {"metadata", "labels", kServiceNameLabel});
    if (service.empty()) return std::vector<std::string>{};
    return std::vector<std::string>{str_at(slice, {"metadata", "namespace"}) + "/" + service};
  });
}

void EndpointSliceReconciler::watch(kube::Controller& controller) {
  controller.watch(services_, kube::own_key());
  // A pod concerns every Service of its namespace that selects it.
  controller.watch(pods_, [this](const Json& pod) {
    std::vector<std::string> keys;
    std::string ns = str_at(pod, {"metadata", "namespace"});
    for (const ObjectPtr& service : services_.cache().by_index("namespace", ns)) {
      if (selects(field(*service, {"spec", "selector"}), pod)) {
        keys.push_back(kube::ObjectCache::key_of(*service));
      }
    }
    return keys;
  });
  controller.watch(slices_, [](const Json& slice) {
    std::string service = str_at(slice, {"metadata", "labels", kServiceNameLabel});
    if (service.empty() || str_at(slice, {"metadata", "labels", kManagedByLabel}) != kManagedBy) {
      return std::vector<std::string>{};
    }
    return std::vector<std::string>{str_at(slice, {"metadata", "namespace"}) + "/" + service};
  });
}

Result<kube::ReconcileResult> EndpointSliceReconciler::reconcile(const std::string& key) {
  ObjectPtr service = services_.cache().get(key);
  std::vector<ObjectPtr> existing;
  for (const ObjectPtr& slice : slices_.cache().by_index(kServiceNameLabel, key)) {
    if (str_at(*slice, {"metadata", "labels", kManagedByLabel}) == kManagedBy) existing.push_back(slice);
  }
  // Desired slices by name.
  std::map<std::string, Json> desired;
  const Json selector = service ? field(*service, {"spec", "selector"}) : Json::object();
  if (service && !is_terminating(*service) && selector.is_object() && !selector.empty()) {
    const std::string ns = str_at(*service, {"metadata", "namespace"});
    const std::string name = str_at(*service, {"metadata", "name"});
    std::map<std::string, std::pair<Json, Json>> groups;  // ports hash -> (ports, endpoints)
    for (const ObjectPtr& pod : pods_.cache().by_index("namespace", ns)) {
      const Json& p = *pod;
      std::string ip = str_at(p, {"status", "podIP"});
      std::string phase = str_at(p, {"status", "phase"});
      if (ip.empty() || phase == "Succeeded" || phase == "Failed" || !selects(selector, p)) continue;
      auto ports = resolve_ports(*service, p);
      if (!ports) continue;
      bool terminating = is_terminating(p);
      bool ready = pod_ready(p);
      Json endpoint = {
          {"addresses", Json::array({ip})},
          {"conditions", {{"ready", ready && !terminating}, {"serving", ready}, {"terminating", terminating}}},
          {"targetRef",
           {{"kind", "Pod"},
            {"namespace", ns},
            {"name", str_at(p, {"metadata", "name"})},
            {"uid", str_at(p, {"metadata", "uid"})}}}};
      if (auto node = str_at(p, {"spec", "nodeName"}); !node.empty()) endpoint["nodeName"] = node;
      if (auto host = str_at(p, {"spec", "hostname"}); !host.empty() && str_at(p, {"spec", "subdomain"}) == name) {
        endpoint["hostname"] = host;
      }
      auto& group = groups[revision_hash(*ports)];
      group.first = *ports;
      if (group.second.is_null()) group.second = Json::array();
      group.second.push_back(std::move(endpoint));
    }
    // A Service that selects no pod still has one (empty) slice, as upstream's.
    if (groups.empty()) {
      Json none = Json::array();
      groups[revision_hash(none)] = {none, Json::array()};
    }
    for (auto& [hash, group] : groups) {
      std::string slice_name = fmt::format("{}-{}", name, hash);
      Json owner = {{"apiVersion", "v1"}, {"kind", "Service"},
                    {"name", name},       {"uid", str_at(*service, {"metadata", "uid"})},
                    {"controller", true}, {"blockOwnerDeletion", true}};
      desired[slice_name] = {{"apiVersion", "discovery.k8s.io/v1"},
                             {"kind", "EndpointSlice"},
                             {"metadata",
                              {{"name", slice_name},
                               {"namespace", ns},
                               {"labels", {{kServiceNameLabel, name}, {kManagedByLabel, kManagedBy}}},
                               {"ownerReferences", Json::array({owner})}}},
                             {"addressType", "IPv4"},
                             {"endpoints", group.second},
                             {"ports", group.first}};
    }
  }
  const std::string ns = key.substr(0, key.find('/'));
  for (const ObjectPtr& slice : existing) {
    std::string slice_name = str_at(*slice, {"metadata", "name"});
    auto it = desired.find(slice_name);
    if (it == desired.end()) {
      auto removed = client_->remove(res::endpoint_slices(), ns, slice_name);
      if (!removed && removed.error().code != ErrorCode::kNotFound) return fail(removed.error());
      continue;
    }
    const Json& want = it->second;
    if ((*slice).value("endpoints", Json::array()) != want["endpoints"] ||
        (*slice).value("ports", Json::array()) != want["ports"]) {
      Json updated = *slice;
      updated["endpoints"] = want["endpoints"];
      updated["ports"] = want["ports"];
      auto written = client_->update(res::endpoint_slices(), updated);
      if (!written && written.error().code == ErrorCode::kConflict) {
        return kube::ReconcileResult{std::chrono::milliseconds(200)};
      }
      if (!written && written.error().code != ErrorCode::kNotFound) return fail(written.error());
    }
    desired.erase(it);
  }
  for (const auto& [slice_name, slice] : desired) {
    auto created = client_->create(res::endpoint_slices(), ns, slice);
    if (!created && created.error().code != ErrorCode::kAlreadyExists) return fail(created.error());
  }
  return kube::ReconcileResult{};
}

}  // namespace kthena::controllers::workloads
