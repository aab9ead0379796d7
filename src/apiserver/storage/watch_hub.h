// Fans committed events out to watchers and keeps the recent history that watches resume from. The history holds
// every event after `compacted_rv()`: a watch from an older resourceVersion gets 410 Gone and relists. Both the
// history and the watchers are bounded in bytes as well as in events, so that large objects cannot grow the server
// without bound; a watcher past its bounds is terminated (logged, and counted as kube-apiserver's
// apiserver_terminated_watchers_total).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "apiserver/storage/watcher.h"
#include "common/result.h"

namespace kthena::apiserver {

struct WatchHubOptions {
  size_t history_events = 10000;                  // events kept for resuming
  size_t history_bytes = 256 * 1024 * 1024;       // and at most this much of their JSON (the newest event stays)
  size_t watcher_events = 10000;                  // events a watcher may hold undelivered
  size_t watcher_bytes = 8 * 1024 * 1024;         // bytes a watcher may hold undelivered
  size_t all_watchers_bytes = 256 * 1024 * 1024;  // bytes all watchers together may hold
  std::chrono::milliseconds stalled_after{1000};  // see WatcherLimits
};

class WatchHub {
 public:
  explicit WatchHub(const WatchHubOptions& options);
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
  // Watchers terminated for falling behind, by (group, resource).
  std::map<std::pair<std::string, std::string>, uint64_t> terminated_watchers() const;
  // Bytes all watchers hold now (the WatchMemory's use).
  size_t watchers_bytes() const { return memory_->used(); }
  int64_t current_rv() const;
  // Ends every watch (shutdown). Later subscriptions fail.
  void close_all();

 private:
  void trim_history();

  const WatchHubOptions options_;
  const std::shared_ptr<WatchMemory> memory_;
  mutable std::mutex mutex_;
  std::deque<EventPtr> history_;
  size_t history_bytes_ = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> terminated_;
  int64_t compacted_rv_ = 0;
  int64_t current_rv_ = 0;
  bool closed_ = false;
  std::vector<std::weak_ptr<Watcher>> watchers_;
};

}  // namespace kthena::apiserver
