#include "kube/work_queue.h"

namespace kthena::kube {

WorkQueue::WorkQueue(RateLimiterOptions limits) : limiter_(limits) {}

WorkQueue::~WorkQueue() {
  shut_down();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mutex_);
  add_locked(key);
}

void WorkQueue::add_locked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // queued again by done()
  queue_.push_back(key);
  changed_.notify_one();
}

void WorkQueue::add_after(const std::string& key, Clock::duration delay) {
  std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  if (delay <= Clock::duration::zero()) {
    add_locked(key);
    return;
  }
  delayed_.push({Clock::now() + delay, key});
  // A waiting worker may need to wake earlier than it planned.
  changed_.notify_all();
}

void WorkQueue::add_rate_limited(const std::string& key) {
  add_after(key, limiter_.when(key));
}

void WorkQueue::forget(const std::string& key) {
  limiter_.forget(key);
}

int WorkQueue::num_requeues(const std::string& key) const {
  return limiter_.num_requeues(key);
}

void WorkQueue::promote_locked(Clock::time_point now) {
  while (!delayed_.empty() && delayed_.top().ready <= now) {
    std::string key = delayed_.top().key;
    delayed_.pop();
    add_locked(key);
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
      changed_.wait_until(lock, delayed_.top().ready);
    }
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mutex_);
  processing_.erase(key);
  if (dirty_.count(key) && !shutting_down_) {
    queue_.push_back(key);
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

}  // namespace kthena::kube
