// Fans committed events out to watchers and keeps the recent history that watches resume from. The history holds
// every event after `compacted_rv()`: a watch from an older resourceVersion gets 410 Gone and relists.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "apiserver/storage/watcher.h"
#include "common/result.h"

namespace kthena::apiserver {

class WatchHub {
 public:
  // `history`: how many events to keep for resuming; `queue_capacity`: events a watcher may hold undelivered.
  WatchHub(size_t history, size_t queue_capacity);
  ~WatchHub();

  // At start: the events found on disk, in resourceVersion order, and the store's state.
  void restore(std::vector<EventPtr> events, int64_t compacted_rv, int64_t current_rv);

  // Called by the Store with its write lock held, in resourceVersion order. Never blocks on a consumer.
  void publish(const std::vector<EventPtr>& events);

  // A watcher for every event after `from_rv` (kGone when that is compacted away, kTimeout when it is in the
  // future), preceded by `initial` (the synthetic ADDED events of a watch from "now"). The caller holds the Store's
  // write lock so that nothing is published meanwhile.
  Result<std::shared_ptr<Watcher>> subscribe(WatchFilter filter, int64_t from_rv, std::vector<WatchItem> initial);

  int64_t compacted_rv() const;
  int64_t current_rv() const;
  // Ends every watch (shutdown). Later subscriptions fail.
  void close_all();

 private:
  const size_t history_limit_;
  const size_t queue_capacity_;
  mutable std::mutex mutex_;
  std::deque<EventPtr> history_;
  int64_t compacted_rv_ = 0;
  int64_t current_rv_ = 0;
  bool closed_ = false;
  std::vector<std::weak_ptr<Watcher>> watchers_;
};

}  // namespace kthena::apiserver
