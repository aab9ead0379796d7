#include "router/pipeline/response_forwarder.h"

#include "router/pipeline/upstream_request.h"

namespace kthena::router {

std::optional<std::string_view> buffered_answer(RequestState& st, http::ClientResponse& response,
                                                std::vector<http::Header>& headers,
                                                std::span<const Endpoint* const> serving) {
  std::optional<std::string_view> body = response.buffered_body();
  if (!body) return std::nullopt;
  st.status = response.status();
  response_headers(response.head().headers, false, headers);
  st.snap.scheduler->on_success(st.sched, serving);
  return body;
}

ForwardResult forwarded_whole(RequestState& st, const Result<void>& sent, std::string_view body) {
  ForwardResult result;
  result.usage = parse_usage(st.w.json(), body);
  result.complete = sent.has_value();
  return result;
}

http::asio::awaitable<ForwardResult> forward_response(RequestState& st, http::ClientResponse& response, bool streaming,
                                                      SseUsageFilter::Mode mode, bool drop_injected,
                                                      std::span<const Endpoint* const> serving) {
  ForwardResult result;
  std::vector<http::Header> headers;
  st.status = response.status();
  std::string storage;
  if (!streaming) {
    // Usually the whole body came with the head: answer from the connection's buffer, without a copy.
    std::optional<std::string_view> whole = buffered_answer(st, response, headers, serving);
    std::string read;
    if (!whole) {
      // Reading the body may reuse the buffer the head's fields point into: copy them first.
      copy_headers(response.head().headers, false, storage, headers);
      auto all = co_await response.read_all();
      if (!all) {
        response.abort();
        co_return result;
      }
      st.snap.scheduler->on_success(st.sched, serving);
      read = std::move(*all);
      whole = read;
    }
    auto sent = co_await st.ex.respond(response.status(), headers, *whole);
    co_return forwarded_whole(st, sent, *whole);
  }
  // The client gets the head only with the first piece of the body: until then a failed upstream can still be
  // replaced by another pod (nothing has reached the client). The head's fields are copied first: reading the body
  // may reuse the buffer they point into.
  copy_headers(response.head().headers, true, storage, headers);
  auto first = co_await response.read_some();
  if (!first) {
    response.abort();
    co_return result;
  }
  st.snap.scheduler->on_success(st.sched, serving);
  auto begun = co_await st.ex.begin_stream(response.status(), headers);
  if (!begun) {
    response.abort();
    co_return result;
  }
  SseUsageFilter filter(st.w.json(), mode, drop_injected);
  std::string out;
  // g++ 12 mis-destroys temporaries of a co_await inside a conditional expression: keep co_await in statements.
  Result<std::optional<std::string_view>> piece = std::move(first);
  for (bool have_first = true;; have_first = false) {
    if (!have_first) piece = co_await response.read_some();
    if (!piece) {
      // The upstream broke off mid-stream; the client sees a truncated stream (no terminating chunk).
      response.abort();
      st.ex.close_after_response();
      co_return result;
    }
    out.clear();
    if (!*piece) {
      filter.finish(out);
      if (!out.empty()) {
        auto written = co_await st.ex.write(out);
        if (!written) co_return result;
      }
      break;
    }
    filter.feed(**piece, out);
    if (out.empty()) continue;
    auto written = co_await st.ex.write(out);
    if (!written) {
      response.abort();  // the client went away: stop the generation
      co_return result;
    }
  }
  auto ended = co_await st.ex.end_stream();
  result.complete = ended.has_value();
  result.usage = filter.usage();
  co_return result;
}

}  // namespace kthena::router
