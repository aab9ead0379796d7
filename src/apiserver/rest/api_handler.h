// The root of every request: health endpoints, bearer-token authentication, each identity's share of the server,
// /version, discovery, OpenAPI, the review APIs, and then the resource endpoints (ResourceHandler).
#pragma once

#include <atomic>
#include <string>

#include "api/registry/openapi.h"
#include "apiserver/auth/authenticator.h"
#include "apiserver/rest/client_limiter.h"
#include "apiserver/rest/request_metrics.h"
#include "apiserver/rest/resource_handler.h"
#include "apiserver/served_resources.h"
#include "apiserver/storage/watch_hub.h"
#include "http/asio.h"
#include "http/exchange.h"

namespace kthena::apiserver {

struct ApiHandlerOptions {
  Authenticator authenticator;  // no tokens: anonymous access (plain HTTP on loopback only)
  // Per identity (per remote address when anonymous); the platform's components get twice these.
  ClientLimiterOptions requests{.seats = 64, .queue_length = 1024, .queue_wait = std::chrono::seconds(15)};
  ClientLimiterOptions watches{.seats = 512, .queue_length = 0, .queue_wait = {}};
  // One log line per answered request (method, path, user, code, latency): none, errors only (code >= 400), or all.
  enum class RequestLog { kNone, kErrors, kAll };
  RequestLog request_log = RequestLog::kNone;
  const WatchHub* watch_hub = nullptr;  // set: /metrics has its watch families too
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
  // `caller` is set once the request is authenticated.
  http::asio::awaitable<void> route(http::Exchange& exchange, const Identity*& caller);
  // The request's labels for the metrics, from what it asked for (only served resources are named).
  RequestLabels labels_of(const http::Exchange& exchange) const;
  void account(const http::Exchange& exchange, const Identity* caller, double seconds);
  http::asio::awaitable<void> openapi(http::Exchange& exchange, std::string_view path, std::string_view query);

  const ServedResources& resources_;
  ResourceHandler& resource_handler_;
  const api::OpenApi* openapi_;
  const ApiHandlerOptions options_;
  ClientLimiter requests_;
  ClientLimiter watches_;
  const Identity anonymous_;
  RequestMetrics metrics_;
  std::atomic<bool> ready_{false};
};

// The /version answer: major 1, minor 32 (kubectl's dispatcher picks its kubectl by it; kubectl-protocol.md §1).
std::string version_json();

}  // namespace kthena::apiserver
