#include "apiserver/storage/watch_hub.h"

#include <algorithm>

#include <fmt/format.h>

namespace kthena::apiserver {

WatchHub::WatchHub(size_t history, size_t queue_capacity)
    : history_limit_(std::max<size_t>(history, 1)), queue_capacity_(std::max<size_t>(queue_capacity, 1)) {}

WatchHub::~WatchHub() {
  close_all();
}

void WatchHub::restore(std::vector<EventPtr> events, int64_t compacted_rv, int64_t current_rv) {
  std::lock_guard lock(mutex_);
  history_.assign(events.begin(), events.end());
  compacted_rv_ = compacted_rv;
  while (history_.size() > history_limit_) {
    compacted_rv_ = history_.front()->rv;
    history_.pop_front();
  }
  current_rv_ = current_rv;
}

void WatchHub::publish(const std::vector<EventPtr>& events) {
  std::vector<std::shared_ptr<Watcher>> to_notify;
  {
    std::lock_guard lock(mutex_);
    for (const auto& event : events) {
      history_.push_back(event);
      current_rv_ = event->rv;
    }
    while (history_.size() > history_limit_) {
      compacted_rv_ = history_.front()->rv;
      history_.pop_front();
    }
    std::erase_if(watchers_, [](const std::weak_ptr<Watcher>& weak) { return weak.expired(); });
    for (auto& weak : watchers_) {
      auto watcher = weak.lock();
      if (!watcher) continue;
      bool wake = false;
      for (const auto& event : events) wake = watcher->offer(*event) || wake;
      if (wake) to_notify.push_back(std::move(watcher));
    }
  }
  for (auto& watcher : to_notify) watcher->notify();
}

Result<std::shared_ptr<Watcher>> WatchHub::subscribe(WatchFilter filter, int64_t from_rv,
                                                     std::vector<WatchItem> initial) {
  std::lock_guard lock(mutex_);
  if (closed_) return fail(ErrorCode::kUnavailable, "the server is shutting down");
  if (from_rv > current_rv_) {
    return fail(ErrorCode::kTimeout, fmt::format("Too large resource version: {}, current: {}", from_rv, current_rv_));
  }
  if (from_rv > 0 && from_rv < compacted_rv_) {
    return fail(ErrorCode::kGone, fmt::format("too old resource version: {} ({})", from_rv, compacted_rv_ + 1));
  }
  auto watcher = std::make_shared<Watcher>(filter, queue_capacity_, std::max(from_rv, current_rv_));
  // Replay history through a scratch watcher that shares the filter but has room for all of it, so that selector
  // transitions are computed exactly as for live events.
  if (from_rv > 0) {
    Watcher replay(filter, history_.size() + 1, from_rv);
    auto first = std::upper_bound(history_.begin(), history_.end(), from_rv,
                                  [](int64_t rv, const EventPtr& event) { return rv < event->rv; });
    for (auto it = first; it != history_.end(); ++it) replay.offer(**it);
    auto backlog = replay.take(history_.size() + 1);
    for (auto& item : backlog.items) initial.push_back(std::move(item));
  }
  watcher->seed(std::move(initial));
  watchers_.push_back(watcher);
  return watcher;
}

int64_t WatchHub::compacted_rv() const {
  std::lock_guard lock(mutex_);
  return compacted_rv_;
}

int64_t WatchHub::current_rv() const {
  std::lock_guard lock(mutex_);
  return current_rv_;
}

void WatchHub::close_all() {
  std::vector<std::shared_ptr<Watcher>> to_notify;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (auto& weak : watchers_) {
      if (auto watcher = weak.lock(); watcher && watcher->close(WatcherState::kClosed)) to_notify.push_back(watcher);
    }
    watchers_.clear();
  }
  for (auto& watcher : to_notify) watcher->notify();
}

}  // namespace kthena::apiserver
