#include "router/debug/config_dump.h"

#include <vector>

#include "router/endpoints/passive_health.h"

namespace kthena::router {
namespace {

Json list_or_null(Json items) {
  return items.empty() ? Json() : std::move(items);
}

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

DebugAnswer ok(const Json& body) {
  return {200, body.dump()};
}
DebugAnswer not_found(std::string_view kind) {
  return {404, Json{{"error", std::string(kind) + " not found"}}.dump()};
}

}  // namespace

Json dump_model_route(const api::ModelRoute& route) {
  return Json{{"name", route.metadata.name}, {"namespace", route.metadata.namespace_name}, {"spec", route.spec_json}};
}

Json dump_model_server(const ModelServerEntry& s) {
  Json pods = Json::array(), decode = Json::array(), prefill = Json::array();
  for (const Endpoint* e : s.endpoints) pods.push_back(e->key);
  for (const PdGroupPods& g : s.groups) {
    for (const Endpoint* e : g.decode) decode.push_back(e->key);
    for (const Endpoint* e : g.prefill) prefill.push_back(e->key);
  }
  Json out{{"name", s.server->metadata.name},
           {"namespace", s.server->metadata.namespace_name},
           {"spec", s.server->spec_json},
           {"associatedPods", list_or_null(pods)}};
  if (s.pd) {
    out["decodePods"] = list_or_null(decode);
    out["prefillPods"] = list_or_null(prefill);
  }
  return out;
}

Json dump_pod(const Endpoint& e, bool with_pod_info) {
  const EndpointStats& s = *e.stats;
  Json out{{"name", e.name()},
           {"namespace", e.namespace_name()},
           {"engine", std::string(api::to_string(e.engine))},
           {"metrics",
            {{"gpuCacheUsage", s.gpu_cache_usage.load()},
             {"requestWaitingNum", s.waiting.load()},
             {"requestRunningNum", s.running.load()},
             {"tpot", s.tpot.load()},
             {"ttft", s.ttft.load()}}},
           {"inFlight", s.in_flight.load()},
           {"ejected", is_ejected(s, CoarseClock::now())},
           {"scrapeFailuresInARow", s.scrape_failures_in_a_row.load()},
           {"models", e.models.empty() ? Json() : Json(e.models)},
           {"modelServers", e.model_servers.empty() ? Json() : Json(e.model_servers)}};
  if (with_pod_info) {
    const api::Pod& pod = *e.pod;
    Json labels = Json::object();
    for (const auto& [k, v] : pod.metadata.labels) labels[k] = v;
    out["podInfo"] = Json{{"podIP", pod.pod_ip},
                          {"nodeName", pod.node_name},
                          {"phase", pod.phase ? std::string(api::to_string(*pod.phase)) : std::string("Running")},
                          {"startTime", pod.start_time},
                          {"labels", labels}};
  }
  return out;
}

std::optional<DebugAnswer> debug_answer(const RouterSnapshot& snap, std::string_view path, const DebugStatus& extra) {
  std::vector<std::string_view> p = split(path);
  if (p.size() == 2 && p[0] == "debug" && p[1] == "status") {
    // What a script or a test waits on instead of sleeping: the generation moves with every applied change.
    size_t servers = 0;
    for (const auto& [ns, by_name] : snap.model_servers) servers += by_name.size();
    Json status{
        {"generation", snap.generation}, {"ready", snap.ready},           {"modelRoutes", snap.routes->routes().size()},
        {"modelServers", servers},       {"pods", snap.endpoints.size()}, {"scrapePasses", extra.scrape_passes},
        {"kvBlocks", extra.kv_blocks}};
    return DebugAnswer{200, status.dump()};
  }
  if (p.size() < 3 || p[0] != "debug" || p[1] != "config_dump") return std::nullopt;
  if (p.size() == 3) {
    std::string_view what = p[2];
    Json items = Json::array();
    if (what == "modelroutes") {
      for (const CompiledRoute& r : snap.routes->routes()) items.push_back(dump_model_route(*r.route));
    } else if (what == "modelservers") {
      for (const auto& [ns, servers] : snap.model_servers) {
        for (const auto& [name, s] : servers) items.push_back(dump_model_server(s));
      }
    } else if (what == "pods") {
      for (const auto& e : snap.endpoints) items.push_back(dump_pod(*e, false));
    } else if (what == "gateways" || what == "httproutes" || what == "inferencepools") {
      // Gateway API objects are not watched (kthena-router.md §12 is not served): always empty.
    } else {
      return std::nullopt;
    }
    return ok(Json{{std::string(what), list_or_null(std::move(items))}});
  }
  if (p.size() == 6 && p[2] == "namespaces") {
    std::string_view ns = p[3], kind = p[4], name = p[5];
    if (kind == "modelroutes") {
      for (const CompiledRoute& r : snap.routes->routes()) {
        if (r.route->metadata.namespace_name == ns && r.route->metadata.name == name)
          return ok(dump_model_route(*r.route));
      }
      return not_found("ModelRoute");
    }
    if (kind == "modelservers") {
      const ModelServerEntry* s = snap.find_server(ns, name);
      return s ? ok(dump_model_server(*s)) : not_found("ModelServer");
    }
    if (kind == "pods") {
      for (const auto& e : snap.endpoints) {
        if (e->namespace_name() == ns && e->name() == name) return ok(dump_pod(*e, true));
      }
      return not_found("Pod");
    }
    if (kind == "gateways") return not_found("Gateway");
    if (kind == "httproutes") return not_found("HTTPRoute");
    if (kind == "inferencepools") return not_found("InferencePool");
  }
  return std::nullopt;
}

}  // namespace kthena::router
