#include "router/util/tsc_clock.h"

#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

namespace kthena::router {
namespace {

// Whichever way the clock reads (the counter, or steady_clock where the kernel does not keep time with it), it
// measures what steady_clock measures.
TEST(TscClock, MeasuresWhatSteadyClockMeasures) {
  using std::chrono::steady_clock;
  for (auto span : {std::chrono::milliseconds(2), std::chrono::milliseconds(30)}) {
    steady_clock::time_point s0 = steady_clock::now();
    TscClock::time_point t0 = TscClock::now();
    std::this_thread::sleep_for(span);
    TscClock::time_point t1 = TscClock::now();
    steady_clock::time_point s1 = steady_clock::now();
    std::chrono::nanoseconds steady = s1 - s0, tsc = t1 - t0;
    EXPECT_GE(tsc, span);
    // The counter's interval lies inside steady_clock's; the scale errs by about 1e-5.
    EXPECT_LE(tsc.count(), steady.count() + steady.count() / 1000) << "steady " << steady.count();
  }
}

TEST(TscClock, NeverGoesBackOnOneThread) {
  TscClock::time_point last = TscClock::now();
  for (int i = 0; i < 1000000; ++i) {
    TscClock::time_point now = TscClock::now();
    ASSERT_GE(now, last);
    last = now;
  }
}

// Where the kernel keeps time with the counter, the clock reads the counter, starting near steady_clock's reading.
TEST(TscClock, StartsAtSteadyClocksReading) {
  const TscScale& scale = tsc_scale();
  if (!scale.usable) GTEST_SKIP() << "the kernel's clock source is not the time-stamp counter here";
  EXPECT_GT(scale.ns_per_tick, 0);
  auto steady = std::chrono::steady_clock::now().time_since_epoch();
  auto tsc = TscClock::now().time_since_epoch();
  EXPECT_LT(std::abs((tsc - steady).count()), 1000000) << "within 1 ms of steady_clock";
}

}  // namespace
}  // namespace kthena::router
