#include "apiserver/storage/watch_hub.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kthena::apiserver {

namespace {

size_t bytes_of(const EventPtr& event) {
  return event->object.json ? event->object.json->size() : 0;
}

}  // namespace

WatchHub::WatchHub(const WatchHubOptions& options)
    : options_{.history_events = std::max<size_t>(options.history_events, 1),
               .history_bytes = options.history_bytes,
               .watcher_events = std::max<size_t>(options.watcher_events, 1),
               .watcher_bytes = options.watcher_bytes,
               .all_watchers_bytes = options.all_watchers_bytes,
               .stalled_after = options.stalled_after},
      memory_(std::make_shared<WatchMemory>(options.all_watchers_bytes)) {}

WatchHub::~WatchHub() {
  close_all();
}

void WatchHub::restore(std::vector<EventPtr> events, int64_t compacted_rv, int64_t current_rv) {
  std::lock_guard lock(mutex_);
  history_.assign(events.begin(), events.end());
  history_bytes_ = 0;
  for (const auto& event : history_) history_bytes_ += bytes_of(event);
  compacted_rv_ = compacted_rv;
  trim_history();
  current_rv_ = current_rv;
}

void WatchHub::trim_history() {
  while (history_.size() > options_.history_events ||
         (history_.size() > 1 && history_bytes_ > options_.history_bytes)) {
    compacted_rv_ = history_.front()->rv;
    history_bytes_ -= bytes_of(history_.front());
    history_.pop_front();
  }
}

void WatchHub::publish(const std::vector<EventPtr>& events) {
  std::vector<std::shared_ptr<Watcher>> to_notify;
  std::vector<std::shared_ptr<Watcher>> terminated;
  {
    std::lock_guard lock(mutex_);
    for (const auto& event : events) {
      history_.push_back(event);
      history_bytes_ += bytes_of(event);
      current_rv_ = event->rv;
    }
    trim_history();
    std::erase_if(watchers_, [](const std::weak_ptr<Watcher>& weak) { return weak.expired(); });
    for (auto& weak : watchers_) {
      auto watcher = weak.lock();
      if (!watcher) continue;
      bool wake = false;
      for (const auto& event : events) wake = watcher->offer(*event) || wake;
      if (wake && watcher->state() == WatcherState::kOverflowed) {
        ++terminated_[{watcher->filter().group, watcher->filter().resource}];
        terminated.push_back(watcher);
      }
      if (wake) to_notify.push_back(std::move(watcher));
    }
    std::erase_if(watchers_, [](const std::weak_ptr<Watcher>& weak) {
      auto watcher = weak.lock();
      return !watcher || watcher->state() != WatcherState::kOpen;
    });
  }
  // kube-apiserver's words, so that the same grep finds both.
  for (const auto& watcher : terminated) {
    const WatchFilter& filter = watcher->filter();
    spdlog::warn(
        "apiserver: forcing watcher close due to unresponsiveness: {}{}{} namespace \"{}\": it fell {} events or {} "
        "bytes behind (all watchers hold {} of {} bytes); the client will re-list",
        filter.resource, filter.group.empty() ? "" : ".", filter.group, filter.ns, options_.watcher_events,
        options_.watcher_bytes, memory_->used(), options_.all_watchers_bytes);
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
  auto watcher = std::make_shared<Watcher>(filter,
                                           WatcherLimits{.events = options_.watcher_events,
                                                         .bytes = options_.watcher_bytes,
                                                         .memory = memory_,
                                                         .stalled_after = options_.stalled_after},
                                           std::max(from_rv, current_rv_));
  // Replay history through a scratch watcher that shares the filter but has room for all of it, so that selector
  // transitions are computed exactly as for live events.
  if (from_rv > 0) {
    Watcher replay(filter, WatcherLimits{.events = history_.size() + 1, .bytes = SIZE_MAX, .memory = nullptr}, from_rv);
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

std::map<std::pair<std::string, std::string>, uint64_t> WatchHub::terminated_watchers() const {
  std::lock_guard lock(mutex_);
  return terminated_;
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
