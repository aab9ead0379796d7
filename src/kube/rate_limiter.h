// How long a work-queue key waits before its next attempt: controller-runtime's default limiter, the larger of a
// per-key exponential back-off (base * 2^failures, capped) and an overall token bucket shared by every key.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace kthena::kube {

struct RateLimiterOptions {
  std::chrono::milliseconds base_delay{5};
  std::chrono::milliseconds max_delay{1000 * 1000};
  double qps = 10;  // overall retries per second once the burst is spent
  int burst = 100;
};

// Thread-safe.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(RateLimiterOptions options = {});

  // The delay before `key` may be retried; each call counts one more failure of `key`.
  Clock::duration when(const std::string& key);
  // `key` succeeded: its back-off starts over.
  void forget(const std::string& key);
  int num_requeues(const std::string& key) const;

 private:
  const RateLimiterOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, int> failures_;
  double tokens_;
  Clock::time_point last_refill_;
};

}  // namespace kthena::kube
