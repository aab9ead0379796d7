// The root of every request: health endpoints, bearer-token authentication, the per-client cap, /version,
// discovery, OpenAPI, and then the resource endpoints (ResourceHandler).
#pragma once

#include <atomic>
#include <string>

#include "api/registry/openapi.h"
#include "apiserver/rest/client_limiter.h"
#include "apiserver/rest/resource_handler.h"
#include "apiserver/served_resources.h"
#include "http/asio.h"
#include "http/exchange.h"

namespace kthena::apiserver {

struct ApiHandlerOptions {
  std::string token;  // empty: anonymous access (plain HTTP on loopback only)
  size_t max_requests_per_client = 64;
  size_t max_watches_per_client = 512;
};

// Thread-safe: one instance serves every reactor.
class ApiHandler {
 public:
  // `openapi` may be null: the index is then empty (kubectl apply then needs --validate=false).
  ApiHandler(const ServedResources& resources, ResourceHandler& resource_handler, const api::OpenApi* openapi,
             ApiHandlerOptions options);

  http::asio::awaitable<void> handle(http::Exchange& exchange);
  // /readyz answers 200 only once the server is ready (and 503 again while it shuts down).
  void set_ready(bool ready) { ready_.store(ready); }

 private:
  http::asio::awaitable<void> route(http::Exchange& exchange);
  http::asio::awaitable<void> openapi(http::Exchange& exchange, std::string_view path, std::string_view query);
  bool authorized(const http::Exchange& exchange) const;

  const ServedResources& resources_;
  ResourceHandler& resource_handler_;
  const api::OpenApi* openapi_;
  const ApiHandlerOptions options_;
  ClientLimiter requests_;
  ClientLimiter watches_;
  std::atomic<bool> ready_{false};
};

// The /version answer: major 1, minor 32 (kubectl's dispatcher picks its kubectl by it; kubectl-protocol.md §1).
std::string version_json();

}  // namespace kthena::apiserver
