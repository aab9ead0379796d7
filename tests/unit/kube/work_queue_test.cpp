#include "kube/work_queue.h"

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

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

// Hands out every key that becomes ready within `window`, marking each done at once; returns them in order.
std::vector<std::string> drain(WorkQueue& queue, std::chrono::milliseconds window) {
  std::vector<std::string> got;
  std::thread stopper([&queue, window] {
    std::this_thread::sleep_for(window);
    queue.shut_down();
  });
  while (auto key = queue.get()) {
    got.push_back(*key);
    queue.done(*key);
  }
  stopper.join();
  return got;
}

TEST(WorkQueueTest, ManyDelayedAddsOfOneKeyKeepOneEntry) {
  WorkQueue queue;
  for (int i = 0; i < 100; ++i) queue.add_after("a", 20ms + std::chrono::milliseconds(i));
  EXPECT_EQ(queue.waiting(), 1u);
  EXPECT_EQ(drain(queue, 500ms), std::vector<std::string>{"a"});
}

TEST(WorkQueueTest, AnEarlierDelayedAddMovesTheKeyEarlier) {
  WorkQueue queue;
  auto start = WorkQueue::Clock::now();
  queue.add_after("a", 10s);
  queue.add_after("a", 20ms);
  EXPECT_EQ(queue.waiting(), 1u);
  EXPECT_EQ(queue.get(), "a");
  EXPECT_LT(WorkQueue::Clock::now() - start, 5s);
  queue.done("a");
  EXPECT_EQ(queue.waiting(), 0u) << "the later entry was replaced, not kept";
}

TEST(WorkQueueTest, ALaterDelayedAddDoesNotDelayTheKey) {
  WorkQueue queue;
  auto start = WorkQueue::Clock::now();
  queue.add_after("a", 30ms);
  queue.add_after("a", 10s);
  EXPECT_EQ(queue.get(), "a");
  EXPECT_LT(WorkQueue::Clock::now() - start, 5s);
  queue.done("a");
  EXPECT_EQ(queue.waiting(), 0u);
}

TEST(WorkQueueTest, AnAddWhileDelayedProcessesNowAndTheEntryStillFiresOnce) {
  WorkQueue queue;
  queue.add_after("a", 150ms);
  queue.add("a");
  auto start = WorkQueue::Clock::now();
  EXPECT_EQ(queue.get(), "a");
  EXPECT_LT(WorkQueue::Clock::now() - start, 100ms) << "the add is not held back by the delayed entry";
  queue.done("a");
  EXPECT_EQ(queue.waiting(), 1u) << "client-go's rule: the delayed entry stays";
  EXPECT_EQ(drain(queue, 600ms), std::vector<std::string>{"a"}) << "and fires once, when due";
}

TEST(WorkQueueTest, ADirtyKeyNeedsNoDelayedEntry) {
  WorkQueue queue;
  queue.add("a");
  queue.add_after("a", 20ms);
  EXPECT_EQ(queue.waiting(), 0u) << "its coming run starts after the add_after and decides its own requeue";
  EXPECT_EQ(drain(queue, 300ms), std::vector<std::string>{"a"});
}

TEST(WorkQueueTest, ARequeueFromEveryRunKeepsOneChain) {
  // A reconciler that asks for a requeue after every run, woken meanwhile by a burst of events: the delayed entries
  // merge, so the key runs at the requeue rate and not once more per event-triggered run.
  WorkQueue queue;
  std::atomic<int> runs{0};
  std::thread worker([&] {
    while (auto key = queue.get()) {
      ++runs;
      queue.add_after(*key, 100ms);
      queue.done(*key);
    }
  });
  for (int i = 0; i < 20; ++i) {
    queue.add("a");
    std::this_thread::sleep_for(5ms);
  }
  std::this_thread::sleep_for(200ms);
  const int after_burst = runs.load();
  EXPECT_LE(queue.waiting(), 1u);
  std::this_thread::sleep_for(500ms);
  queue.shut_down();
  worker.join();
  // About 5 requeue-driven runs in 500 ms; separate chains would have given one per event-triggered run each time.
  EXPECT_LE(runs.load() - after_burst, 7) << runs.load();
}

TEST(WorkQueueTest, StatsCountAddsRetriesAndWaitingKeys) {
  WorkQueue queue({.base_delay = 1ms, .max_delay = 1ms, .qps = 1000, .burst = 1000});
  queue.add("a");
  queue.add("a");
  queue.add("b");
  queue.add_after("c", 10s);
  auto stats = queue.stats();
  EXPECT_EQ(stats.adds, 2u) << "an add of a key already queued is absorbed";
  EXPECT_EQ(stats.depth, 2u);
  EXPECT_EQ(stats.waiting, 1u);
  EXPECT_GE(stats.longest_wait_seconds, 0.0);
  ASSERT_EQ(queue.get(), "a");
  EXPECT_EQ(queue.stats().processing, 1u);
  queue.add_rate_limited("a");
  queue.done("a");
  stats = queue.stats();
  EXPECT_EQ(stats.retries, 1u);
  EXPECT_EQ(stats.processing, 0u);
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
