#include "router/pd/pd_proxy.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/json_string.h"
#include "http/header.h"
#include "router/endpoints/passive_health.h"
#include "router/pipeline/cancellation.h"
#include "router/pipeline/response_forwarder.h"
#include "router/pipeline/upstream_call.h"
#include "router/pipeline/upstream_failure.h"
#include "router/pipeline/upstream_request.h"
#include "router/request/body_editor.h"

namespace kthena::router {
namespace {

using Seconds = std::chrono::duration<double>;

void phase_metric(RequestState& st, Metric m, bool ok, std::chrono::steady_clock::time_point start) {
  st.w.metrics().observe(m, {st.model_label, st.path_label, ok ? "200" : "500"},
                         Seconds(std::chrono::steady_clock::now() - start).count());
}

bool is_2xx(int status) {
  return status >= 200 && status < 300;
}

// The pod answered, whatever it said: it is alive.
void answered_by(const Endpoint& pod) {
  answered(*pod.stats);
}

// Streams are recognised by the decode response's media type here, not by the request (upstream's rule for PD).
bool streaming_response(const http::ClientResponse& r) {
  std::string_view type = r.header("content-type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return http::iequals(type, "text/event-stream") || http::iequals(type, "application/x-ndjson");
}

struct PairOutcome {
  bool ok = false;
  std::string error;
};

// An engine's refusal of the request itself (a 4xx, a 500) reaches the client as it is, as in the aggregated proxy
// (upstream_failure.h): the next pair would refuse it too.
http::asio::awaitable<void> pass_through(RequestState& st, http::ClientResponse& response, const Endpoint& pod,
                                         bool& answered) {
  int status = response.status();
  st.status = status;
  st.finish_reason = "upstream_response";
  st.log.error_type = "upstream_response";
  st.log.error_origin = "upstream";
  st.log.error_message = fmt::format("pod {} answered {}", pod.name(), status);
  std::vector<http::Header> headers;
  std::string storage;
  copy_headers(response.head().headers, false, storage, headers);
  auto body = co_await response.read_all(1024 * 1024);
  if (!body) {
    response.abort();
    co_return;  // nothing reached the client: the caller answers
  }
  co_await st.ex.respond(status, headers, *body);
  answered = st.ex.responded();
}

// POSTs the prefill body; its answer is read whole (nixl needs its kv_transfer_params). A prefill pod's refusal of
// the request itself is passed to the client when `answered` is given (it then turns true); a prefill that runs
// beside its decode (SGLang) passes nothing: the decode may be answering.
http::asio::awaitable<Result<std::string>> prefill(RequestState& st, const Endpoint& pod, std::string_view body,
                                                   bool* answered) {
  InFlight in_flight(st, pod);
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  http::ClientRequest request;
  auto response = co_await send_upstream(st, pod, body, std::nullopt, request);
  if (!response) {
    record_transport_failure(st, pod, response.error());
    phase_metric(st, Metric::kPrefillDuration, false, start);
    co_return fail(response.error());
  }
  answered_by(pod);
  if (!is_2xx(response->status())) {
    phase_metric(st, Metric::kPrefillDuration, false, start);
    int status = response->status();
    if (answered != nullptr && !retriable_status(status)) {
      co_await pass_through(st, *response, pod, *answered);
      co_return fail(ErrorCode::kUnavailable, fmt::format("prefill pod {} answered {}", pod.name(), status));
    }
    response->abort();
    co_return fail(ErrorCode::kUnavailable, fmt::format("prefill pod {} answered {}", pod.name(), status));
  }
  auto all = co_await response->read_all();
  phase_metric(st, Metric::kPrefillDuration, all.has_value(), start);
  co_return all;
}

// Sends the decode body and forwards its answer; `answered` turns true once any of the answer reached the client.
http::asio::awaitable<PairOutcome> decode(RequestState& st, const Endpoint& pod, const Endpoint& prefill_pod,
                                          std::string_view body, bool& answered) {
  InFlight in_flight(st, pod);
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  http::ClientRequest request;
  auto response = co_await send_upstream(st, pod, body, std::nullopt, request);
  if (!response) {
    record_transport_failure(st, pod, response.error());
    phase_metric(st, Metric::kDecodeDuration, false, start);
    co_return PairOutcome{false, fmt::format("decode pod {}: {}", pod.name(), response.error().to_string())};
  }
  answered_by(pod);
  st.log.upstream_status_code = response->status();
  if (!is_2xx(response->status())) {
    phase_metric(st, Metric::kDecodeDuration, false, start);
    int status = response->status();
    if (!retriable_status(status)) {
      co_await pass_through(st, *response, pod, answered);
      co_return PairOutcome{false, fmt::format("decode pod {} answered {}", pod.name(), status)};
    }
    response->abort();
    co_return PairOutcome{false, fmt::format("decode pod {} answered {}", pod.name(), status)};
  }
  const Endpoint* pair[] = {&pod, &prefill_pod};
  ForwardResult forwarded = co_await forward_response(st, *response, streaming_response(*response),
                                                      SseUsageFilter::Mode::kDecode, st.injected_usage, pair);
  phase_metric(st, Metric::kDecodeDuration, forwarded.complete, start);
  // A 2xx head alone is not an answer: nothing reaches the client before the first body byte, so a decode pod that
  // breaks before it leaves the request free for the next pair.
  answered = st.ex.responded();
  if (!answered) co_return PairOutcome{false, "the decode pod broke off before answering"};
  if (forwarded.usage.found) {
    st.output_tokens = forwarded.usage.completion_tokens;
    if (forwarded.usage.prompt_tokens > 0) st.input_tokens = forwarded.usage.prompt_tokens;
  }
  co_return PairOutcome{forwarded.complete, forwarded.complete ? "" : "the decode stream broke off"};
}

http::asio::awaitable<PairOutcome> sequential(RequestState& st, const Endpoint& d, const Endpoint& p, bool nixl,
                                              bool& answered) {
  auto prefilled = co_await prefill(st, p, st.prefill_body, &answered);
  if (!prefilled) co_return PairOutcome{false, "prefill: " + prefilled.error().message};
  if (!nixl) co_return co_await decode(st, d, p, st.upstream_view, answered);
  std::string params = kv_transfer_params_of(st.w.json(), *prefilled);
  std::string body = with_members(st.upstream_view, "\"kv_transfer_params\":" + params);
  co_return co_await decode(st, d, p, body, answered);
}

// SGLang: prefill and decode at once, paired by a fresh bootstrap room; the prefill's bootstrap server is on the
// prefill pod's IP. A decode failure cancels the prefill; the attempt waits for the prefill either way.
http::asio::awaitable<PairOutcome> concurrent(RequestState& st, const Endpoint& d, const Endpoint& p, bool& answered) {
  int64_t room = st.w.rng().int63();
  std::string prefill_body = with_members(st.prefill_body, fmt::format("\"bootstrap_room\":{}", room));
  std::string bootstrap_host;
  append_json_string(bootstrap_host, p.ip);
  std::string decode_body =
      with_members(st.upstream_view, fmt::format("\"bootstrap_room\":{},\"bootstrap_host\":{}", room, bootstrap_host));

  auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::cancellation_signal cancel_prefill;
  boost::asio::steady_timer prefill_done(executor, std::chrono::steady_clock::time_point::max());
  bool prefill_finished = false;
  Result<std::string> prefill_result = fail(ErrorCode::kInternal, "prefill did not run");
  boost::asio::co_spawn(
      executor,
      [&]() -> http::asio::awaitable<void> { prefill_result = co_await prefill(st, p, prefill_body, nullptr); },
      boost::asio::bind_cancellation_slot(cancel_prefill.slot(), [&](std::exception_ptr) {
        prefill_finished = true;
        prefill_done.cancel();
      }));

  PairOutcome outcome = co_await decode(st, d, p, decode_body, answered);
  bool leaving = cancelled(co_await boost::asio::this_coro::cancellation_state);
  if (!outcome.ok || leaving) cancel_prefill.emit(boost::asio::cancellation_type::terminal);
  // The prefill coroutine uses this frame: wait for it even if this request is being cancelled.
  co_await boost::asio::this_coro::reset_cancellation_state();
  while (!prefill_finished) {
    boost::system::error_code ec;
    co_await prefill_done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  if (outcome.ok && !prefill_result) outcome = PairOutcome{false, "prefill: " + prefill_result.error().message};
  co_return outcome;
}

http::asio::awaitable<void> attempts(RequestState& st, bool& answered, bool& succeeded) {
  ConnectorKind kind = st.server->connector;
  for (size_t i = 0; i < st.picked.pair_count; ++i) {
    const Endpoint* d = st.picked.decode[i];
    const Endpoint* p = st.picked.prefill[i];
    if (p == nullptr) continue;
    if (cancelled(co_await boost::asio::this_coro::cancellation_state)) break;
    st.log.upstream_attempts = static_cast<int>(i + 1);
    // Every outcome names the decode pod of the last pair tried (upstream leaves the field empty in PD mode).
    st.log.selected_pod = d->name();
    PairOutcome outcome;
    switch (kind) {
      case ConnectorKind::kSglang:
        outcome = co_await concurrent(st, *d, *p, answered);
        break;
      case ConnectorKind::kNixl:
      case ConnectorKind::kMooncake:
        outcome = co_await sequential(st, *d, *p, true, answered);
        break;
      case ConnectorKind::kHttp:
      case ConnectorKind::kLmcache:
        outcome = co_await sequential(st, *d, *p, false, answered);
        break;
    }
    if (outcome.ok) {
      succeeded = true;
      break;
    }
    st.log.error_message = outcome.error;
    // Once the client has a response head, another pair would send it a second answer: stop here (upstream tries
    // the next pair regardless).
    if (answered) break;
  }
  st.upstream_ended = std::chrono::steady_clock::now();
}

}  // namespace

std::string kv_transfer_params_of(simdjson::dom::parser& parser, std::string_view prefill_response) {
  simdjson::dom::element doc;
  if (parser.parse(prefill_response.data(), prefill_response.size()).get(doc) != simdjson::SUCCESS) return "null";
  simdjson::dom::element params;
  if (doc["kv_transfer_params"].get(params) != simdjson::SUCCESS) return "null";
  return simdjson::to_string(params);
}

http::asio::awaitable<void> pd_proxy(RequestState& st) {
  bool answered = false;
  bool succeeded = false;
  bool stayed = co_await st.ex.until_disconnect(attempts(st, answered, succeeded));
  if (!stayed) {
    st.log.error_type = "client_disconnected";
    st.log.error_message = "the client went away before the response ended";
    if (!answered) st.status = 499;
    co_return;
  }
  if (succeeded) {
    st.log.error_type.clear();  // failed pairs before it are not the request's outcome
    st.log.error_message.clear();
    co_return;
  }
  if (!answered) {
    std::string why = st.log.error_message;
    co_await st.fail(500, "all prefill/decode attempts failed", "proxy");
    if (!why.empty()) st.log.error_message = "all prefill/decode attempts failed; last: " + why;
  } else if (st.finish_reason != "upstream_response") {
    // The decode stream broke off after its first bytes: the client has a truncated answer.
    st.log.error_type = "response_forwarding";
    st.finish_reason = "response_forwarding";
  }
}

}  // namespace kthena::router
