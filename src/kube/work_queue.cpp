#include "kube/work_queue.h"

namespace kthena::kube {

WorkQueue::WorkQueue(RateLimiterOptions limits) : limiter_(limits) {}

WorkQueue::~WorkQueue() {
  shut_down();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mutex_);
  add_locked(key, Clock::now());
}

void WorkQueue::add_locked(const std::string& key, Clock::time_point now) {
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  ++adds_;
  if (processing_.count(key)) return;  // queued again by done()
  queue_.push_back({key, now});
  changed_.notify_one();
}

void WorkQueue::add_after(const std::string& key, Clock::duration delay) {
  std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  auto now = Clock::now();
  if (delay <= Clock::duration::zero()) {
    add_locked(key, now);
    return;
  }
  if (dirty_.count(key)) return;
  auto ready = now + delay;
  if (auto it = waiting_.find(key); it != waiting_.end()) {
    if (it->second->first <= ready) return;
    delayed_.erase(it->second);
    it->second = delayed_.emplace(ready, key);
  } else {
    waiting_.emplace(key, delayed_.emplace(ready, key));
  }
  // A waiting worker may need to wake earlier than it planned.
  changed_.notify_all();
}

void WorkQueue::add_rate_limited(const std::string& key) {
  {
    std::lock_guard lock(mutex_);
    ++retries_;
  }
  add_after(key, limiter_.when(key));
}

void WorkQueue::forget(const std::string& key) {
  limiter_.forget(key);
}

int WorkQueue::num_requeues(const std::string& key) const {
  return limiter_.num_requeues(key);
}

void WorkQueue::promote_locked(Clock::time_point now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = std::move(delayed_.begin()->second);
    delayed_.erase(delayed_.begin());
    waiting_.erase(key);
    add_locked(key, now);
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (shutting_down_) return std::nullopt;
    promote_locked(Clock::now());
    if (!queue_.empty()) break;
    if (delayed_.empty()) {
      changed_.wait(lock);
    } else {
      // A copy: wait_until reads its deadline again after waking, when another thread may have erased the entry.
      Clock::time_point next = delayed_.begin()->first;
      changed_.wait_until(lock, next);
    }
  }
  std::string key = std::move(queue_.front().key);
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mutex_);
  processing_.erase(key);
  if (dirty_.count(key) && !shutting_down_) {
    queue_.push_back({key, Clock::now()});
    changed_.notify_one();
  }
}

void WorkQueue::shut_down() {
  std::lock_guard lock(mutex_);
  shutting_down_ = true;
  changed_.notify_all();
}

bool WorkQueue::shutting_down() const {
  std::lock_guard lock(mutex_);
  return shutting_down_;
}

size_t WorkQueue::size() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

size_t WorkQueue::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_.size();
}

WorkQueueStats WorkQueue::stats() const {
  std::lock_guard lock(mutex_);
  WorkQueueStats stats;
  stats.adds = adds_;
  stats.retries = retries_;
  stats.depth = queue_.size();
  stats.waiting = waiting_.size();
  stats.processing = processing_.size();
  if (!queue_.empty()) {
    stats.longest_wait_seconds = std::chrono::duration<double>(Clock::now() - queue_.front().since).count();
  }
  return stats;
}

}  // namespace kthena::kube
