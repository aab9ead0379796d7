// Proxies a scheduled request to the best pods in turn (kthena-router.md §3.11-3.12) and forwards the first 2xx
// answer, streaming it when the client asked for a stream.
#pragma once

#include "router/pipeline/request_state.h"

namespace kthena::router {

http::asio::awaitable<void> aggregated_proxy(RequestState& st);

// How many attempts and how far apart, from ModelServer.spec.trafficPolicy.retry (docs/router.md, "Retries"):
// without it, each of the scheduler's best pods once (upstream's behaviour); with it, 1 + attempts tries cycling
// through the best pods, retryInterval apart.
struct RetryPlan {
  size_t attempts = 0;
  std::chrono::nanoseconds interval{0};
};
RetryPlan retry_plan(const api::ModelServer& server, size_t candidates);

}  // namespace kthena::router
