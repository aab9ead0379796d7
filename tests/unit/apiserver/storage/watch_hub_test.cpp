// The byte bounds of watchers: each watcher's budget, the server's cap over all of them, and the history's.
#include "apiserver/storage/watch_hub.h"

#include <gtest/gtest.h>

namespace kthena::apiserver {
namespace {

constexpr size_t kKiB = 1024;

// A ConfigMap event whose JSON is `bytes` long (near enough: the padding is the value).
EventPtr event(int64_t rv, size_t bytes, const std::string& name = "big") {
  auto object = std::make_shared<const Json>(Json{{"metadata", {{"name", name}}}});
  auto text = std::make_shared<const std::string>(std::string(bytes, 'x'));
  return std::make_shared<const StoreEvent>(
      StoreEvent{rv, EventType::kModified, {"", "configmaps", "default", name}, {object, text, rv}, object});
}

WatchFilter configmaps() {
  return {"", "configmaps", "", nullptr};
}

TEST(WatcherTest, OneThatDoesNotReadIsClosedAtItsByteBudgetNotItsEventCount) {
  auto memory = std::make_shared<WatchMemory>(100 * kKiB * kKiB);
  Watcher watcher(configmaps(), {.events = 10000, .bytes = 4 * kKiB * kKiB, .memory = memory}, 0);
  watcher.offer(*event(1, 2000 * kKiB));
  watcher.offer(*event(2, 2000 * kKiB));
  EXPECT_EQ(watcher.state(), WatcherState::kOpen);
  EXPECT_EQ(memory->used(), 4000 * kKiB);
  watcher.offer(*event(3, 2000 * kKiB));
  EXPECT_EQ(watcher.state(), WatcherState::kOverflowed);
  EXPECT_EQ(memory->used(), 0u) << "what it held is dropped at once";
  EXPECT_TRUE(watcher.take(10).items.empty());
}

TEST(WatcherTest, AnEventLargerThanTheBudgetStillReachesAWatcherThatHoldsNothing) {
  auto memory = std::make_shared<WatchMemory>(1 * kKiB);
  Watcher watcher(configmaps(), {.events = 10, .bytes = 1 * kKiB, .memory = memory, .stalled_after = {}}, 0);
  watcher.offer(*event(1, 3000 * kKiB));
  EXPECT_EQ(watcher.state(), WatcherState::kOpen);
  auto batch = watcher.take(10);
  ASSERT_EQ(batch.items.size(), 1u);
  EXPECT_EQ(watcher.held_bytes(), 3000 * kKiB) << "a batch counts until the next take: its stream may be writing it";
  watcher.offer(*event(2, 10));
  EXPECT_EQ(watcher.state(), WatcherState::kOpen) << "nothing queued: it may be writing, it is not behind";
  watcher.offer(*event(3, 10));
  EXPECT_EQ(watcher.state(), WatcherState::kOverflowed) << "still writing the large one, and behind";
}

TEST(WatcherTest, AConsumerThatKeepsUpNeverOverflows) {
  auto memory = std::make_shared<WatchMemory>(8 * kKiB * kKiB);
  Watcher watcher(configmaps(), {.events = 10000, .bytes = 4 * kKiB * kKiB, .memory = memory}, 0);
  for (int64_t rv = 1; rv <= 200; ++rv) {
    watcher.offer(*event(rv, 2000 * kKiB));
    ASSERT_EQ(watcher.take(10).items.size(), 1u);
  }
  EXPECT_EQ(watcher.state(), WatcherState::kOpen);
  (void)watcher.take(10);
  EXPECT_EQ(memory->used(), 0u);
}

TEST(WatcherTest, TheBatchIsCutByBytesAfterItsFirstEvent) {
  Watcher watcher(configmaps(), {.events = 100, .bytes = 100 * kKiB * kKiB, .memory = nullptr}, 0);
  for (int64_t rv = 1; rv <= 10; ++rv) watcher.offer(*event(rv, 100 * kKiB));
  EXPECT_EQ(watcher.take(256, 250 * kKiB).items.size(), 2u);
  EXPECT_EQ(watcher.take(256, 1).items.size(), 1u);
}

TEST(WatchHubTest, TheServersCapClosesTheWatchersThatAreBehindAndCountsThem) {
  WatchHub hub({.history_events = 100,
                .history_bytes = 1000 * kKiB * kKiB,
                .watcher_events = 100,
                .watcher_bytes = 100 * kKiB * kKiB,
                .all_watchers_bytes = 10 * kKiB * kKiB,
                .stalled_after = std::chrono::milliseconds(0)});
  std::vector<std::shared_ptr<Watcher>> stalled;
  for (int i = 0; i < 8; ++i) stalled.push_back(*hub.subscribe(configmaps(), 0, {}));
  auto reader = *hub.subscribe(configmaps(), 0, {});
  size_t read = 0;
  for (int64_t rv = 1; rv <= 5; ++rv) {
    hub.publish({event(rv, 1000 * kKiB)});
    // As a stream does: take again once written, which releases what was written.
    for (auto batch = reader->take(10); !batch.items.empty(); batch = reader->take(10)) read += batch.items.size();
  }
  EXPECT_EQ(read, 5u) << "a watcher that reads takes every event, whatever the others hold";
  EXPECT_EQ(reader->state(), WatcherState::kOpen);
  size_t closed = 0;
  for (auto& watcher : stalled) closed += watcher->state() == WatcherState::kOverflowed ? 1 : 0;
  EXPECT_GT(closed, 0u);
  EXPECT_LE(hub.watchers_bytes(), 10 * kKiB * kKiB + 9 * 1000 * kKiB) << "at most one event past the cap each";
  auto terminated = hub.terminated_watchers();
  EXPECT_EQ((terminated[{"", "configmaps"}]), closed);
}

TEST(WatcherTest, PastTheServersCapAWatcherThatReadsRecentlyIsKept) {
  auto memory = std::make_shared<WatchMemory>(1 * kKiB);
  memory->charge(1 * kKiB);  // what stalled watchers hold
  Watcher reading(configmaps(), {.events = 10, .bytes = 100 * kKiB, .memory = memory}, 0);
  reading.offer(*event(1, 10 * kKiB));
  reading.offer(*event(2, 10 * kKiB));
  EXPECT_EQ(reading.state(), WatcherState::kOpen) << "took nothing for less than stalled_after (1 s)";
  Watcher stalled(configmaps(), {.events = 10, .bytes = 100 * kKiB, .memory = memory, .stalled_after = {}}, 0);
  stalled.offer(*event(1, 10 * kKiB));
  stalled.offer(*event(2, 10 * kKiB));
  EXPECT_EQ(stalled.state(), WatcherState::kOverflowed);
  memory->release(1 * kKiB);
}

TEST(WatchHubTest, TheHistoryKeepsNoMoreBytesThanItsBoundAndSaysWhatItForgot) {
  WatchHub hub({.history_events = 100,
                .history_bytes = 5 * kKiB,
                .watcher_events = 100,
                .watcher_bytes = kKiB,
                .all_watchers_bytes = kKiB});
  hub.restore({}, 0, 0);
  for (int64_t rv = 1; rv <= 10; ++rv) hub.publish({event(rv, kKiB)});
  EXPECT_EQ(hub.compacted_rv(), 5);
  auto gone = hub.subscribe(configmaps(), 3, {});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kGone);
  auto resumed = hub.subscribe(configmaps(), 5, {});
  ASSERT_TRUE(resumed);
  EXPECT_EQ((*resumed)->take(100).items.size(), 5u) << "the resumed history is not counted against the budget";
}

}  // namespace
}  // namespace kthena::apiserver
