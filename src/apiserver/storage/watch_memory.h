// The bytes that every watcher of one server holds undelivered, against one cap. Without it, 512 watches that never
// read, over one 2 MB ConfigMap being updated, took the server to 1.2 GB: each watcher's own budget bounds one
// watcher, this bounds them all together.
#pragma once

#include <atomic>
#include <cstddef>

namespace kthena::apiserver {

// Thread-safe (lock-free): watchers charge and release it from the committing thread and their consumers'.
class WatchMemory {
 public:
  explicit WatchMemory(size_t limit) : limit_(limit) {}

  // Charges `n` if the total stays within the limit; false (nothing charged) otherwise.
  bool try_charge(size_t n) {
    size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (used + n > limit_) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }
  // Charges `n` whatever the total: a watcher that holds nothing always gets one event, however large, so that an
  // object near the request limit can still be watched.
  void charge(size_t n) { used_.fetch_add(n, std::memory_order_relaxed); }
  void release(size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

 private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

}  // namespace kthena::apiserver
