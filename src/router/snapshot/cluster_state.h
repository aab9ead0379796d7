// The objects the router routes by (ModelRoutes, ModelServers, Pods) as last seen from a source (static file or
// API watches), and what the router learnt about pods (their /v1/models lists, their live stats). Turns them into
// RouterSnapshots. Control thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/types/model_route.h"
#include "api/types/model_server.h"
#include "api/types/pod.h"
#include "common/string_map.h"
#include "router/snapshot/router_snapshot.h"

namespace kthena::router {

class ClusterState {
 public:
  // `assume_running_when_absent`: pods without a phase or Ready condition count as running and ready (static files).
  explicit ClusterState(bool assume_running_when_absent) : assume_running_(assume_running_when_absent) {}

  // Replaces every object at once (a static file was (re)loaded).
  void replace(std::vector<api::ModelRoute> routes, std::vector<api::ModelServer> servers, std::vector<api::Pod> pods);
  void upsert_route(api::ModelRoute route);
  void remove_route(const std::string& key);
  void upsert_server(api::ModelServer server);
  void remove_server(const std::string& key);
  void upsert_pod(api::Pod pod);
  void remove_pod(const std::string& key);

  // The engine's model list for a pod (sorted on the way in). True when it changed.
  bool set_models(const std::string& pod_key, std::vector<std::string> models);

  // A snapshot of the current objects. Pods no ModelServer selects any more lose their stats; their ids are
  // reported by take_removed_pods() so that shared indexes can forget them.
  std::shared_ptr<RouterSnapshot> build();
  std::vector<uint32_t> take_removed_pods();

  size_t route_count() const { return routes_.size(); }
  size_t server_count() const { return servers_.size(); }
  size_t pod_count() const { return pods_.size(); }

 private:
  bool assume_running_;
  StringMap<std::shared_ptr<const api::ModelRoute>> routes_;
  StringMap<std::shared_ptr<const api::ModelServer>> servers_;
  StringMap<std::shared_ptr<const api::Pod>> pods_;
  StringMap<std::vector<std::string>> models_;
  StringMap<std::shared_ptr<EndpointStats>> stats_;
  std::vector<uint32_t> removed_;
  uint32_t next_pod_id_ = 0;
};

// True when `labels` has every key/value of `selector` (an empty selector selects everything, as in Kubernetes).
bool labels_match(const api::Labels& selector, const api::Labels& labels);

}  // namespace kthena::router
