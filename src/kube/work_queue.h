// The work queue of a controller, with client-go's guarantees: a key queued many times while waiting is processed
// once ("dirty" set); a key being processed is never handed to a second worker, and a key added meanwhile is
// processed again after done() ("processing" set); failures are retried with per-key back-off.
//
// Delayed adds keep one pending entry per key, as client-go's delaying queue does: a key already waiting keeps the
// earlier of its two ready times, so a reconciler that asks to be requeued after every run (event-triggered runs
// included) keeps one timer per key instead of starting a new chain each run. A key that is dirty (queued, or added
// while processing) gets no delayed entry: the processing it is waiting for starts after the add_after() and decides
// its own requeue. A delayed entry is not withdrawn when the key is processed earlier for another reason (an event):
// it fires when due and the key is processed once more, as in client-go; at most one such extra run per key.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "kube/rate_limiter.h"

namespace kthena::kube {

// A snapshot for metrics in client-go's names (workqueue_depth, workqueue_adds_total, workqueue_retries_total).
struct WorkQueueStats {
  uint64_t adds = 0;     // keys that entered the queue (an add of a key already queued counts once)
  uint64_t retries = 0;  // add_rate_limited() calls
  size_t depth = 0;      // keys ready for a worker
  size_t waiting = 0;    // keys with a pending delayed entry
  size_t processing = 0;
  double longest_wait_seconds = 0;  // how long the oldest ready key has waited for a worker
};

// Thread-safe: any number of producers and workers.
class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;
  explicit WorkQueue(RateLimiterOptions limits = {});
  ~WorkQueue();

  void add(const std::string& key);
  // Queues `key` once `delay` has passed; see the header comment for how entries of one key merge.
  void add_after(const std::string& key, Clock::duration delay);
  // A failed attempt: retry after the key's back-off.
  void add_rate_limited(const std::string& key);
  // The key succeeded: reset its back-off.
  void forget(const std::string& key);
  int num_requeues(const std::string& key) const;

  // Blocks until a key is ready (returning it, now "processing") or the queue shuts down (nullopt).
  std::optional<std::string> get();
  // The worker finished `key`; if it was added meanwhile it is queued again.
  void done(const std::string& key);

  // Wakes every worker; get() then returns nullopt, and adds are ignored.
  void shut_down();
  bool shutting_down() const;
  // Keys ready to be handed out (not counting delayed or processing ones).
  size_t size() const;
  // Keys with a pending delayed entry.
  size_t waiting() const;
  WorkQueueStats stats() const;

 private:
  struct Ready {
    std::string key;
    Clock::time_point since;
  };
  void add_locked(const std::string& key, Clock::time_point now);
  void promote_locked(Clock::time_point now);

  RateLimiter limiter_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Ready> queue_;
  std::unordered_set<std::string> dirty_;
  std::unordered_set<std::string> processing_;
  // The delayed entries by ready time, and each waiting key's one entry in it.
  std::multimap<Clock::time_point, std::string> delayed_;
  std::unordered_map<std::string, std::multimap<Clock::time_point, std::string>::iterator> waiting_;
  uint64_t adds_ = 0;
  uint64_t retries_ = 0;
  bool shutting_down_ = false;
};

}  // namespace kthena::kube
