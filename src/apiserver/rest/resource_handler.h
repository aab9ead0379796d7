// The resource endpoints: /api/v1/... and /apis/<group>/<version>/..., every verb on every served resource and its
// status and scale subresources (kubectl-protocol.md §5-§12). Decoding and encoding happen on the reactor; the
// Store's work (a transaction and its fsync, a watch subscription) on the blocking pool.
#pragma once

#include <chrono>
#include <string>

#include "apiserver/object_service.h"
#include "apiserver/rest/api_path.h"
#include "apiserver/served_resources.h"
#include "http/asio.h"
#include "http/exchange.h"
#include "http/query_params.h"

namespace kthena::apiserver {

struct ResourceHandlerOptions {
  size_t max_body_bytes = 3 * 1024 * 1024;
  // Watches without timeoutSeconds end after a random time in [min, 2*min), as a real API server's do, so that
  // clients spread their reconnections.
  std::chrono::milliseconds min_watch_timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds bookmark_interval{std::chrono::seconds(10)};
  // Sent to node agents' kubelet endpoints (pods/log) as the bearer token: the server's own, which the agents
  // require. Empty: none (an insecure, loopback-only server has no token).
  std::string kubelet_token;
};

// Thread-safe: one instance serves every reactor.
class ResourceHandler {
 public:
  ResourceHandler(const ServedResources& resources, ObjectService& objects, Store& store,
                  http::asio::any_io_executor blocking, ResourceHandlerOptions options);

  http::asio::awaitable<void> handle(http::Exchange& exchange, const ApiPath& path, const http::QueryParams& query);

 private:
  struct Request;
  http::asio::awaitable<void> get(Request& request);
  http::asio::awaitable<void> list(Request& request);
  http::asio::awaitable<void> watch(Request& request);
  http::asio::awaitable<void> create(Request& request);
  // POST pods/NAME/binding: a scheduler assigns the pod to a node (spec.nodeName), once.
  http::asio::awaitable<void> bind(Request& request);
  http::asio::awaitable<void> update(Request& request);
  http::asio::awaitable<void> patch(Request& request);
  http::asio::awaitable<void> remove(Request& request);
  http::asio::awaitable<void> remove_collection(Request& request);
  http::asio::awaitable<std::optional<std::string>> read_body(Request& request);
  http::asio::awaitable<void> respond_object(Request& request, int status, const StoredObject& object,
                                             const std::vector<std::string>& warnings = {});

  const ServedResources& resources_;
  ObjectService& objects_;
  Store& store_;
  http::asio::any_io_executor blocking_;
  const ResourceHandlerOptions options_;
};

}  // namespace kthena::apiserver
