// An HTTP/1.1 server on a ReactorPool. Each reactor accepts on its own SO_REUSEPORT socket (or one reactor accepts,
// for the simulator's hundreds of listeners), and a connection lives on the reactor that accepted it. Limits answer
// 431 (head too large), 413 (body too large), 400 (malformed), 501/505, 503 (the server's buffer budget is spent);
// slow or idle clients are closed by deadline. What it refuses on its own is counted (Server::stats()).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/exchange.h"
#include "http/reactor.h"
#include "http/tls.h"

namespace kthena::http {

// The body of an error the server answers on its own, before or instead of the handler.
struct ErrorBody {
  std::string content_type;
  std::string body;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: the kernel picks one; Server::port() reports it
  // Accept on every reactor with SO_REUSEPORT (throughput), or on one reactor that then serves every connection of
  // this server (many small listeners, each engine's state kept on one thread). reactor_index < 0: round robin.
  enum class Accept { kEveryReactor, kOneReactor };
  Accept accept = Accept::kEveryReactor;
  int reactor_index = -1;
  int backlog = 4096;

  size_t max_header_size = 64 * 1024;
  uint64_t max_body_size = 8 * 1024 * 1024;
  // From the first byte of a request to the end of its head: a slowloris client is cut off here.
  std::chrono::milliseconds header_timeout{10000};
  // Keep-alive connection waiting for its next request.
  std::chrono::milliseconds idle_timeout{75000};
  // From the end of a request's head to the end of its body: a client trickling its body a byte at a time is cut off
  // here (io_timeout alone would let it hold the connection and its buffer for as long as it keeps trickling).
  std::chrono::milliseconds body_timeout{60000};
  // No progress while reading a body or writing a response (the handler's own time is not limited).
  std::chrono::milliseconds io_timeout{60000};
  // Bytes that all connections of this server together may hold for requests beyond each connection's first read
  // buffer (ReadBuffer::kInitialCapacity): read buffers grown for large heads, and bodies. 0: unlimited. A request
  // that would need more is answered 503 and its connection closed; other requests go on.
  size_t max_buffered_bytes = 0;
  size_t max_requests_per_connection = 0;  // 0: unlimited
  size_t max_connections = 0;              // 0: unlimited; beyond it new connections are closed at once
  size_t max_connections_per_client = 0;   // per remote IP; 0: unlimited
  std::optional<TlsServerOptions> tls;
  // Shapes the bodies of the errors the server answers itself (400 malformed request or body, 413, 431, 501, 505,
  // and 500 when the handler did not respond), for owners whose API has an error format (the router's OpenAI error
  // objects). `message` says what was wrong. Unset: text/plain, the message and a newline. Called on the connection's
  // reactor thread; must not throw.
  std::function<ErrorBody(int status, std::string_view message)> error_body;
};

// What a server refused or cut off on its own, counted since it started.
struct ServerStats {
  uint64_t connections_refused = 0;  // over max_connections or max_connections_per_client: closed at once
  uint64_t malformed = 0;            // a head or body that does not parse: 400, 501, 505
  uint64_t head_too_large = 0;       // 431
  uint64_t body_too_large = 0;       // 413
  uint64_t over_buffer_budget = 0;   // 503: max_buffered_bytes spent
  uint64_t header_timeouts = 0;      // head not complete within header_timeout
  uint64_t body_timeouts = 0;        // body not complete within body_timeout
  uint64_t io_timeouts = 0;          // no progress within io_timeout reading a body or writing a response
};

struct ServerState;

class Server {
 public:
  // Binds and starts accepting. Fails with kIo naming the address when the port is taken or the address invalid.
  static Result<std::unique_ptr<Server>> start(ReactorPool& pool, ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  const std::string& address() const;
  // Connections open now (all reactors). Any thread.
  size_t connections() const;
  // Bytes held now against max_buffered_bytes. Any thread.
  size_t buffered_bytes() const;
  // Any thread.
  ServerStats stats() const;

  // Stops accepting, closes idle connections, lets in-flight requests finish (their responses say Connection: close)
  // for up to `grace`, then closes what is left. Blocks until every connection ended; idempotent. Any thread except
  // the pool's reactor threads.
  void shutdown(std::chrono::milliseconds grace);

 private:
  explicit Server(std::shared_ptr<ServerState> state) : state_(std::move(state)) {}
  std::shared_ptr<ServerState> state_;
};

}  // namespace kthena::http
