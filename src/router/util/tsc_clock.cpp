#include "router/util/tsc_clock.h"

#include <fstream>
#include <string>

namespace kthena::router {
namespace {

bool kernel_clock_is_tsc() {
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  return static_cast<bool>(in >> source) && source == "tsc";
}

TscScale calibrate() {
  TscScale scale;
#if defined(__x86_64__)
  if (!kernel_clock_is_tsc()) return scale;
  using std::chrono::steady_clock;
  // 5 ms against steady_clock: the two clocks' read jitter (tens of nanoseconds) is then ~1e-5 of the span.
  steady_clock::time_point start = steady_clock::now();
  uint64_t start_ticks = __rdtsc();
  steady_clock::time_point end = start;
  uint64_t end_ticks = start_ticks;
  while (end - start < std::chrono::milliseconds(5)) {
    end = steady_clock::now();
    end_ticks = __rdtsc();
  }
  if (end_ticks <= start_ticks) return scale;
  scale.usable = true;
  scale.base_ticks = start_ticks;
  scale.base_ns = start.time_since_epoch().count();
  scale.ns_per_tick = static_cast<double>((end - start).count()) / static_cast<double>(end_ticks - start_ticks);
#endif
  return scale;
}

}  // namespace

const TscScale& tsc_scale() {
  static const TscScale scale = calibrate();
  return scale;
}

}  // namespace kthena::router
