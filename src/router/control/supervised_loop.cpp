#include "router/control/supervised_loop.h"

#include <exception>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/log.h"

namespace kthena::router {
namespace {

std::string describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

}  // namespace

http::asio::awaitable<void> supervise(std::string name, std::function<http::asio::awaitable<void>()> loop,
                                      boost::asio::steady_timer& timer, const bool& stopping,
                                      std::atomic<uint64_t>& restarts, RestartBackoff backoff) {
  using Clock = std::chrono::steady_clock;
  std::chrono::milliseconds delay = backoff.initial;
  for (;;) {
    Clock::time_point started = Clock::now();
    std::exception_ptr failure;
    try {
      co_await loop();
    } catch (...) {
      failure = std::current_exception();
    }
    if (!failure || stopping) co_return;
    if (Clock::now() - started >= backoff.max) delay = backoff.initial;  // it had been running well
    uint64_t count = restarts.fetch_add(1, std::memory_order_relaxed) + 1;
    spdlog::error("router {} loop failed: {}; restarting it in {} ms (restart {})", name, describe(failure),
                  delay.count(), count);
    timer.expires_after(delay);
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (stopping) co_return;
    delay = std::min(delay * 2, backoff.max);
  }
}

}  // namespace kthena::router
