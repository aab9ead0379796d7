// Streams one watch to its client (kubectl-protocol.md §9): one JSON event per line, flushed at once, as plain
// objects or as one-row Tables; BOOKMARK events when asked for; the stream ends cleanly when timeoutSeconds elapses,
// when the watcher falls behind (the client resumes from its last resourceVersion) or when the server shuts down.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "apiserver/api_status.h"
#include "apiserver/storage/watcher.h"
#include "apiserver/table/table_column.h"
#include "http/asio.h"
#include "http/exchange.h"

namespace kthena::apiserver {

struct WatchStreamOptions {
  const std::vector<TableColumn>* table_columns = nullptr;  // set: events carry Tables
  bool bookmarks = false;
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds bookmark_interval{std::chrono::seconds(10)};
  std::string kind;         // of bookmark objects
  std::string api_version;  // of bookmark objects
};

// Reactor thread of `exchange` only. Returns when the stream ended or the client left.
http::asio::awaitable<void> stream_watch(http::Exchange& exchange, std::shared_ptr<Watcher> watcher,
                                         WatchStreamOptions options);

// A watch that cannot start (410 Gone for a compacted resourceVersion) is answered as a stream holding one ERROR
// event, which is what clients expect.
http::asio::awaitable<void> stream_watch_error(http::Exchange& exchange, ApiStatus status);

}  // namespace kthena::apiserver
