// One request to one pod, with the pieces every proxy path shares: the in-flight accounting that least-request
// reads, the active_upstream_requests gauge, and trafficPolicy.timeout around connect + send + response head.
#pragma once

#include <chrono>
#include <optional>

#include "http/client.h"
#include "router/pipeline/request_state.h"

namespace kthena::router {

// Counts a request as in flight to `endpoint` (and in the upstream gauge) for its lifetime.
class InFlight {
 public:
  InFlight(RequestState& st, const Endpoint& endpoint);
  ~InFlight();
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  RequestState& st_;
  const Endpoint& endpoint_;
};

// Sends `body` to `endpoint` on the ModelServer's port. `timeout` (if any) bounds everything up to the response
// head; a timed-out attempt fails with kTimeout. `request` is filled here and must outlive the returned awaitable
// (a local of the awaiting coroutine).
http::asio::awaitable<Result<http::ClientResponse>> send_upstream(RequestState& st, const Endpoint& endpoint,
                                                                  std::string_view body,
                                                                  std::optional<std::chrono::nanoseconds> timeout,
                                                                  http::ClientRequest& request);

// Sleeps on the request's reactor (retry intervals).
http::asio::awaitable<void> sleep_for(RequestState& st, std::chrono::nanoseconds d);

}  // namespace kthena::router
