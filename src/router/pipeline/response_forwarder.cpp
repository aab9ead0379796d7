#include "router/pipeline/response_forwarder.h"

#include "router/pipeline/upstream_request.h"

namespace kthena::router {

http::asio::awaitable<ForwardResult> forward_response(RequestState& st, http::ClientResponse& response, bool streaming,
                                                      SseUsageFilter::Mode mode, bool drop_injected) {
  ForwardResult result;
  std::vector<http::Header> headers;
  st.status = response.status();
  std::string storage;
  if (!streaming) {
    copy_headers(response.head().headers, false, storage, headers);
    auto body = co_await response.read_all();
    if (!body) {
      response.abort();
      co_return result;
    }
    auto sent = co_await st.ex.respond(response.status(), headers, *body);
    result.usage = parse_usage(st.w.json(), *body);
    result.complete = sent.has_value();
    co_return result;
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
  if (!co_await st.ex.begin_stream(response.status(), headers)) {
    response.abort();
    co_return result;
  }
  SseUsageFilter filter(st.w.json(), mode, drop_injected);
  std::string out;
  bool have_first = true;
  for (;;) {
    auto piece = have_first ? std::move(first) : co_await response.read_some();
    have_first = false;
    if (!piece) {
      // The upstream broke off mid-stream; the client sees a truncated stream (no terminating chunk).
      response.abort();
      st.ex.close_after_response();
      co_return result;
    }
    out.clear();
    if (!*piece) {
      filter.finish(out);
      if (!out.empty() && !co_await st.ex.write(out)) co_return result;
      break;
    }
    filter.feed(**piece, out);
    if (!out.empty() && !co_await st.ex.write(out)) {
      response.abort();  // the client went away: stop the generation
      co_return result;
    }
  }
  result.complete = static_cast<bool>(co_await st.ex.end_stream());
  result.usage = filter.usage();
  co_return result;
}

}  // namespace kthena::router
