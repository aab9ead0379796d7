// Everything the request path reads, as one immutable value: routes, ModelServers with their pods, the scheduler
// (with its plugins) and the configuration it came from. Built on the control thread and published whole
// (snapshot_slot.h); a request keeps the snapshot it started with until it ends.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/string_map.h"
#include "http/endpoint.h"
#include "router/endpoints/endpoint.h"
#include "router/endpoints/model_server_entry.h"
#include "router/routes/route_table.h"
#include "router/scheduler/scheduler.h"
#include "router/scheduler/scheduler_config.h"

namespace kthena::router {

struct RouterSnapshot {
  uint64_t generation = 0;
  std::shared_ptr<const RouteTable> routes;
  StringMap<StringMap<ModelServerEntry>> model_servers;  // namespace -> name -> entry
  std::vector<std::unique_ptr<Endpoint>> endpoints;      // every selected, eligible pod, ordered by key
  std::shared_ptr<const Scheduler> scheduler;
  std::shared_ptr<const RouterConfig> config;
  std::string models_json;  // the GET /v1/models body, rendered once
  bool ready = false;       // sources synced and the first scrape pass done

  const ModelServerEntry* find_server(std::string_view ns, std::string_view name) const {
    auto n = model_servers.find(ns);
    if (n == model_servers.end()) return nullptr;
    auto s = n->second.find(name);
    return s == n->second.end() ? nullptr : &s->second;
  }
};

}  // namespace kthena::router
