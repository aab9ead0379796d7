#include "node/hosts_file.h"

#include "api/json_fields.h"

#include <map>
#include <set>

#include <fmt/format.h>

namespace kthena::node {

using api::lenient::str;
namespace {

bool ready(const Json& pod) {
  const Json& status = pod.value("status", Json::object());
  for (const Json& c : status.value("conditions", Json::array())) {
    if (str(c, "type") == "Ready") return str(c, "status") == "True";
  }
  return false;
}

}  // namespace

bool selector_matches(const Json& selector, const Json& labels) {
  if (!selector.is_object() || selector.empty()) return false;
  for (const auto& [k, v] : selector.items()) {
    if (!labels.is_object() || !labels.contains(k) || labels[k] != v) return false;
  }
  return true;
}

std::string hosts_file(const Json& pod, const std::string& pod_ip, const std::vector<kube::ObjectPtr>& pods,
                       const std::vector<kube::ObjectPtr>& services) {
  const Json& meta = pod["metadata"];
  const Json& spec = pod.value("spec", Json::object());
  std::string ns = str(meta, "namespace");
  std::string hostname = str(spec, "hostname").empty() ? str(meta, "name") : str(spec, "hostname");
  std::string out =
      "# Kubernetes-managed hosts file (kthena node).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
      "ip6-loopback\n";
  if (!pod_ip.empty()) {
    std::string subdomain = str(spec, "subdomain");
    if (subdomain.empty()) {
      out += fmt::format("{}\t{}\n", pod_ip, hostname);
    } else {
      out += fmt::format("{}\t{}.{}.{}.svc.cluster.local\t{}\n", pod_ip, hostname, subdomain, ns, hostname);
    }
  }
  // Headless Services of the namespace: name -> addresses, in a stable order.
  std::map<std::string, std::set<std::string>> names;
  for (const kube::ObjectPtr& service : services) {
    const Json& sspec = service->value("spec", Json::object());
    if (str(sspec, "clusterIP") != "None") continue;  // a ClusterIP needs a proxy, which this node does not run
    std::string svc = str((*service)["metadata"], "name");
    bool not_ready_too = sspec.value("publishNotReadyAddresses", false);
    for (const kube::ObjectPtr& other : pods) {
      const Json& ometa = (*other)["metadata"];
      std::string ip = str(other->value("status", Json::object()), "podIP");
      if (ip.empty() || ometa.contains("deletionTimestamp")) continue;
      if (!selector_matches(sspec.value("selector", Json::object()), ometa.value("labels", Json::object()))) continue;
      if (!not_ready_too && !ready(*other)) continue;
      for (const std::string& name : {svc + "." + ns, svc + "." + ns + ".svc", svc + "." + ns + ".svc.cluster.local"}) {
        names[name].insert(ip);
      }
      // A pod whose subdomain is this Service is also reachable by its own name under it.
      const Json& ospec = other->value("spec", Json::object());
      if (str(ospec, "subdomain") == svc) {
        std::string oh = str(ospec, "hostname").empty() ? str(ometa, "name") : str(ospec, "hostname");
        names[oh + "." + svc + "." + ns + ".svc.cluster.local"].insert(ip);
      }
    }
  }
  // /etc/hosts maps a name to its first line's address: one address per name (the first in order).
  std::map<std::string, std::vector<std::string>> by_ip;
  for (const auto& [name, ips] : names) by_ip[*ips.begin()].push_back(name);
  if (!by_ip.empty()) out += "\n# Headless Services of namespace " + ns + ".\n";
  for (const auto& [ip, list] : by_ip) {
    out += ip;
    for (const std::string& name : list) out += "\t" + name;
    out += "\n";
  }
  const Json& aliases = spec.value("hostAliases", Json::array());
  if (!aliases.empty()) out += "\n# Entries added by HostAliases.\n";
  for (const Json& alias : aliases) {
    out += str(alias, "ip");
    for (const Json& h : alias.value("hostnames", Json::array())) {
      if (h.is_string()) out += "\t" + h.get<std::string>();
    }
    out += "\n";
  }
  return out;
}

}  // namespace kthena::node
