// Whether the coroutine's work was cancelled (the client left, under Exchange::until_disconnect). Code that
// cleans up after a failed operation checks this before awaiting anything else.
#pragma once

#include <boost/asio/this_coro.hpp>

#include "http/asio.h"

namespace kthena::router {

// Use: `if (cancelled(co_await boost::asio::this_coro::cancellation_state))`. Awaiting the state never suspends; a
// coroutine wrapping it cost a frame allocation on every request.
inline bool cancelled(const boost::asio::cancellation_state& state) {
  return state.cancelled() != boost::asio::cancellation_type::none;
}

}  // namespace kthena::router
