#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/post.hpp>

#include "http/reactor.h"
#include "test_support.h"

namespace kthena::http {
namespace {

using namespace std::chrono_literals;

struct Counted : Deferred {
  std::atomic<int> fired{0};
  Clock::time_point deferred_at;
  std::atomic<int64_t> delay_us{-1};
  void on_due() override {
    delay_us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - deferred_at).count();
    ++fired;
  }
};

// Runs `f` on the reactor thread and waits for it.
template <class F>
void on_reactor(Reactor& r, F f) {
  std::promise<void> done;
  asio::post(r.context(), [&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

TEST(ReactorDefer, FiresAfterAFullTickAndOnce) {
  ReactorPool pool(1);
  pool.start();
  Counted c;
  on_reactor(pool.reactor(0), [&] {
    c.deferred_at = Clock::now();
    pool.reactor(0).defer(c);
  });
  for (int i = 0; i < 200 && c.fired == 0; ++i) std::this_thread::sleep_for(2ms);
  ASSERT_EQ(c.fired.load(), 1);
  EXPECT_GE(c.delay_us.load(), std::chrono::microseconds(Reactor::kDeferTick).count());
  EXPECT_FALSE(c.deferred());
  std::this_thread::sleep_for(Reactor::kDeferTick * 3);
  EXPECT_EQ(c.fired.load(), 1);
  pool.stop();
}

TEST(ReactorDefer, WithdrawnOrDestroyedEntriesNeverFire) {
  ReactorPool pool(1);
  pool.start();
  Counted withdrawn;
  auto destroyed = std::make_unique<Counted>();
  Counted kept;
  on_reactor(pool.reactor(0), [&] {
    pool.reactor(0).defer(withdrawn);
    pool.reactor(0).defer(*destroyed);
    pool.reactor(0).defer(kept);
    withdrawn.withdraw();
    destroyed.reset();
  });
  for (int i = 0; i < 200 && kept.fired == 0; ++i) std::this_thread::sleep_for(2ms);
  EXPECT_EQ(kept.fired.load(), 1);
  EXPECT_EQ(withdrawn.fired.load(), 0);
  pool.stop();
}

TEST(ReactorDefer, DeferringAgainKeepsOneEntry) {
  ReactorPool pool(1);
  pool.start();
  Counted c;
  on_reactor(pool.reactor(0), [&] { pool.reactor(0).defer(c); });
  // Re-deferred before each tick can fire it: it keeps waiting.
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(Reactor::kDeferTick / 4);
    on_reactor(pool.reactor(0), [&] {
      if (c.fired == 0) pool.reactor(0).defer(c);
    });
  }
  for (int i = 0; i < 200 && c.fired == 0; ++i) std::this_thread::sleep_for(2ms);
  std::this_thread::sleep_for(Reactor::kDeferTick * 3);
  EXPECT_EQ(c.fired.load(), 1);
  pool.stop();
}

}  // namespace
}  // namespace kthena::http
