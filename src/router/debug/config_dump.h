// The debug listener's configuration dumps (kthena-router.md §10.3), rendered from a snapshot: what the router
// believes about routes, ModelServers and pods, with the pods' live metrics.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/json.h"
#include "router/snapshot/router_snapshot.h"

namespace kthena::router {

// GET `path` against `snapshot`: the JSON body and its status (200, or 404 with {"error": "<Kind> not found"}).
// nullopt when `path` is not a debug endpoint.
struct DebugAnswer {
  int status = 200;
  std::string body;
};
// What /debug/status reports beside the snapshot: progress of the background loops, for operators and for tests
// that wait on an event instead of sleeping.
struct DebugStatus {
  uint64_t scrape_passes = 0;  // completed metrics scrape passes
  size_t kv_blocks = 0;        // blocks in the kvcache-aware Redis mirror
};
std::optional<DebugAnswer> debug_answer(const RouterSnapshot& snapshot, std::string_view path,
                                        const DebugStatus& status = {});

Json dump_model_route(const api::ModelRoute& route);
Json dump_model_server(const ModelServerEntry& server);
Json dump_pod(const Endpoint& endpoint, bool with_pod_info);

}  // namespace kthena::router
