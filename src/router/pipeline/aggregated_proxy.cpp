#include "router/pipeline/aggregated_proxy.h"

#include "common/log.h"

#include "router/pipeline/cancellation.h"
#include "router/pipeline/response_forwarder.h"
#include "router/pipeline/upstream_call.h"

namespace kthena::router {

RetryPlan retry_plan(const api::ModelServer& server, size_t candidates) {
  RetryPlan plan;
  const auto& policy = server.spec.traffic_policy;
  if (!policy || !policy->retry) {
    plan.attempts = candidates;
    return plan;
  }
  int32_t retries = std::max<int32_t>(policy->retry->attempts.value_or(0), 0);
  plan.attempts = candidates == 0 ? 0 : 1 + static_cast<size_t>(retries);
  plan.interval = policy->retry->retry_interval;
  return plan;
}

namespace {

// The attempts and the forwarding, run under until_disconnect() so that a client that leaves cancels them.
http::asio::awaitable<void> attempts(RequestState& st, bool& answered) {
  const api::ModelServer& server = *st.server->server;
  RetryPlan plan = retry_plan(server, st.picked.best_count);
  std::optional<std::chrono::nanoseconds> timeout;
  if (server.spec.traffic_policy) timeout = server.spec.traffic_policy->timeout;
  for (size_t i = 0; i < plan.attempts; ++i) {
    if (cancelled(co_await boost::asio::this_coro::cancellation_state)) break;
    if (i > 0) co_await sleep_for(st, plan.interval);
    const Endpoint& pod = *st.picked.best[i % st.picked.best_count];
    InFlight in_flight(st, pod);
    st.log.upstream_attempts = static_cast<int>(i + 1);
    http::ClientRequest request;
    auto response = co_await send_upstream(st, pod, st.upstream_view, timeout, request);
    if (!response) {
      spdlog::debug("request {}: pod {} failed: {}", st.request_id, pod.key, response.error().to_string());
      continue;
    }
    st.log.upstream_status_code = response->status();
    if (response->status() < 200 || response->status() >= 300) {
      response->abort();  // the error body is discarded; the next pod gets the request
      continue;
    }
    st.log.selected_pod = pod.name();
    const Endpoint* serving[] = {&pod};
    // A whole answer that came with its head is sent from here, without forward_response()'s coroutine frame.
    ForwardResult forwarded;
    std::vector<http::Header> headers;
    std::optional<std::string_view> whole;
    if (!st.stream) whole = buffered_answer(st, *response, headers, serving);
    if (whole) {
      auto sent = co_await st.ex.respond(response->status(), headers, *whole);
      forwarded = forwarded_whole(st, sent, *whole);
    } else {
      forwarded = co_await forward_response(st, *response, st.stream, SseUsageFilter::Mode::kAggregated,
                                            st.injected_usage, serving);
    }
    if (!st.ex.responded()) {
      // The pod failed before any of its answer reached the client: the next one gets the request.
      spdlog::debug("request {}: pod {} broke off before answering", st.request_id, pod.key);
      st.log.selected_pod.clear();
      continue;
    }
    answered = true;
    st.upstream_ended = TscClock::now();
    if (forwarded.usage.found) st.output_tokens = forwarded.usage.completion_tokens;
    co_return;
  }
  st.upstream_ended = TscClock::now();
}

}  // namespace

http::asio::awaitable<void> aggregated_proxy(RequestState& st) {
  if (st.picked.best_count == 0) {
    co_await st.fail(503, "request to all pods failed", "proxy", "proxy");
    co_return;
  }
  bool answered = false;
  bool stayed = co_await st.ex.until_disconnect(attempts(st, answered));
  if (!stayed) {
    st.log.error_type = "client_disconnected";
    st.log.error_message = "the client went away before the response ended";
    if (!answered) st.status = 499;
    co_return;
  }
  if (!answered) co_await st.fail(503, "request to all pods failed", "proxy", "proxy");
}

}  // namespace kthena::router
