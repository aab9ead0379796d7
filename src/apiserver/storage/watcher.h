// One watch: a bounded queue of events that the WatchHub fills and one consumer (an HTTP watch stream, a test)
// drains. A consumer that falls behind never slows the hub: when its queue is full (in events or in bytes, its own
// budget or the server's WatchMemory) the watcher closes itself and drops what it held, and the client relists and
// watches again, as kube-apiserver's slow watchers are terminated.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "apiserver/storage/store_event.h"
#include "apiserver/storage/watch_memory.h"

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

// What a watcher may hold undelivered. Bytes are those of the objects' JSON (shared with the store, but what a
// stream copies out); the events of the watch's start (the current objects, or the history it resumes from) are not
// counted, since they are the store's own and the client asked for them all.
struct WatcherLimits {
  size_t events = 10000;
  size_t bytes = 8 * 1024 * 1024;
  std::shared_ptr<WatchMemory> memory;  // the server's cap over all watchers; null = none
  // Past the server's cap, only a watcher whose consumer has taken nothing for this long is closed: one that reads
  // but is an event behind at that instant is not to blame for what stalled ones hold (kube-apiserver, likewise,
  // gives a blocked watcher a moment before it terminates it).
  std::chrono::milliseconds stalled_after{1000};
};

enum class WatcherState {
  kOpen,
  kOverflowed,  // the consumer fell behind; the stream must end so that the client relists
  kClosed,      // the store shut down
};

class Watcher {
 public:
  Watcher(WatchFilter filter, WatcherLimits limits, int64_t start_rv);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Consumer side: one consumer at a time.
  struct Batch {
    std::vector<WatchItem> items;
    WatcherState state = WatcherState::kOpen;
    // The resourceVersion up to which the consumer has seen every event that concerns it; a bookmark can carry it.
    int64_t progress_rv = 0;
  };
  // Takes up to `max` queued events without blocking, and past the first, no more than `max_bytes` of JSON. The
  // events taken still count against the budgets until the next take(): a stream blocked writing them holds them.
  Batch take(size_t max, size_t max_bytes = SIZE_MAX);
  WatcherState state();
  // Bytes held against the budgets (queued, and taken by the last take()).
  size_t held_bytes();
  // Blocks until there are events, the watcher is no longer open, or the timeout elapses. True if not timed out.
  bool wait(std::chrono::milliseconds timeout);
  // `notify` is called, on the committing thread and without any hub lock held, whenever events arrive or the
  // state changes. It must not block (an HTTP stream posts to its executor). Set it before the first wait.
  void set_notify(std::function<void()> notify);

  // Hub side. Both return true when the consumer should be notified.
  bool offer(const StoreEvent& event);
  const WatchFilter& filter() const { return filter_; }
  bool close(WatcherState state);
  void seed(std::vector<WatchItem> items);
  void notify();

 private:
  bool deliver(WatchItem item);
  void overflow();

  const WatchFilter filter_;
  const WatcherLimits limits_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<WatchItem> queue_;
  WatcherState state_ = WatcherState::kOpen;
  int64_t progress_rv_ = 0;
  size_t extra_capacity_ = 0;  // room for the initial backlog on top of limits_.events
  size_t seeded_ = 0;          // the front of queue_ that is that backlog, which no budget counts
  size_t queued_bytes_ = 0;    // counted bytes in queue_
  size_t taken_bytes_ = 0;     // counted bytes of the last take()
  std::chrono::steady_clock::time_point last_take_ = std::chrono::steady_clock::now();
  std::function<void()> notify_;
};

}  // namespace kthena::apiserver
