#include "kube/watch_stream.h"

namespace kthena::kube {

std::optional<WatchEvent> WatchStream::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  state_->ready.wait_for(lock, timeout, [this] { return !state_->events.empty() || state_->ended; });
  if (state_->events.empty()) return std::nullopt;
  WatchEvent event = std::move(state_->events.front());
  state_->events.pop_front();
  return event;
}

bool WatchStream::ended() const {
  std::lock_guard lock(state_->mutex);
  return state_->ended && state_->events.empty();
}

std::optional<Error> WatchStream::error() const {
  std::lock_guard lock(state_->mutex);
  return state_->error;
}

void WatchStream::stop() {
  std::function<void()> cancel;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->ended) return;
    state_->ended = true;
    cancel = std::move(state_->cancel);
    state_->ready.notify_all();
  }
  if (cancel) cancel();
}

}  // namespace kthena::kube
