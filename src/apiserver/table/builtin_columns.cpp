// The table columns of the built-in kinds, as the real API server prints them (kubectl-protocol.md §6), so that
// `kubectl get pods` looks as it does against a cluster.
#include <fmt/format.h>

#include "api/values/human_duration.h"
#include "apiserver/table/table_column.h"

namespace kthena::apiserver {
namespace {

using Now = std::chrono::system_clock::time_point;

const Json& field(const Json& object, std::initializer_list<const char*> path) {
  static const Json kNull;
  const Json* node = &object;
  for (const char* part : path) {
    if (!node->is_object()) return kNull;
    auto it = node->find(part);
    if (it == node->end()) return kNull;
    node = &*it;
  }
  return *node;
}

std::string text(const Json& value, const std::string& fallback = "") {
  return value.is_string() ? value.get<std::string>() : fallback;
}

TableColumn column(std::string name, std::string type, std::string description, int priority,
                   std::function<Json(const Json&, Now)> cell) {
  return {std::move(name), std::move(type), "", std::move(description), priority, std::move(cell)};
}

Json count(const Json& a, const Json& b = Json()) {
  size_t n = (a.is_object() ? a.size() : 0) + (b.is_object() ? b.size() : 0);
  return n;
}

// kubectl's printPod, reduced to what our pods carry: phase or reason, a container's waiting or terminated reason,
// and Terminating once deletion started.
std::string pod_status(const Json& pod) {
  std::string reason = text(field(pod, {"status", "phase"}), "Pending");
  if (auto r = text(field(pod, {"status", "reason"})); !r.empty()) reason = r;
  const Json& statuses = field(pod, {"status", "containerStatuses"});
  if (statuses.is_array()) {
    for (const auto& cs : statuses) {
      if (auto w = text(field(cs, {"state", "waiting", "reason"})); !w.empty())
        reason = w;
      else if (auto t = text(field(cs, {"state", "terminated", "reason"})); !t.empty())
        reason = t;
    }
  }
  if (!text(field(pod, {"metadata", "deletionTimestamp"})).empty()) reason = "Terminating";
  return reason;
}

std::vector<TableColumn> pod_columns() {
  return {
      column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic.", 0,
             [](const Json& pod, Now) -> Json {
               const Json& containers = field(pod, {"spec", "containers"});
               const Json& statuses = field(pod, {"status", "containerStatuses"});
               size_t ready = 0;
               if (statuses.is_array()) {
                 for (const auto& cs : statuses) ready += field(cs, {"ready"}) == true ? 1 : 0;
               }
               return fmt::format("{}/{}", ready, containers.is_array() ? containers.size() : 0);
             }),
      column("Status", "string", "The aggregate status of the containers in this pod.", 0,
             [](const Json& pod, Now) -> Json { return pod_status(pod); }),
      column("Restarts", "string", "The number of times the containers in this pod have been restarted.", 0,
             [](const Json& pod, Now) -> Json {
               int64_t restarts = 0;
               const Json& statuses = field(pod, {"status", "containerStatuses"});
               if (statuses.is_array()) {
                 for (const auto& cs : statuses) {
                   const Json& n = field(cs, {"restartCount"});
                   if (n.is_number_integer()) restarts += n.get<int64_t>();
                 }
               }
               return std::to_string(restarts);
             }),
      age_column(),
      column("IP", "string", "IP address allocated to the pod. Routable at least within the cluster.", 1,
             [](const Json& pod, Now) -> Json {
               return text(field(pod, {"status", "podIP"}), "<none>");
             }),
      column("Node", "string", "Name of the Node to which this pod is assigned.", 1,
             [](const Json& pod, Now) -> Json {
               return text(field(pod, {"spec", "nodeName"}), "<none>");
             }),
      column("Nominated Node", "string", "Name of the node nominated to run this pod.", 1,
             [](const Json& pod, Now) -> Json {
               return text(field(pod, {"status", "nominatedNodeName"}), "<none>");
             }),
      column("Readiness Gates", "string", "The readiness gates of this pod.", 1,
             [](const Json& pod, Now) -> Json {
               const Json& gates = field(pod, {"spec", "readinessGates"});
               if (!gates.is_array() || gates.empty()) return "<none>";
               return fmt::format("0/{}", gates.size());
             }),
  };
}

std::vector<TableColumn> service_columns() {
  return {
      column("Type", "string", "The type of the service.", 0,
             [](const Json& s, Now) -> Json {
               return text(field(s, {"spec", "type"}), "ClusterIP");
             }),
      column("Cluster-IP", "string", "The IP address of the service.", 0,
             [](const Json& s, Now) -> Json {
               return text(field(s, {"spec", "clusterIP"}), "<none>");
             }),
      column("External-IP", "string", "The external IP addresses of the service.", 0,
             [](const Json& s, Now) -> Json {
               const Json& ips = field(s, {"spec", "externalIPs"});
               if (!ips.is_array() || ips.empty()) return "<none>";
               std::string out;
               for (const auto& ip : ips) out += (out.empty() ? "" : ",") + text(ip);
               return out;
             }),
      column("Port(s)", "string", "The ports of the service.", 0,
             [](const Json& s, Now) -> Json {
               const Json& ports = field(s, {"spec", "ports"});
               if (!ports.is_array() || ports.empty()) return "<none>";
               std::string out;
               for (const auto& p : ports) {
                 const Json& port = field(p, {"port"});
                 out += (out.empty() ? "" : ",") + (port.is_number() ? port.dump() : std::string("?")) + "/" +
                        text(field(p, {"protocol"}), "TCP");
               }
               return out;
             }),
      age_column(),
      column("Selector", "string", "The label selector of the service.", 1,
             [](const Json& s, Now) -> Json {
               const Json& selector = field(s, {"spec", "selector"});
               if (!selector.is_object() || selector.empty()) return "<none>";
               std::string out;
               for (const auto& [k, v] : selector.items()) out += (out.empty() ? "" : ",") + k + "=" + text(v);
               return out;
             }),
  };
}

std::vector<TableColumn> node_columns() {
  return {
      column("Status", "string", "The status of the node.", 0,
             [](const Json& node, Now) -> Json {
               const Json& conditions = field(node, {"status", "conditions"});
               std::string status = "Unknown";
               if (conditions.is_array()) {
                 for (const auto& c : conditions) {
                   if (text(field(c, {"type"})) == "Ready") {
                     status = text(field(c, {"status"})) == "True" ? "Ready" : "NotReady";
                   }
                 }
               }
               if (field(node, {"spec", "unschedulable"}) == true) status += ",SchedulingDisabled";
               return status;
             }),
      column("Roles", "string", "The roles of the node.", 0,
             [](const Json& node, Now) -> Json {
               const Json& labels = field(node, {"metadata", "labels"});
               std::string roles;
               if (labels.is_object()) {
                 constexpr std::string_view kPrefix = "node-role.kubernetes.io/";
                 for (const auto& [k, v] : labels.items()) {
                   if (k.rfind(kPrefix, 0) == 0) roles += (roles.empty() ? "" : ",") + k.substr(kPrefix.size());
                 }
               }
               return roles.empty() ? "<none>" : roles;
             }),
      age_column(),
      column("Version", "string", "Kubelet Version reported by the node.", 0,
             [](const Json& node, Now) -> Json {
               return text(field(node, {"status", "nodeInfo", "kubeletVersion"}));
             }),
  };
}

std::vector<TableColumn> event_columns() {
  auto last_seen = [](const Json& e, Now now) -> Json {
    std::string t = text(field(e, {"lastTimestamp"}));
    if (t.empty()) t = text(field(e, {"eventTime"}));
    if (t.empty()) t = text(field(e, {"metadata", "creationTimestamp"}));
    return api::age_of(t, now);
  };
  return {
      column("Last Seen", "string", "Time since the event was last seen.", 0, last_seen),
      column("Type", "string", "Type of this event (Normal, Warning).", 0,
             [](const Json& e, Now) -> Json { return text(field(e, {"type"})); }),
      column("Reason", "string", "Why the event happened.", 0,
             [](const Json& e, Now) -> Json { return text(field(e, {"reason"})); }),
      column("Object", "string", "The object this event is about.", 0,
             [](const Json& e, Now) -> Json {
               std::string kind = text(field(e, {"involvedObject", "kind"}));
               for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
               return kind + "/" + text(field(e, {"involvedObject", "name"}));
             }),
      column("Message", "string", "A human-readable description of the event.", 0,
             [](const Json& e, Now) -> Json { return text(field(e, {"message"})); }),
      column("Count", "string", "The number of times this event has occurred.", 1,
             [](const Json& e, Now) -> Json {
               const Json& n = field(e, {"count"});
               return n.is_number() ? n.dump() : std::string("1");
             }),
      [] {
        TableColumn name = name_column();
        name.priority = 1;
        return name;
      }(),
  };
}

Json integer(const Json& value) {
  return value.is_number_integer() ? value : Json(0);
}

std::string joined(const Json& containers, const char* key) {
  std::string out;
  if (containers.is_array()) {
    for (const auto& c : containers) out += (out.empty() ? "" : ",") + text(field(c, {key}));
  }
  return out.empty() ? "<none>" : out;
}

std::string selector_text(const Json& selector) {
  std::string out;
  const Json& labels = field(selector, {"matchLabels"});
  if (labels.is_object()) {
    for (const auto& [k, v] : labels.items()) out += (out.empty() ? "" : ",") + k + "=" + text(v);
  }
  return out.empty() ? "<none>" : out;
}

// Containers, Images and Selector: the wide columns every pod controller prints.
void add_template_columns(std::vector<TableColumn>& columns) {
  columns.push_back(
      column("Containers", "string", "Names of each container in the template.", 1, [](const Json& o, Now) -> Json {
        return joined(field(o, {"spec", "template", "spec", "containers"}), "name");
      }));
  columns.push_back(column("Images", "string", "Images referenced by each container in the template.", 1,
                           [](const Json& o, Now) -> Json {
                             return joined(field(o, {"spec", "template", "spec", "containers"}), "image");
                           }));
  columns.push_back(column("Selector", "string", "Label selector for pods.", 1, [](const Json& o, Now) -> Json {
    return selector_text(field(o, {"spec", "selector"}));
  }));
}

std::vector<TableColumn> apps_columns(const std::string& r) {
  std::vector<TableColumn> columns;
  auto ready_of_wanted = [](const Json& o, Now) -> Json {
    const Json& wanted = field(o, {"spec", "replicas"});
    return fmt::format("{}/{}", integer(field(o, {"status", "readyReplicas"})).get<int64_t>(),
                       wanted.is_number_integer() ? wanted.get<int64_t>() : 1);
  };
  if (r == "deployments") {
    columns.push_back(column("Ready", "string", "Number of the pod with ready state", 0, ready_of_wanted));
    columns.push_back(column("Up-to-date", "string",
                             "Total number of non-terminated pods targeted by this "
                             "deployment that have the desired template spec.",
                             0, [](const Json& o, Now) -> Json {
                               return integer(field(o, {"status", "updatedReplicas"}));
                             }));
    columns.push_back(column("Available", "string",
                             "Total number of available pods (ready for at least "
                             "minReadySeconds) targeted by this deployment.",
                             0, [](const Json& o, Now) -> Json {
                               return integer(field(o, {"status", "availableReplicas"}));
                             }));
  } else if (r == "replicasets") {
    columns.push_back(column("Desired", "integer", "Number of desired pods.", 0, [](const Json& o, Now) -> Json {
      const Json& wanted = field(o, {"spec", "replicas"});
      return wanted.is_number_integer() ? wanted : Json(1);
    }));
    columns.push_back(column("Current", "integer", "Number of actual replicas.", 0, [](const Json& o, Now) -> Json {
      return integer(field(o, {"status", "replicas"}));
    }));
    columns.push_back(column("Ready", "integer", "Number of ready replicas.", 0, [](const Json& o, Now) -> Json {
      return integer(field(o, {"status", "readyReplicas"}));
    }));
  } else if (r == "statefulsets") {
    columns.push_back(column("Ready", "string", "Number of the pod with ready state", 0, ready_of_wanted));
  } else {
    return columns;
  }
  columns.push_back(age_column());
  add_template_columns(columns);
  return columns;
}

}  // namespace

