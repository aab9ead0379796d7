// One watch: a bounded queue of events that the WatchHub fills and one consumer (an HTTP watch stream, a test)
// drains. A consumer that falls behind never slows the hub: when its queue is full the watcher closes itself and
// drops what it held, and the client relists and watches again, as it would against a real API server.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "apiserver/storage/store_event.h"

namespace kthena::apiserver {

// Which events a watcher wants. `matches` holds the label and field selectors; an object that starts or stops
// matching is delivered as ADDED or DELETED, as Kubernetes' watch cache does.
struct WatchFilter {
  std::string group;
  std::string resource;
  std::string ns;                            // "" = every namespace
  std::function<bool(const Json&)> matches;  // empty = every object
};

// One event as this watcher sees it: the type can differ from the stored event's (see WatchFilter).
struct WatchItem {
  EventType type = EventType::kAdded;
  StoredObject object;
};

enum class WatcherState {
  kOpen,
  kOverflowed,  // the consumer fell behind; the stream must end so that the client relists
  kClosed,      // the store shut down
};

class Watcher {
 public:
  Watcher(WatchFilter filter, size_t capacity, int64_t start_rv);

  // Consumer side: one consumer at a time.
  struct Batch {
    std::vector<WatchItem> items;
    WatcherState state = WatcherState::kOpen;
    // The resourceVersion up to which the consumer has seen every event that concerns it; a bookmark can carry it.
    int64_t progress_rv = 0;
  };
  // Takes up to `max` queued events without blocking.
  Batch take(size_t max);
  // Blocks until there are events, the watcher is no longer open, or the timeout elapses. True if not timed out.
  bool wait(std::chrono::milliseconds timeout);
  // `notify` is called, on the committing thread and without any hub lock held, whenever events arrive or the
  // state changes. It must not block (an HTTP stream posts to its executor). Set it before the first wait.
  void set_notify(std::function<void()> notify);

  // Hub side. Both return true when the consumer should be notified.
  bool offer(const StoreEvent& event);
  bool close(WatcherState state);
  void seed(std::vector<WatchItem> items);
  void notify();

 private:
  bool deliver(WatchItem item);

  const WatchFilter filter_;
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<WatchItem> queue_;
  WatcherState state_ = WatcherState::kOpen;
  int64_t progress_rv_ = 0;
  size_t extra_capacity_ = 0;  // room for the initial backlog on top of capacity_
  std::function<void()> notify_;
};

}  // namespace kthena::apiserver
