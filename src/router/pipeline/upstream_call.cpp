#include "router/pipeline/upstream_call.h"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace kthena::router {
namespace {

std::string_view or_none(std::string_view s) {
  return s.empty() ? std::string_view("none") : s;
}

void upstream_gauge(RequestState& st, double delta) {
  std::string_view server = st.server != nullptr ? std::string_view(st.server->key) : std::string_view();
  st.w.metrics().add(
      Metric::kActiveUpstream,
      {or_none(server), or_none(st.route_key), "model_server", or_none(server), or_none(st.upstream_model)}, delta);
}

}  // namespace

InFlight::InFlight(RequestState& st, const Endpoint& endpoint) : st_(st), endpoint_(endpoint) {
  endpoint_.stats->in_flight.fetch_add(1, std::memory_order_relaxed);
  upstream_gauge(st_, 1);
}

InFlight::~InFlight() {
  endpoint_.stats->in_flight.fetch_sub(1, std::memory_order_relaxed);
  upstream_gauge(st_, -1);
}

namespace {

http::asio::awaitable<Result<http::ClientResponse>> refuse(std::string message) {
  co_return fail(ErrorCode::kInternal, std::move(message));
}

http::asio::awaitable<Result<http::ClientResponse>> send_with_timeout(RequestState& st, const http::Endpoint& upstream,
                                                                      const http::ClientRequest& request,
                                                                      std::chrono::nanoseconds timeout) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::steady_timer timer(st.ex.executor(), timeout);
  auto winner = co_await (st.w.client().send(upstream, request) || timer.async_wait(boost::asio::use_awaitable));
  if (winner.index() == 1) co_return fail(ErrorCode::kTimeout, "upstream did not answer within the timeout");
  co_return std::move(std::get<0>(winner));
}

}  // namespace

// Not a coroutine: without a timeout the client's own coroutine is the whole operation.
http::asio::awaitable<Result<http::ClientResponse>> send_upstream(RequestState& st, const Endpoint& endpoint,
                                                                  std::string_view body,
                                                                  std::optional<std::chrono::nanoseconds> timeout,
                                                                  http::ClientRequest& request) {
  const http::Endpoint* upstream = endpoint.upstream(st.server->port());
  if (upstream == nullptr) return refuse("no address for pod " + endpoint.key);
  request.method = st.ex.method();
  request.target = st.ex.request().target;
  request.headers = st.upstream_headers;
  request.body = body;
  if (!timeout || timeout->count() <= 0) return st.w.client().send(*upstream, request);
  return send_with_timeout(st, *upstream, request, *timeout);
}

http::asio::awaitable<void> sleep_for(RequestState& st, std::chrono::nanoseconds d) {
  if (d.count() <= 0) co_return;
  boost::asio::steady_timer timer(st.ex.executor(), d);
  boost::system::error_code ec;
  co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
}

}  // namespace kthena::router
