// Each client's share of the API server: seats in flight, then a queue served first come first served, then 429.
#include "apiserver/rest/client_limiter.h"

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

namespace kthena::apiserver {
namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;

// Runs `limiter.acquire(client)` as a coroutine on `io`; `out` holds the slot once it resolves.
void acquire_into(asio::io_context& io, ClientLimiter& limiter, std::string client, size_t factor,
                  std::optional<ClientLimiter::Slot>& out) {
  asio::co_spawn(
      io,
      [&limiter, client, factor, &out]() -> asio::awaitable<void> {
        out.emplace(co_await limiter.acquire(client, factor));
      },
      asio::detached);
}

TEST(ClientLimiter, PastItsSeatsAClientWaitsInOrderAndGetsTheNextFreeSeat) {
  asio::io_context io;
  ClientLimiter limiter({.seats = 2, .queue_length = 2, .queue_wait = 10s});
  std::vector<std::optional<ClientLimiter::Slot>> slots(5);
  for (auto& slot : slots) acquire_into(io, limiter, "user:a", 1, slot);
  io.run_for(50ms);
  ASSERT_TRUE(slots[0] && *slots[0]);
  ASSERT_TRUE(slots[1] && *slots[1]);
  EXPECT_FALSE(slots[2]);  // waiting
  EXPECT_FALSE(slots[3]);  // waiting
  ASSERT_TRUE(slots[4]);   // the queue was full: refused at once
  EXPECT_FALSE(*slots[4]);
  EXPECT_EQ(limiter.in_flight("user:a"), 2u);
  EXPECT_EQ(limiter.waiting("user:a"), 2u);
  // Another client has seats of its own.
  std::optional<ClientLimiter::Slot> other;
  acquire_into(io, limiter, "user:b", 1, other);
  io.run_for(20ms);
  ASSERT_TRUE(other && *other);

  slots[0].reset();  // a seat frees: the first waiter has it, the second still waits
  io.run_for(20ms);
  ASSERT_TRUE(slots[2] && *slots[2]);
  EXPECT_FALSE(slots[3]);
  EXPECT_EQ(limiter.in_flight("user:a"), 2u);
  slots[1].reset();
  io.run_for(20ms);
  ASSERT_TRUE(slots[3] && *slots[3]);
  EXPECT_EQ(limiter.waiting("user:a"), 0u);
  slots.clear();
  other.reset();
  EXPECT_EQ(limiter.in_flight("user:a"), 0u);
  EXPECT_EQ(limiter.in_flight("user:b"), 0u);
}

TEST(ClientLimiter, AWaitThatRunsOutIsRefusedAndLeavesNoSeatTaken) {
  asio::io_context io;
  ClientLimiter limiter({.seats = 1, .queue_length = 4, .queue_wait = 30ms});
  std::optional<ClientLimiter::Slot> held;
  std::optional<ClientLimiter::Slot> late;
  acquire_into(io, limiter, "address:127.0.0.1", 1, held);
  acquire_into(io, limiter, "address:127.0.0.1", 1, late);
  io.run_for(100ms);
  ASSERT_TRUE(held && *held);
  ASSERT_TRUE(late);
  EXPECT_FALSE(*late);
  EXPECT_EQ(limiter.waiting("address:127.0.0.1"), 0u);
  held.reset();
  EXPECT_EQ(limiter.in_flight("address:127.0.0.1"), 0u);
}

TEST(ClientLimiter, AComponentGetsItsFactorOfSeats) {
  asio::io_context io;
  ClientLimiter limiter({.seats = 2, .queue_length = 0, .queue_wait = 10ms});
  std::vector<std::optional<ClientLimiter::Slot>> slots(5);
  for (auto& slot : slots) acquire_into(io, limiter, "user:system:kthena:node", 2, slot);
  io.run_for(20ms);
  int granted = 0;
  for (auto& slot : slots) granted += slot && *slot ? 1 : 0;
  EXPECT_EQ(granted, 4);
}

TEST(ClientLimiter, SeatsReleasedFromOtherThreadsWakeTheWaiters) {
  // Slots released on threads other than the waiters' (as requests end on any reactor): each waiter is woken on its
  // own executor, and every request gets through.
  asio::io_context io;
  ClientLimiter limiter({.seats = 4, .queue_length = 1000, .queue_wait = 10s});
  std::atomic<int> done{0};
  constexpr int kRequests = 400;
  std::vector<std::thread> workers;
  for (int i = 0; i < kRequests; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto slot = co_await limiter.acquire("user:x", 1);
          if (!slot) co_return;
          // Hold the seat briefly, as a request would, and let it go on this thread.
          asio::steady_timer timer(co_await asio::this_coro::executor, 1ms);
          co_await timer.async_wait(asio::use_awaitable);
          done.fetch_add(1);
        },
        asio::detached);
  }
  for (int t = 0; t < 2; ++t) workers.emplace_back([&] { io.run_for(5s); });
  for (auto& w : workers) w.join();
  EXPECT_EQ(done.load(), kRequests);
  EXPECT_EQ(limiter.in_flight("user:x"), 0u);
}

}  // namespace
}  // namespace kthena::apiserver
