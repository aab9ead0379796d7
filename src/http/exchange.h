// One request and its response, as a server hands it to a handler. The head is parsed before the handler runs; the
// body is read when the handler asks for it, whole or in pieces; the response is written whole or streamed.
//
// Thread contract: an Exchange belongs to its connection's reactor thread; every method must be called there (the
// handler coroutine runs there). Views it returns point into connection buffers: they stay valid until the handler
// returns, except read_body_chunk()'s, which last until the next call.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/asio.h"
#include "http/header.h"
#include "http/message.h"

namespace kthena::http {

class ServerConnection;
class Reactor;

class Exchange {
 public:
  explicit Exchange(ServerConnection& connection) : connection_(connection) {}
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const RequestHead& request() const;
  std::string_view method() const { return request().method; }
  std::string_view path() const { return request().path(); }
  std::string_view header(std::string_view name) const { return request().headers.get(name); }
  // The peer's address as text ("127.0.0.1"), for logs and per-client limits.
  std::string_view remote_address() const;
  bool is_tls() const;
  Reactor& reactor() const;
  asio::any_io_executor executor() const;

  // The whole body (empty when there is none), read once and cached: a second call returns the same view. Errors:
  // kTooLarge past the server's body limit, kBadRequest for a malformed chunked body, kIo when the client goes away.
  // After an error, return from the handler without responding: the server answers 413 or 400 and closes.
  asio::awaitable<Result<std::string_view>> read_body();
  // The whole body without suspending, when it arrived with the head (the common case for small requests); nullopt
  // otherwise, and then read_body() reads it. A request handler's fast path: it saves read_body()'s coroutine.
  std::optional<std::string_view> buffered_body();
  // The next piece of the body as it arrives, or nullopt at its end. Do not mix with read_body().
  asio::awaitable<Result<std::optional<std::string_view>>> read_body_chunk();

  // A complete response with Content-Length. The server adds Date, Content-Length and Connection; any Content-Length,
  // Transfer-Encoding, Connection or Keep-Alive among `headers` is dropped (the server owns the framing).
  asio::awaitable<Result<void>> respond(int status, std::span<const Header> headers, std::string_view body);
  asio::awaitable<Result<void>> respond(int status, std::string_view content_type, std::string_view body);

  // A streamed response: chunked on HTTP/1.1, close-delimited on HTTP/1.0. Each write() goes out at once (one chunk,
  // one system call), which is what SSE needs; a write completes when the kernel took the bytes, so a slow client
  // slows the writer (backpressure) instead of growing a queue.
  asio::awaitable<Result<void>> begin_stream(int status, std::span<const Header> headers);
  asio::awaitable<Result<void>> write(std::string_view data);
  // Two pieces in one chunk and one system call (e.g. "data: " + payload + "\n\n" without concatenating).
  asio::awaitable<Result<void>> write(std::string_view a, std::string_view b, std::string_view c = {});
  asio::awaitable<Result<void>> end_stream();

  bool responded() const;       // a response was started (whole or streamed)
  int response_status() const;  // its status; 0 before one is started
  // Asks the server to close the connection after this response.
  void close_after_response();

  // Runs `work` until it finishes or the client disconnects, whichever comes first; on a disconnect `work` is
  // cancelled (the operation it awaits completes with an error) and this returns false. The request body must have
  // been read completely first. Costs one extra read registration, so it is opt-in, for long requests (proxying,
  // generation) whose work should stop when nobody waits for the answer.
  asio::awaitable<bool> until_disconnect(asio::awaitable<void> work);
  // Drops the client from the server's side, on this exchange's reactor, while until_disconnect() runs: the socket is
  // closed and the work cancelled as if the client had left. For a stream whose client stopped reading: its write
  // would otherwise hold the stream's buffers until the I/O timeout.
  void abort();

 private:
  ServerConnection& connection_;
};

// A request handler: a coroutine on the connection's reactor. It should respond (or fail a body read) before it
// returns; if it does not, the server answers 500. It must not throw; if it does, the server logs, answers 500 if it
// still can, and closes the connection.
using Handler = std::function<asio::awaitable<void>(Exchange&)>;

}  // namespace kthena::http