std::vector<TableColumn> builtin_columns(const ResourceInfo& resource) {
  const std::string& r = resource.resource;
  if (resource.group.empty()) {
    if (r == "namespaces") {
      return {column("Status", "string", "The status of the namespace", 0,
                     [](const Json& ns, Now) -> Json {
                       return text(field(ns, {"status", "phase"}));
                     }),
              age_column()};
    }
    if (r == "configmaps") {
      return {column("Data", "string", "Number of data entries", 0,
                     [](const Json& cm, Now) -> Json { return count(field(cm, {"data"}), field(cm, {"binaryData"})); }),
              age_column()};
    }
    if (r == "secrets") {
      return {column("Type", "string", "The type of the secret", 0,
                     [](const Json& s, Now) -> Json { return text(field(s, {"type"}), "Opaque"); }),
              column("Data", "string", "Number of data entries", 0,
                     [](const Json& s, Now) -> Json { return count(field(s, {"data"})); }),
              age_column()};
    }
    if (r == "pods") return pod_columns();
    if (r == "services") return service_columns();
    if (r == "nodes") return node_columns();
    if (r == "events") return event_columns();
    if (r == "serviceaccounts") {
      return {column("Secrets", "string", "Secrets of the service account", 0,
                     [](const Json& sa, Now) -> Json {
                       const Json& secrets = field(sa, {"secrets"});
                       return std::to_string(secrets.is_array() ? secrets.size() : 0);
                     }),
              age_column()};
    }
  }
  if (resource.group == "coordination.k8s.io" && r == "leases") {
    return {column("Holder", "string", "The holder of the lease", 0,
                   [](const Json& l, Now) -> Json {
                     return text(field(l, {"spec", "holderIdentity"}));
                   }),
            age_column()};
  }
  if (resource.group == "apps" && r != "controllerrevisions") return apps_columns(r);
  // kube-apiserver's default table for the kinds without a printer of their own: the creation time as written,
  // not an age.
  if (resource.group == "apiextensions.k8s.io" && r == "customresourcedefinitions") {
    return {column("Created At", "date",
                   "CreationTimestamp is a timestamp representing the server time when this object was created.", 0,
                   [](const Json& crd, Now) -> Json {
                     return text(field(crd, {"metadata", "creationTimestamp"}));
                   })};
  }
  if (resource.group == "discovery.k8s.io" && r == "endpointslices") {
    return {column("AddressType", "string", "The type of addresses", 0,
                   [](const Json& s, Now) -> Json { return text(field(s, {"addressType"})); }),
            column("Ports", "string", "The ports of the endpoints", 0,
                   [](const Json& s, Now) -> Json {
                     const Json& ports = field(s, {"ports"});
                     std::string out;
                     if (ports.is_array()) {
                       for (const auto& p : ports) {
                         const Json& port = field(p, {"port"});
                         out += (out.empty() ? "" : ",") + (port.is_number() ? port.dump() : std::string("<unset>"));
                       }
                     }
                     return out.empty() ? "<unset>" : out;
                   }),
            column("Endpoints", "string", "The addresses of the endpoints", 0,
                   [](const Json& s, Now) -> Json {
                     const Json& endpoints = field(s, {"endpoints"});
                     std::string out;
                     if (endpoints.is_array()) {
                       for (const auto& e : endpoints) {
                         const Json& addresses = field(e, {"addresses"});
                         if (addresses.is_array()) {
                           for (const auto& a : addresses) out += (out.empty() ? "" : ",") + text(a);
                         }
                       }
                     }
                     return out.empty() ? "<unset>" : out;
                   }),
            age_column()};
  }
  if (resource.group == "apps" && r == "controllerrevisions") {
    return {column("Controller", "string", "The controller of this revision", 0,
                   [](const Json& cr, Now) -> Json {
                     const Json& refs = field(cr, {"metadata", "ownerReferences"});
                     if (refs.is_array()) {
                       for (const auto& ref : refs) {
                         if (field(ref, {"controller"}) == true) {
                           std::string kind = text(field(ref, {"kind"}));
                           for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                           std::string group = text(field(ref, {"apiVersion"}));
                           group = group.substr(0, group.find('/'));
                           return kind + (group.find('.') != std::string::npos ? "." + group : "") + "/" +
                                  text(field(ref, {"name"}));
                         }
                       }
                     }
                     return "<none>";
                   }),
            column("Revision", "integer", "The revision number", 0,
                   [](const Json& cr, Now) -> Json {
                     const Json& rev = field(cr, {"revision"});
                     return rev.is_number() ? rev : Json(0);
                   }),
            age_column()};
  }
  return {};
}

}  // namespace kthena::apiserver
