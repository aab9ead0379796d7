// The kernel's tick-granular monotonic clock (CLOCK_MONOTONIC_COARSE: a read of the vDSO page, no TSC read), for
// bookkeeping that counts in seconds: connection timeouts and the idle age of pooled connections. It lags the
// precise clock by at most one kernel tick (1-4 ms), far below the sweep interval that enforces the timeouts, and a
// read costs 3 ns where a steady_clock read costs 21 ns on this VM. nginx (ngx_current_msec) and Envoy
// (approximateMonotonicTime) keep timeouts on a cheap clock for the same reason. Durations that are reported
// (latency metrics, the simulator's token timing) stay on std::chrono::steady_clock.
#pragma once

#include <chrono>
#include <ctime>

namespace kthena {

struct CoarseClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<CoarseClock>;
  static constexpr bool is_steady = true;

  static time_point now() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
  }
};

}  // namespace kthena
