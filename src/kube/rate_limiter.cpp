#include "kube/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace kthena::kube {

RateLimiter::RateLimiter(RateLimiterOptions options)
    : options_(options), tokens_(options.burst), last_refill_(Clock::now()) {}

RateLimiter::Clock::duration RateLimiter::when(const std::string& key) {
  std::lock_guard lock(mutex_);
  int failures = failures_[key]++;
  // 2^failures overflows a double only past 1023; the cap applies long before.
  double backoff_ms = static_cast<double>(options_.base_delay.count()) * std::pow(2.0, std::min(failures, 62));
  auto backoff =
      std::chrono::duration<double, std::milli>(std::min(backoff_ms, static_cast<double>(options_.max_delay.count())));

  auto now = Clock::now();
  std::chrono::duration<double> elapsed = now - last_refill_;
  last_refill_ = now;
  tokens_ = std::min<double>(options_.burst, tokens_ + elapsed.count() * options_.qps);
  tokens_ -= 1;
  std::chrono::duration<double> bucket{0};
  if (tokens_ < 0 && options_.qps > 0) bucket = std::chrono::duration<double>(-tokens_ / options_.qps);

  return std::chrono::duration_cast<Clock::duration>(std::max<std::chrono::duration<double>>(backoff, bucket));
}

void RateLimiter::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

int RateLimiter::num_requeues(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace kthena::kube
