// One watch request's event stream, consumed by a blocking next(). The HTTP stream is read on the client's reactor
// and queued here, so a slow consumer holds memory, not the connection; stop() (or destruction) closes it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/json.h"
#include "common/result.h"

namespace kthena::kube {

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  Json object;
};

class WatchStream {
 public:
  // Shared between the consumer and the reading coroutine.
  struct State {
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<WatchEvent> events;
    bool ended = false;
    bool finished = false;         // the reading coroutine returned and released its connection
    std::optional<Error> error;    // why it ended, when it was not a clean end of stream
    std::function<void()> cancel;  // closes the connection; posts to the reactor
  };

  explicit WatchStream(std::shared_ptr<State> state) : state_(std::move(state)) {}
  ~WatchStream() { stop(); }
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // The next event; nullopt when the stream ended (see error()) or `timeout` passed with nothing (see ended()).
  // error() is kTimeout when WatchOptions::idle_timeout passed without a byte from the server.
  std::optional<WatchEvent> next(std::chrono::milliseconds timeout);
  bool ended() const;
  std::optional<Error> error() const;
  void stop();

 private:
  std::shared_ptr<State> state_;
};

}  // namespace kthena::kube
