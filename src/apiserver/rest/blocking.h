// Runs blocking work (a transaction's fsync, a full scan) on the blocking thread pool instead of the reactor, so a
// slow disk never stalls the other connections of a reactor; the awaiting coroutine resumes on its own reactor.
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/asio.h"

namespace kthena::apiserver {

// `fn` runs on `pool`; its references stay valid because the awaiting coroutine is suspended until it returns.
// `fn` is taken by reference and must be a named local of the caller: g++ 12 may destroy a temporary that holds
// non-trivial state twice when it appears in a co_await expression.
template <class F>
http::asio::awaitable<std::invoke_result_t<F&>> run_blocking(http::asio::any_io_executor pool, F& fn) {
  namespace asio = http::asio;
  std::optional<std::invoke_result_t<F&>> result;
  std::exception_ptr failure;
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&](auto handler) {
        asio::post(pool, [&, handler = std::move(handler)]() mutable {
          try {
            result.emplace(fn());
          } catch (...) {
            failure = std::current_exception();
          }
          // Back to the awaiting coroutine's own executor (its reactor).
          asio::post(std::move(handler));
        });
      },
      asio::use_awaitable);
  if (failure) std::rethrow_exception(failure);
  co_return std::move(*result);
}

}  // namespace kthena::apiserver
