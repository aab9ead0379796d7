#include "router/control/supervised_loop.h"

#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace kthena::router {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Harness {
  boost::asio::io_context io;
  boost::asio::steady_timer timer{io};
  bool stopping = false;
  std::atomic<uint64_t> restarts{0};
  bool finished = false;

  void run(std::function<http::asio::awaitable<void>()> loop, RestartBackoff backoff) {
    boost::asio::co_spawn(io, supervise("test", std::move(loop), timer, stopping, restarts, backoff),
                          [this](std::exception_ptr e) {
                            EXPECT_FALSE(e) << "the supervisor never lets an exception out";
                            finished = true;
                          });
    io.run();
  }
};

TEST(SupervisedLoop, AThrowingLoopIsRestartedAfterADoublingWait) {
  Harness h;
  std::vector<Clock::time_point> starts;
  h.run(
      [&]() -> http::asio::awaitable<void> {
        starts.push_back(Clock::now());
        if (starts.size() <= 3) throw std::runtime_error("boom");
        co_return;
      },
      RestartBackoff{milliseconds(20), milliseconds(50)});
  EXPECT_TRUE(h.finished);
  ASSERT_EQ(starts.size(), 4u) << "restarted until it returned";
  EXPECT_EQ(h.restarts.load(), 3u);
  EXPECT_GE(starts[1] - starts[0], milliseconds(20));
  EXPECT_GE(starts[2] - starts[1], milliseconds(40));
  EXPECT_GE(starts[3] - starts[2], milliseconds(50)) << "the wait is capped at max";
}

TEST(SupervisedLoop, ExceptionsOfAnyTypeAreCaught) {
  Harness h;
  int runs = 0;
  h.run(
      [&]() -> http::asio::awaitable<void> {
        if (++runs == 1) throw 42;
        co_return;
      },
      RestartBackoff{milliseconds(1), milliseconds(1)});
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(h.restarts.load(), 1u);
}

TEST(SupervisedLoop, StoppingEndsTheRestarts) {
  Harness h;
  int runs = 0;
  h.run(
      [&]() -> http::asio::awaitable<void> {
        if (++runs == 2) h.stopping = true;  // the owner stops while the loop fails
        throw std::runtime_error("always");
        co_return;
      },
      RestartBackoff{milliseconds(1), milliseconds(1)});
  EXPECT_TRUE(h.finished);
  EXPECT_EQ(runs, 2);
}

}  // namespace
}  // namespace kthena::router
