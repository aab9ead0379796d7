#include "router/pipeline/aggregated_proxy.h"

#include <fmt/format.h>

#include "common/log.h"
#include "router/endpoints/passive_health.h"
#include "router/pipeline/cancellation.h"
#include "router/pipeline/response_forwarder.h"
#include "router/pipeline/upstream_call.h"
#include "router/pipeline/upstream_failure.h"
#include "router/pipeline/upstream_request.h"

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

// How the attempts ended, for the answer the client gets when none of them reached it.
struct Outcome {
  bool answered = false;  // some of an answer reached the client
};

// The engine's own answer to a request it refused: its status and body (vLLM's and SGLang's OpenAI error objects)
// go to the client unchanged.
http::asio::awaitable<void> pass_through(RequestState& st, http::ClientResponse& response, const Endpoint& pod) {
  int status = response.status();
  st.status = status;
  st.finish_reason = "upstream_response";
  st.log.error_type = "upstream_response";
  st.log.error_origin = "upstream";
  st.log.error_message = fmt::format("pod {} answered {}", pod.name(), status);
  std::vector<http::Header> headers;
  std::string storage;
  copy_headers(response.head().headers, false, storage, headers);
  // Error bodies are small; a pod that sends megabytes instead is cut off rather than buffered.
  auto body = co_await response.read_all(1024 * 1024);
  if (!body) {
    response.abort();
    // Named first: g++ 12 mis-destroys a temporary with a destructor inside a co_await expression (docs/http.md).
    std::string message =
        fmt::format("pod {} answered {} and its body could not be read: {}", pod.name(), status, body.error().message);
    co_await st.fail(502, message, "upstream_response", "upstream_response");
    co_return;
  }
  co_await st.ex.respond(status, headers, *body);
}

// The attempts and the forwarding, run under until_disconnect() so that a client that leaves cancels them.
http::asio::awaitable<void> attempts(RequestState& st, Outcome& outcome) {
  const api::ModelServer& server = *st.server->server;
  RetryPlan plan = retry_plan(server, st.picked.best_count);
  std::optional<std::chrono::nanoseconds> timeout;
  if (server.spec.traffic_policy) timeout = server.spec.traffic_policy->timeout;
  for (size_t i = 0; i < plan.attempts; ++i) {
    if (cancelled(co_await boost::asio::this_coro::cancellation_state)) break;
    if (i > 0) co_await sleep_for(st, plan.interval);
    const Endpoint& pod = *st.picked.best[i % st.picked.best_count];
    bool last = i + 1 == plan.attempts;
    InFlight in_flight(st, pod);
    st.log.upstream_attempts = static_cast<int>(i + 1);
    st.log.selected_pod = pod.name();  // every outcome names the last pod tried
    http::ClientRequest request;
    auto response = co_await send_upstream(st, pod, st.upstream_view, timeout, request);
    if (!response) {
      record_transport_failure(st, pod, response.error());
      continue;
    }
    answered(*pod.stats);  // whatever it said, the pod is alive
    int status = response->status();
    st.log.upstream_status_code = status;
    if (status < 200 || status >= 300) {
      if (retriable_status(status) && !last) {
        st.log.error_type = "upstream_response";
        st.log.error_message = fmt::format("pod {} answered {}", pod.name(), status);
        response->abort();  // the next pod gets the request
        continue;
      }
      co_await pass_through(st, *response, pod);
      outcome.answered = st.ex.responded();
      st.upstream_ended = std::chrono::steady_clock::now();
      co_return;
    }
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
      st.log.error_type = "upstream_transport";
      st.log.error_message = fmt::format("pod {} broke off before its answer began", pod.name());
      continue;
    }
    outcome.answered = true;
    st.upstream_ended = std::chrono::steady_clock::now();
    st.log.error_type.clear();
    st.log.error_message.clear();
    if (!forwarded.complete) {
      // Bytes went out, so no other pod may answer: the client has a truncated answer, and the log says so.
      st.log.error_type = "response_forwarding";
      st.log.error_message = fmt::format("the answer from pod {} broke off before its end", pod.name());
      st.finish_reason = "response_forwarding";
    }
    if (forwarded.usage.found) {
      st.output_tokens = forwarded.usage.completion_tokens;
      // The engine counted the prompt: better than the router's estimate from characters.
      if (forwarded.usage.prompt_tokens > 0) st.input_tokens = forwarded.usage.prompt_tokens;
    }
    co_return;
  }
  st.upstream_ended = std::chrono::steady_clock::now();
}

}  // namespace

http::asio::awaitable<void> aggregated_proxy(RequestState& st) {
  if (st.picked.best_count == 0) {
    co_await st.fail(503, "request to all pods failed", "proxy", "proxy");
    co_return;
  }
  Outcome outcome;
  bool stayed = co_await st.ex.until_disconnect(attempts(st, outcome));
  if (!stayed) {
    st.log.error_type = "client_disconnected";
    st.log.error_message = "the client went away before the response ended";
    if (!outcome.answered) st.status = 499;
    co_return;
  }
  if (!outcome.answered && !st.ex.responded()) {
    // Every attempt failed without an answer; the log keeps the last pod and why it failed.
    std::string why = st.log.error_message;
    co_await st.fail(503, "request to all pods failed", "proxy", "proxy");
    if (!why.empty()) st.log.error_message = "request to all pods failed; last: " + why;
  }
}

}  // namespace kthena::router
