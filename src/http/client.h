// HTTP/1.1 client with a keep-alive connection pool per endpoint. One Client per reactor (or per executor): it is not
// thread-safe, and needs no locks because of that. Responses are streamed: the head arrives first, then the body is
// read in pieces or line by line (SSE), and the connection returns to the pool when the body was read to its end.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "http/asio.h"
#include "http/endpoint.h"
#include "http/header.h"
#include "http/message.h"
#include "http/reactor.h"
#include "http/tls.h"

namespace boost::asio::ssl {
class context;
}

namespace kthena::http {

class ClientConnection;
class Client;

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  // From sending the request to the end of the response head; 0: none (an LLM may think for a long time).
  std::chrono::milliseconds response_timeout{0};
  // Longest wait for each further piece of the body; 0: none.
  std::chrono::milliseconds read_timeout{0};
  size_t max_idle_per_endpoint = 64;
  std::chrono::milliseconds idle_ttl{60000};  // pooled connections older than this are not reused
  size_t max_header_size = 64 * 1024;
  TlsClientOptions tls;  // used for https endpoints
};

struct ClientRequest {
  std::string_view method = "GET";
  std::string_view target = "/";
  // Sent as given, except Content-Length, Transfer-Encoding, Connection and Keep-Alive (the client frames the
  // message). Host is added from the endpoint unless present.
  std::span<const Header> headers;
  std::string_view body;
};

// A response whose body is still on the wire. Move-only. Thread contract: the Client's thread only; the Client must
// outlive it. Views returned by read_some()/read_line() last until the next read.
class ClientResponse {
 public:
  ClientResponse(ClientResponse&&) noexcept;
  ClientResponse& operator=(ClientResponse&&) noexcept;
  ~ClientResponse();

  int status() const;
  const ResponseHead& head() const;
  std::string_view header(std::string_view name) const { return head().headers.get(name); }

  // The next piece of the body as it arrives (chunk framing removed), or nullopt at its end.
  asio::awaitable<Result<std::optional<std::string_view>>> read_some();
  // The next line without its "\n" or "\r\n" (the last line may lack one), or nullopt at the end of the body.
  asio::awaitable<Result<std::optional<std::string_view>>> read_line();
  // The rest of the body; kTooLarge past `max_size` bytes.
  asio::awaitable<Result<std::string>> read_all(size_t max_size = 64 * 1024 * 1024);
  // The whole body without suspending or copying, when it arrived with the head and nothing of it was read yet
  // (a Content-Length body, or none); nullopt otherwise. The view lasts as long as this response.
  std::optional<std::string_view> buffered_body();
  // Drops the connection now (the body is abandoned).
  void abort();

 private:
  friend class Client;
  ClientResponse(Client& client, std::shared_ptr<ClientConnection> connection);
  void release();

  Client* client_ = nullptr;
  std::shared_ptr<ClientConnection> connection_;
  std::string line_;          // a line that spans body pieces
  std::string_view pending_;  // the unread rest of the last piece
  bool ended_ = false;
};

// A response read to its end, owning its bytes.
struct BufferedResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string_view header(std::string_view name) const;
};

class Client {
 public:
  static Result<std::unique_ptr<Client>> create(asio::any_io_executor executor, ClientOptions options = {});
  // A client on a reactor's thread: its timeouts are deadlines the reactor sweeps (docs/http.md), a store per
  // operation instead of a timer, at the sweep interval's precision.
  static Result<std::unique_ptr<Client>> create(Reactor& reactor, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends the request and returns once the response head arrived. When a pooled connection turns out to have been
  // closed by the server (the write fails, or the connection ends before any response byte), the request is sent
  // once more on a new connection, as browsers and Go's transport do, but only when no byte of it was sent or it is
  // safe to repeat (GET, HEAD, OPTIONS, TRACE, or an Idempotency-Key header): the server may have taken a POST and
  // died, and running it twice is the caller's decision. Errors: kUnavailable (the endpoint refused the connection
  // or cannot be reached or resolved: nothing was sent), kTimeout (connect, or the response head within
  // response_timeout), kIo (the connection broke after the request was sent, or cancelled), kBadRequest (malformed
  // response).
  asio::awaitable<Result<ClientResponse>> send(const Endpoint& endpoint, const ClientRequest& request);
  // send() and read_all().
  asio::awaitable<Result<BufferedResponse>> fetch(const Endpoint& endpoint, const ClientRequest& request,
                                                  size_t max_body = 64 * 1024 * 1024);

  size_t idle_connections() const;
  size_t connections_opened() const { return opened_; }
  const ClientOptions& options() const { return options_; }
  asio::any_io_executor executor() const { return executor_; }

 private:
  friend class ClientResponse;
  Client(asio::any_io_executor executor, ClientOptions options);
  std::shared_ptr<ClientConnection> take_idle(const Endpoint& endpoint);
  asio::awaitable<Result<std::shared_ptr<ClientConnection>>> connect(const Endpoint& endpoint);
  void put_idle(std::shared_ptr<ClientConnection> connection);

  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  asio::any_io_executor executor_;
  Reactor* reactor_ = nullptr;
  ClientOptions options_;
  std::shared_ptr<asio::ssl::context> tls_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<ClientConnection>>, KeyHash, std::equal_to<>> idle_;
  size_t opened_ = 0;
};

}  // namespace kthena::http
