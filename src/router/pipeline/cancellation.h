// Whether the coroutine's work was cancelled (the client left, under Exchange::until_disconnect). Code that
// cleans up after a failed operation checks this before awaiting anything else.
#pragma once

#include <boost/asio/this_coro.hpp>

#include "http/asio.h"

namespace kthena::router {

inline http::asio::awaitable<bool> cancelled() {
  auto state = co_await boost::asio::this_coro::cancellation_state;
  co_return state.cancelled() != boost::asio::cancellation_type::none;
}

}  // namespace kthena::router
