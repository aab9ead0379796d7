#include "kube/work_queue.h"

#include <atomic>
#include <map>
#include <thread>

#include <gtest/gtest.h>

namespace kthena::kube {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueueTest, AKeyAddedTwiceWhileWaitingIsHandedOutOnce) {
  WorkQueue queue;
  queue.add("a");
  queue.add("b");
  queue.add("a");
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.get(), "a");
  EXPECT_EQ(queue.get(), "b");
  EXPECT_EQ(queue.size(), 0u);
}

TEST(WorkQueueTest, AKeyAddedWhileProcessingIsQueuedAgainAfterDone) {
  WorkQueue queue;
  queue.add("a");
  auto key = queue.get();
  ASSERT_EQ(key, "a");
  queue.add("a");
  EXPECT_EQ(queue.size(), 0u) << "never handed to a second worker while processing";
  queue.done("a");
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.get(), "a");
  queue.done("a");
  EXPECT_EQ(queue.size(), 0u);
}

TEST(WorkQueueTest, ConcurrentWorkersNeverProcessOneKeyAtOnce) {
  WorkQueue queue;
  std::mutex mutex;
  std::map<std::string, int> active;
  std::atomic<int> violations{0};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = queue.get()) {
        {
          std::lock_guard lock(mutex);
          if (active[*key]++ != 0) ++violations;
        }
        std::this_thread::sleep_for(100us);
        {
          std::lock_guard lock(mutex);
          --active[*key];
        }
        ++processed;
        queue.done(*key);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) queue.add("key" + std::to_string(i % 5));
  while (queue.size() > 0) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(20ms);
  queue.shut_down();
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GE(processed.load(), 5);
}

TEST(WorkQueueTest, AddAfterHandsTheKeyOutOnceTheDelayHasPassed) {
  WorkQueue queue;
  auto start = WorkQueue::Clock::now();
  queue.add_after("late", 30ms);
  queue.add("now");
  EXPECT_EQ(queue.get(), "now");
  EXPECT_EQ(queue.get(), "late");
  EXPECT_GE(WorkQueue::Clock::now() - start, 30ms);
}

TEST(WorkQueueTest, BackOffDoublesPerFailureUntilForgotten) {
  RateLimiter limiter({.base_delay = 5ms, .max_delay = 60ms, .qps = 1000, .burst = 1000});
  EXPECT_EQ(limiter.when("a"), 5ms);
  EXPECT_EQ(limiter.when("a"), 10ms);
  EXPECT_EQ(limiter.when("a"), 20ms);
  EXPECT_EQ(limiter.when("a"), 40ms);
  EXPECT_EQ(limiter.when("a"), 60ms);
  EXPECT_EQ(limiter.when("b"), 5ms) << "back-off is per key";
  EXPECT_EQ(limiter.num_requeues("a"), 5);
  limiter.forget("a");
  EXPECT_EQ(limiter.num_requeues("a"), 0);
  EXPECT_EQ(limiter.when("a"), 5ms);
}

TEST(WorkQueueTest, TheOverallBucketLimitsRetriesOnceTheBurstIsSpent) {
  RateLimiter limiter({.base_delay = 1ms, .max_delay = 1ms, .qps = 10, .burst = 2});
  EXPECT_EQ(limiter.when("a"), 1ms);
  EXPECT_EQ(limiter.when("b"), 1ms);
  auto third = limiter.when("c");
  EXPECT_GT(third, 50ms);
  EXPECT_LE(third, 100ms);
}

TEST(WorkQueueTest, ShutDownWakesBlockedWorkers) {
  WorkQueue queue;
  std::optional<std::string> got = "unset";
  std::thread worker([&] { got = queue.get(); });
  std::this_thread::sleep_for(10ms);
  queue.shut_down();
  worker.join();
  EXPECT_FALSE(got);
  queue.add("ignored");
  EXPECT_EQ(queue.size(), 0u);
}

}  // namespace
}  // namespace kthena::kube
