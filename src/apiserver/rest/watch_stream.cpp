#include "apiserver/rest/watch_stream.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "apiserver/table/table_builder.h"

namespace kthena::apiserver {
namespace asio = http::asio;

namespace {

const http::Header kStreamHeaders[] = {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache, private"}};

// A batch is cut at this much JSON, so that a stream's own copy of what it writes stays small.
constexpr size_t kBatchBytes = 256 * 1024;
// An object at least this large is written from the store's copy of its JSON, not copied into the batch's text.
constexpr size_t kCopyLimit = 64 * 1024;

// Wakes the streaming coroutine from the committing thread: the notification is posted to the stream's reactor,
// where it cancels the wait, or, when the watcher was terminated while a write is blocked on a client that does not
// read, drops the client (the blocked write would hold its batch until the I/O timeout).
struct Wakeup {
  Wakeup(asio::any_io_executor executor, http::Exchange& exchange) : timer(std::move(executor)), exchange(exchange) {}
  asio::steady_timer timer;
  http::Exchange& exchange;
  bool pending = false;
  bool writing = false;
};

// A large object goes out as three pieces of one chunk, the middle one the store's shared text.
bool zero_copy(const StoredObject& object, const WatchStreamOptions& options) {
  return options.table_columns == nullptr && object.json->size() >= kCopyLimit;
}

void append_event(std::string& out, EventType type, const StoredObject& object, const WatchStreamOptions& options,
                  bool& definitions_sent) {
  out += "{\"type\":\"";
  out += to_string(type);
  out += "\",\"object\":";
  if (options.table_columns != nullptr) {
    std::vector<const Json*> one{object.object.get()};
    Json table = make_table(*options.table_columns, one, std::to_string(object.rv), "", !definitions_sent);
    definitions_sent = true;
    out += table.dump();
  } else {
    out += *object.json;
  }
  out += "}\n";
}

}  // namespace

asio::awaitable<void> stream_watch_error(http::Exchange& exchange, ApiStatus status) {
  if (!co_await exchange.begin_stream(200, kStreamHeaders)) co_return;
  std::string line = "{\"type\":\"ERROR\",\"object\":" + status.to_json().dump() + "}\n";
  if (!co_await exchange.write(line)) co_return;
  (void)co_await exchange.end_stream();
}

asio::awaitable<void> stream_watch(http::Exchange& exchange, std::shared_ptr<Watcher> watcher,
                                   WatchStreamOptions options) {
  auto executor = exchange.executor();
  auto wakeup = std::make_shared<Wakeup>(executor, exchange);
  watcher->set_notify([weak = std::weak_ptr<Wakeup>(wakeup), weak_watcher = std::weak_ptr<Watcher>(watcher), executor] {
    asio::post(executor, [weak, weak_watcher] {
      auto w = weak.lock();
      if (!w) return;
      w->pending = true;
      w->timer.cancel();
      auto watcher = weak_watcher.lock();
      if (w->writing && watcher && watcher->state() == WatcherState::kOverflowed) w->exchange.abort();
    });
  });
  if (!co_await exchange.begin_stream(200, kStreamHeaders)) co_return;

  auto loop = [&]() -> asio::awaitable<void> {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + options.timeout;
    auto next_bookmark = Clock::now() + options.bookmark_interval;
    bool definitions_sent = false;
    std::string out;
    for (;;) {
      wakeup->pending = false;
      auto batch = watcher->take(256, kBatchBytes);
      if (!batch.items.empty()) {
        wakeup->writing = true;
        out.clear();
        for (const auto& item : batch.items) {
          if (!zero_copy(item.object, options)) {
            append_event(out, item.type, item.object, options, definitions_sent);
            continue;
          }
          if (!out.empty() && !co_await exchange.write(out)) co_return;
          out.clear();
          std::string head = "{\"type\":\"";
          head += to_string(item.type);
          head += "\",\"object\":";
          if (!co_await exchange.write(head, *item.object.json, "}\n")) co_return;
        }
        if (!out.empty() && !co_await exchange.write(out)) co_return;
        wakeup->writing = false;
        continue;
      }
      if (batch.state != WatcherState::kOpen) {
        // A client that stopped reading may never take the stream's end: hold no batch text meanwhile.
        out = std::string();
        break;
      }
      auto now = Clock::now();
      if (now >= deadline) break;
      if (options.bookmarks && now >= next_bookmark) {
        next_bookmark = now + options.bookmark_interval;
        if (batch.progress_rv > 0) {
          Json bookmark = {{"type", "BOOKMARK"},
                           {"object",
                            {{"kind", options.kind},
                             {"apiVersion", options.api_version},
                             {"metadata", {{"resourceVersion", std::to_string(batch.progress_rv)}}}}}};
          if (!co_await exchange.write(bookmark.dump() + "\n")) co_return;
        }
      }
      if (wakeup->pending) continue;
      auto until = options.bookmarks ? std::min(deadline, next_bookmark) : deadline;
      wakeup->timer.expires_at(until);
      (void)co_await wakeup->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    (void)co_await exchange.end_stream();
  };
  (void)co_await exchange.until_disconnect(loop());
  watcher->set_notify(nullptr);
}

}  // namespace kthena::apiserver
