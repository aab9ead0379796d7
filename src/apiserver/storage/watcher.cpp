#include "apiserver/storage/watcher.h"

namespace kthena::apiserver {
namespace {

size_t bytes_of(const WatchItem& item) {
  return item.object.json ? item.object.json->size() : 0;
}

}  // namespace

Watcher::Watcher(WatchFilter filter, WatcherLimits limits, int64_t start_rv)
    : filter_(std::move(filter)), limits_(std::move(limits)), progress_rv_(start_rv) {}

Watcher::~Watcher() {
  if (limits_.memory) limits_.memory->release(queued_bytes_ + taken_bytes_);
}

Watcher::Batch Watcher::take(size_t max, size_t max_bytes) {
  std::lock_guard lock(mutex_);
  if (limits_.memory) limits_.memory->release(taken_bytes_);
  taken_bytes_ = 0;
  last_take_ = std::chrono::steady_clock::now();
  Batch batch;
  size_t batch_bytes = 0;
  while (!queue_.empty() && batch.items.size() < max) {
    size_t bytes = bytes_of(queue_.front());
    if (!batch.items.empty() && batch_bytes + bytes > max_bytes) break;
    batch_bytes += bytes;
    if (seeded_ > 0) {
      --seeded_;
    } else {
      queued_bytes_ -= bytes;
      taken_bytes_ += bytes;
    }
    batch.items.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  if (queue_.empty()) extra_capacity_ = 0;
  batch.state = state_;
  batch.progress_rv = queue_.empty() ? progress_rv_ : 0;
  return batch;
}

WatcherState Watcher::state() {
  std::lock_guard lock(mutex_);
  return state_;
}

size_t Watcher::held_bytes() {
  std::lock_guard lock(mutex_);
  return queued_bytes_ + taken_bytes_;
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
  seeded_ = items.size();
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
  const size_t bytes = bytes_of(item);
  // A watcher with nothing queued takes any one event, even while its stream writes the last batch: the budgets
  // bound how far behind a consumer may fall, not how large an object may be, and a consumer that keeps up (its
  // queue empties as events arrive) is never closed for what stalled ones hold against the server's cap.
  bool fits = queue_.size() < limits_.events + extra_capacity_;
  if (fits && !queue_.empty()) {
    fits = queued_bytes_ + taken_bytes_ + bytes <= limits_.bytes;
    if (fits && limits_.memory && !limits_.memory->try_charge(bytes)) {
      fits = std::chrono::steady_clock::now() - last_take_ < limits_.stalled_after;
      if (fits) limits_.memory->charge(bytes);
    }
  } else if (fits && limits_.memory) {
    limits_.memory->charge(bytes);
  }
  if (fits) {
    queued_bytes_ += bytes;
    queue_.push_back(std::move(item));
  } else {
    overflow();
  }
  ready_.notify_all();
  return true;
}

// The events it held are dropped at once (the client will relist); the last batch taken is released by the
// consumer's next take() or the watcher's end, since its stream may still be writing it.
void Watcher::overflow() {
  queue_.clear();
  seeded_ = 0;
  if (limits_.memory) limits_.memory->release(queued_bytes_);
  queued_bytes_ = 0;
  state_ = WatcherState::kOverflowed;
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
