#include "apiserver/storage/watcher.h"

namespace kthena::apiserver {

Watcher::Watcher(WatchFilter filter, size_t capacity, int64_t start_rv)
    : filter_(std::move(filter)), capacity_(capacity), progress_rv_(start_rv) {}

Watcher::Batch Watcher::take(size_t max) {
  std::lock_guard lock(mutex_);
  Batch batch;
  while (!queue_.empty() && batch.items.size() < max) {
    batch.items.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  if (queue_.empty()) extra_capacity_ = 0;
  batch.state = state_;
  batch.progress_rv = queue_.empty() ? progress_rv_ : 0;
  return batch;
}

bool Watcher::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return ready_.wait_for(lock, timeout, [this] { return !queue_.empty() || state_ != WatcherState::kOpen; });
}

void Watcher::set_notify(std::function<void()> notify) {
  std::lock_guard lock(mutex_);
  notify_ = std::move(notify);
}

void Watcher::seed(std::vector<WatchItem> items) {
  std::lock_guard lock(mutex_);
  extra_capacity_ = items.size();
  for (auto& item : items) queue_.push_back(std::move(item));
}

bool Watcher::offer(const StoreEvent& event) {
  std::lock_guard lock(mutex_);
  if (state_ != WatcherState::kOpen) return false;
  progress_rv_ = event.rv;
  const auto& key = event.key;
  if (key.resource != filter_.resource || key.group != filter_.group) return false;
  if (!filter_.ns.empty() && key.ns != filter_.ns) return false;
  if (!filter_.matches) return deliver({event.type, event.object});

  bool now = filter_.matches(*event.object.object);
  if (event.type == EventType::kAdded) return now && deliver({EventType::kAdded, event.object});
  if (event.type == EventType::kDeleted) return now && deliver({EventType::kDeleted, event.object});
  // Without the previous state (events reloaded after a restart) assume it matched as the new one does.
  bool before = event.previous ? filter_.matches(*event.previous) : now;
  if (before && now) return deliver({EventType::kModified, event.object});
  if (now) return deliver({EventType::kAdded, event.object});
  if (before) return deliver({EventType::kDeleted, event.object});
  return false;
}

bool Watcher::deliver(WatchItem item) {
  if (queue_.size() >= capacity_ + extra_capacity_) {
    queue_.clear();
    state_ = WatcherState::kOverflowed;
  } else {
    queue_.push_back(std::move(item));
  }
  ready_.notify_all();
  return true;
}

bool Watcher::close(WatcherState state) {
  std::lock_guard lock(mutex_);
  if (state_ != WatcherState::kOpen) return false;
  state_ = state;
  ready_.notify_all();
  return true;
}

void Watcher::notify() {
  std::function<void()> notify;
  {
    std::lock_guard lock(mutex_);
    notify = notify_;
  }
  if (notify) notify();
}

}  // namespace kthena::apiserver
