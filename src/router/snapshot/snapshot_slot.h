// Publication of immutable snapshots. The writer stores a new shared_ptr and bumps a generation; each worker
// thread keeps its own reference and re-reads the slot only when the generation moved, so the steady-state cost of
// "get the current snapshot" is one relaxed load, with no shared reference-count traffic.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>

namespace kthena::router {

template <class T>
class SnapshotSlot {
 public:
  // Any thread; typically the control thread.
  void publish(std::shared_ptr<const T> value) {
    current_.store(std::move(value), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
  }
  std::shared_ptr<const T> load() const { return current_.load(std::memory_order_acquire); }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::shared_ptr<const T>> current_;
  std::atomic<uint64_t> generation_{0};
};

// One worker thread's view of a slot. Requests pin the snapshot they start with; a pin is a plain counter on this
// thread, and a superseded snapshot is released once its last request on this thread ends.
template <class T>
class SnapshotCache {
  struct Entry {
    std::shared_ptr<const T> value;
    uint32_t users = 0;
  };

 public:
  class Pin {
   public:
    Pin() = default;
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;
    Pin(Pin&& o) noexcept : entry_(o.entry_) { o.entry_ = nullptr; }
    Pin& operator=(Pin&& o) noexcept {
      release();
      entry_ = o.entry_;
      o.entry_ = nullptr;
      return *this;
    }
    ~Pin() { release(); }
    const T* get() const { return entry_ ? entry_->value.get() : nullptr; }
    const T& operator*() const { return *entry_->value; }
    const T* operator->() const { return entry_->value.get(); }
    explicit operator bool() const { return entry_ != nullptr && entry_->value != nullptr; }

   private:
    friend class SnapshotCache;
    Entry* entry_ = nullptr;
    void release() {
      if (entry_ != nullptr) --entry_->users;
      entry_ = nullptr;
    }
  };

  explicit SnapshotCache(const SnapshotSlot<T>& slot) : slot_(slot) {}

  // Owning thread only.
  Pin pin() {
    uint64_t g = slot_.generation();
    if (entries_.empty() || g != seen_) {
      seen_ = g;
      entries_.push_back(Entry{slot_.load(), 0});
      // Drop superseded snapshots nobody on this thread uses any more.
      while (entries_.size() > 1 && entries_.front().users == 0) entries_.pop_front();
    }
    Pin p;
    p.entry_ = &entries_.back();
    ++p.entry_->users;
    return p;
  }

 private:
  const SnapshotSlot<T>& slot_;
  uint64_t seen_ = 0;
  std::deque<Entry> entries_;  // a deque keeps entries in place while others are added or popped at the front
};

}  // namespace kthena::router
