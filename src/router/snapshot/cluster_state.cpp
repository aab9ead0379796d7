#include "router/snapshot/cluster_state.h"

#include <algorithm>
#include <map>

#include "common/json_string.h"
#include "router/request/body_editor.h"

namespace kthena::router {

bool labels_match(const api::Labels& selector, const api::Labels& labels) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

namespace {

// Non-empty and fully matched: PD role labels never match when empty (kthena-router.md §5.1).
bool role_match(const api::Labels& selector, const api::Labels& labels) {
  return !selector.empty() && labels_match(selector, labels);
}

std::string render_models(const std::vector<std::string>& names) {
  std::string out = "{\"object\":\"list\",\"data\":[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ",";
    out += "{\"id\":";
    append_json_string(out, names[i]);
    out += ",\"object\":\"model\",\"created\":0,\"owned_by\":\"kthena\"}";
  }
  out += "]}";
  return out;
}

}  // namespace

void ClusterState::replace(std::vector<api::ModelRoute> routes, std::vector<api::ModelServer> servers,
                           std::vector<api::Pod> pods) {
  routes_.clear();
  servers_.clear();
  pods_.clear();
  for (auto& r : routes) upsert_route(std::move(r));
  for (auto& s : servers) upsert_server(std::move(s));
  for (auto& p : pods) upsert_pod(std::move(p));
}

void ClusterState::upsert_route(api::ModelRoute route) {
  std::string key = route.metadata.key();
  routes_[key] = std::make_shared<const api::ModelRoute>(std::move(route));
}
void ClusterState::remove_route(const std::string& key) {
  if (auto it = routes_.find(key); it != routes_.end()) routes_.erase(it);
}
void ClusterState::upsert_server(api::ModelServer server) {
  std::string key = server.metadata.key();
  servers_[key] = std::make_shared<const api::ModelServer>(std::move(server));
}
void ClusterState::remove_server(const std::string& key) {
  if (auto it = servers_.find(key); it != servers_.end()) servers_.erase(it);
}
void ClusterState::upsert_pod(api::Pod pod) {
  std::string key = pod.metadata.key();
  pods_[key] = std::make_shared<const api::Pod>(std::move(pod));
}
void ClusterState::remove_pod(const std::string& key) {
  if (auto it = pods_.find(key); it != pods_.end()) pods_.erase(it);
}

bool ClusterState::set_models(const std::string& pod_key, std::vector<std::string> models) {
  std::sort(models.begin(), models.end());
  models.erase(std::unique(models.begin(), models.end()), models.end());
  auto it = models_.find(pod_key);
  if (it != models_.end() && it->second == models) return false;
  models_[pod_key] = std::move(models);
  return true;
}

std::vector<uint32_t> ClusterState::take_removed_pods() {
  return std::exchange(removed_, {});
}

std::shared_ptr<RouterSnapshot> ClusterState::build() {
  auto snap = std::make_shared<RouterSnapshot>();
  std::vector<std::shared_ptr<const api::ModelRoute>> routes;
  routes.reserve(routes_.size());
  for (const auto& [key, r] : routes_) routes.push_back(r);
  snap->routes = std::make_shared<const RouteTable>(std::move(routes));
  snap->models_json = render_models(snap->routes->model_names());

  // Eligible pods by namespace, in key order so that snapshots are deterministic.
  std::map<std::string, std::vector<std::shared_ptr<const api::Pod>>, std::less<>> pods_by_ns;
  std::map<std::string, std::shared_ptr<const api::Pod>, std::less<>> ordered_pods(pods_.begin(), pods_.end());
  for (const auto& [key, pod] : ordered_pods) {
    if (api::pod_is_eligible(*pod, assume_running_)) pods_by_ns[pod->metadata.namespace_name].push_back(pod);
  }
  std::map<std::string, std::shared_ptr<const api::ModelServer>, std::less<>> ordered_servers(servers_.begin(),
                                                                                              servers_.end());
  // Which servers select which pods; a pod's engine and scrape port come from the first server (in key order).
  std::map<std::string, Endpoint*, std::less<>> endpoints_by_key;
  std::map<std::string, std::vector<Endpoint*>, std::less<>> selected;
  for (const auto& [server_key, server] : ordered_servers) {
    auto ns = pods_by_ns.find(server->metadata.namespace_name);
    if (ns == pods_by_ns.end()) continue;
    for (const auto& pod : ns->second) {
      if (!labels_match(server->spec.workload_selector.match_labels, pod->metadata.labels)) continue;
      std::string pod_key = pod->metadata.key();
      Endpoint*& e = endpoints_by_key[pod_key];
      if (e == nullptr) {
        auto created = std::make_unique<Endpoint>();
        created->pod = pod;
        created->key = pod_key;
        created->kv_owner = pod->metadata.name + "." + pod->metadata.namespace_name;
        created->ip = pod->pod_ip;
        created->engine = server->spec.inference_engine;
        created->metrics_port = server->spec.workload_port.port;
        if (auto m = models_.find(pod_key); m != models_.end()) created->models = m->second;
        auto& stats = stats_[pod_key];
        if (stats == nullptr) stats = std::make_shared<EndpointStats>(next_pod_id_++);
        created->stats = stats;
        e = created.get();
        snap->endpoints.push_back(std::move(created));
      }
      e->model_servers.push_back(server_key);
      e->upstreams.emplace_back(server->spec.workload_port.port,
                                http::Endpoint(pod->pod_ip, static_cast<uint16_t>(server->spec.workload_port.port)));
      selected[server_key].push_back(e);
    }
  }
  std::sort(snap->endpoints.begin(), snap->endpoints.end(),
            [](const auto& a, const auto& b) { return a->key < b->key; });

  for (const auto& [server_key, server] : ordered_servers) {
    ModelServerEntry entry;
    entry.server = server;
    entry.key = server_key;
    entry.connector = connector_for(*server);
    if (auto s = selected.find(server_key); s != selected.end()) {
      entry.endpoints.assign(s->second.begin(), s->second.end());
    }
    if (const auto& pd = server->spec.workload_selector.pd_group) {
      entry.pd = true;
      std::map<std::string, PdGroupPods> groups;
      for (const Endpoint* e : entry.endpoints) {
        const auto& labels = e->pod->metadata.labels;
        auto value = labels.find(pd->group_key);
        if (value == labels.end()) continue;  // not in any group: not categorised
        PdGroupPods& g = groups[value->second];
        g.value = value->second;
        if (role_match(pd->decode_labels, labels)) {
          g.decode.push_back(e);
        } else if (role_match(pd->prefill_labels, labels)) {
          g.prefill.push_back(e);
        }
      }
      for (auto& [value, g] : groups) {
        for (const Endpoint* d : g.decode) {
          entry.decode.push_back(d);
          entry.decode_group.push_back(static_cast<uint32_t>(entry.groups.size()));
        }
        entry.groups.push_back(std::move(g));
      }
    }
    snap->model_servers[server->metadata.namespace_name].emplace(server->metadata.name, std::move(entry));
  }

  // Stats of pods that left every server go; their ids are reported once.
  for (auto it = stats_.begin(); it != stats_.end();) {
    if (endpoints_by_key.count(it->first) == 0) {
      removed_.push_back(it->second->pod_id);
      models_.erase(it->first);
      it = stats_.erase(it);
    } else {
      ++it;
    }
  }
  return snap;
}

}  // namespace kthena::router
