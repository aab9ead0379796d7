// The work queue of a controller, with client-go's guarantees: a key queued many times while waiting is processed
// once ("dirty" set); a key being processed is never handed to a second worker, and a key added meanwhile is
// processed again after done() ("processing" set); failures are retried with per-key back-off.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_set>
#include <vector>

#include "kube/rate_limiter.h"

namespace kthena::kube {

// Thread-safe: any number of producers and workers.
class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;
  explicit WorkQueue(RateLimiterOptions limits = {});
  ~WorkQueue();

  void add(const std::string& key);
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

 private:
  struct Delayed {
    Clock::time_point ready;
    std::string key;
    bool operator>(const Delayed& other) const { return ready > other.ready; }
  };
  void add_locked(const std::string& key);
  void promote_locked(Clock::time_point now);

  RateLimiter limiter_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;
  std::unordered_set<std::string> processing_;
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed_;
  bool shutting_down_ = false;
};

}  // namespace kthena::kube
