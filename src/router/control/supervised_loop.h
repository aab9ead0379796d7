// The root of each control loop (file watch, engine scrape): runs the loop and, when it throws, logs the exception,
// counts it, waits and starts the loop afresh, so that a bug or an exhausted resource in one pass does not leave
// the router serving stale state for the rest of its life. The wait doubles from `initial` up to `max` while the
// loop keeps failing, and starts again from `initial` once the loop has run for `max` without failing.
// Thread contract: runs on its reactor like the loop it supervises.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "http/asio.h"

namespace kthena::router {

struct RestartBackoff {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{std::chrono::seconds(30)};
};

// Returns when `loop` returns, or when `stopping` is true after a failure. `timer` is the loop's pause timer (the
// owner cancels it to stop); `restarts` counts the restarts and may be read from any thread.
http::asio::awaitable<void> supervise(std::string name, std::function<http::asio::awaitable<void>()> loop,
                                      boost::asio::steady_timer& timer, const bool& stopping,
                                      std::atomic<uint64_t>& restarts, RestartBackoff backoff = {});

}  // namespace kthena::router
