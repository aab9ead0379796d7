#include "http/client.h"

#include <algorithm>
#include <array>
#include <charconv>

#include <openssl/x509v3.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>

#include "http/client_connection.h"

namespace kthena::http {

// Literals appended as string views: append(const char*) is an out-of-line call that measures the literal
// with strlen on every request.
using namespace std::string_view_literals;
namespace {

constexpr size_t kBodyWindow = 64 * 1024;
constexpr size_t kReadChunk = 16 * 1024;
// A pooled connection idle for longer is checked for a close by the server before it is used.
constexpr std::chrono::milliseconds kLookAfterIdle{500};
// Room a chunked body needs behind its pinned head: the decoder holds a chunk-size or trailer line of up to 4 KiB
// whole before consuming it (parser.cpp, kMaxChunkLine).
constexpr size_t kChunkedRoom = 8 * 1024;

Result<void> io_error(ClientConnection& c, const error_code& ec, std::string_view what) {
  if (c.timed_out()) return fail(ErrorCode::kTimeout, std::string(what) + ": timed out");
  if (ec == asio::error::operation_aborted) return fail(ErrorCode::kIo, std::string(what) + ": cancelled");
  return fail(ErrorCode::kIo, std::string(what) + ": " + ec.message());
}

void serialize_request(ClientConnection& c, const Endpoint& endpoint, const ClientRequest& request) {
  std::string& out = c.out_;
  out.clear();
  out.append(request.method);
  out.push_back(' ');
  out.append(request.target.empty() ? std::string_view("/") : request.target);
  out.append(" HTTP/1.1\r\n"sv);
  bool has_host = false;
  for (const Header& h : request.headers) {
    if (is_framing_header(h.name)) continue;
    if (h.name.size() == 4 && iequals(h.name, "host")) has_host = true;
    out.append(h.name);
    out.append(": "sv);
    out.append(h.value);
    out.append("\r\n"sv);
  }
  if (!has_host) {
    out.append("Host: "sv);
    out.append(endpoint.authority());
    out.append("\r\n"sv);
  }
  std::string_view m = request.method;
  if (!request.body.empty() || m == "POST" || m == "PUT" || m == "PATCH") {
    out.append("Content-Length: "sv);
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof(buf), request.body.size());
    out.append(buf, r.ptr);
    out.append("\r\n"sv);
  }
  out.append("\r\n"sv);
}

// Reads from the connection into the room after the pinned head, which never moves it (read_buffer.h).
asio::awaitable<Result<void>> read_more(ClientConnection& c, std::chrono::milliseconds timeout) {
  asio::mutable_buffer space = c.buffer_.prepare(kReadChunk);
  if (space.size() == 0) co_return fail(ErrorCode::kInternal, "the response read buffer is full");
  c.arm(timeout);
  auto [ec, n] = co_await c.transport_.read_some(space);
  c.disarm();
  if (ec) co_return io_error(c, ec, "reading the response");
  c.buffer_.commit(n);
  co_return Result<void>{};
}

// Whether a request may be sent again after its connection broke with no answer: the server may have processed it
// already, so only when doing it twice is harmless (RFC 9110 §9.2.2), as Go's transport decides.
bool replayable(const ClientRequest& request) {
  std::string_view m = request.method;
  if (m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE") return true;
  for (const Header& h : request.headers) {
    if (iequals(h.name, "idempotency-key") || iequals(h.name, "x-idempotency-key")) return true;
  }
  return false;
}

}  // namespace

void ClientConnection::arm(std::chrono::milliseconds d) {
  if (d.count() <= 0) return;
  if (reactor_ != nullptr) {
    set_deadline(CoarseClock::now() + d);
    return;
  }
  timer_armed_ = true;
  timer_.expires_after(d);
  timer_.async_wait([weak = weak_from_this()](error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      self->timed_out_ = true;
      self->transport_.close();
    }
  });
}

void ClientConnection::disarm() {
  clear_deadline();
  if (timer_armed_) {
    timer_armed_ = false;
    timer_.cancel();
  }
}

// ---- ClientResponse ----

ClientResponse::ClientResponse(Client& client, std::shared_ptr<ClientConnection> connection)
    : client_(&client), connection_(std::move(connection)) {}

ClientResponse::ClientResponse(ClientResponse&& other) noexcept
    : client_(other.client_),
      connection_(std::move(other.connection_)),
      line_(std::move(other.line_)),
      pending_(other.pending_),
      ended_(other.ended_) {}

ClientResponse& ClientResponse::operator=(ClientResponse&& other) noexcept {
  if (this != &other) {
    release();
    client_ = other.client_;
    connection_ = std::move(other.connection_);
    line_ = std::move(other.line_);
    pending_ = other.pending_;
    ended_ = other.ended_;
  }
  return *this;
}

ClientResponse::~ClientResponse() {
  release();
}

void ClientResponse::release() {
  if (!connection_) return;
  ClientConnection& c = *connection_;
  if (c.body_done_ && c.reusable_ && c.transport_.is_open()) {
    client_->put_idle(std::move(connection_));
  } else {
    c.transport_.close();
    connection_.reset();
  }
}

void ClientResponse::abort() {
  if (!connection_) return;
  connection_->reusable_ = false;
  connection_->transport_.close();
  connection_.reset();
  ended_ = true;
}

int ClientResponse::status() const {
  return connection_ ? connection_->head_.status : 0;
}

const ResponseHead& ClientResponse::head() const {
  static const ResponseHead kEmpty;
  return connection_ ? connection_->head_ : kEmpty;
}

asio::awaitable<Result<std::optional<std::string_view>>> ClientResponse::read_some() {
  using Out = Result<std::optional<std::string_view>>;
  if (!connection_) co_return Out(std::nullopt);
  ClientConnection& c = *connection_;
  std::chrono::milliseconds timeout = client_->options_.read_timeout;
  for (;;) {
    if (c.body_done_) co_return Out(std::nullopt);
    switch (c.body_) {
      case BodyKind::kNone:
        c.body_done_ = true;
        co_return Out(std::nullopt);
      case BodyKind::kLength: {
        if (c.buffer_.empty()) {
          auto r = co_await read_more(c, timeout);
          if (!r) co_return tl::unexpected(r.error());
        }
        size_t take = static_cast<size_t>(std::min<uint64_t>(c.buffer_.size(), c.remaining_));
        std::string_view piece = c.buffer_.data().substr(0, take);
        c.buffer_.consume(take);
        c.remaining_ -= take;
        if (c.remaining_ == 0) c.body_done_ = true;
        co_return Out(piece);
      }
      case BodyKind::kUntilClose: {
        if (c.buffer_.empty()) {
          asio::mutable_buffer space = c.buffer_.prepare(kReadChunk);
          c.arm(timeout);
          auto [ec, n] = co_await c.transport_.read_some(space);
          c.disarm();
          if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
            c.body_done_ = true;
            c.reusable_ = false;
            co_return Out(std::nullopt);
          }
          if (ec) co_return tl::unexpected(io_error(c, ec, "reading the response").error());
          c.buffer_.commit(n);
        }
        std::string_view piece = c.buffer_.data();
        c.buffer_.consume(piece.size());
        co_return Out(piece);
      }
      case BodyKind::kChunked: {
        std::string error;
        size_t consumed = 0;
        std::string_view data;
        ChunkedDecoder::Step step = c.chunked_.next(c.buffer_.data(), consumed, data, error);
        c.buffer_.consume(consumed);
        if (step == ChunkedDecoder::Step::kData) co_return Out(data);
        if (step == ChunkedDecoder::Step::kDone) {
          c.body_done_ = true;
          co_return Out(std::nullopt);
        }
        if (step == ChunkedDecoder::Step::kError) {
          c.reusable_ = false;
          co_return fail(ErrorCode::kBadRequest, "malformed chunked response body: " + error);
        }
        auto r = co_await read_more(c, timeout);
        if (!r) co_return tl::unexpected(r.error());
        break;
      }
    }
  }
}

asio::awaitable<Result<std::optional<std::string_view>>> ClientResponse::read_line() {
  using Out = Result<std::optional<std::string_view>>;
  line_.clear();
  for (;;) {
    if (!pending_.empty()) {
      size_t nl = pending_.find('\n');
      if (nl != std::string_view::npos) {
        std::string_view line;
        if (line_.empty()) {
          line = pending_.substr(0, nl);  // the whole line sits in one piece: no copy
        } else {
          line_.append(pending_.substr(0, nl));
          line = line_;
        }
        pending_.remove_prefix(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        co_return Out(line);
      }
      line_.append(pending_);
      pending_ = {};
    }
    if (ended_) co_return Out(std::nullopt);
    auto piece = co_await read_some();
    if (!piece) co_return tl::unexpected(piece.error());
    if (!*piece) {
      ended_ = true;
      if (line_.empty()) co_return Out(std::nullopt);
      std::string_view line = line_;
      if (line.back() == '\r') line.remove_suffix(1);
      co_return Out(line);
    }
    pending_ = **piece;
  }
}

std::optional<std::string_view> ClientResponse::buffered_body() {
  if (!connection_ || !pending_.empty() || ended_) return std::nullopt;
  ClientConnection& c = *connection_;
  if (c.body_done_) return std::nullopt;
  if (c.body_ == BodyKind::kNone) {
    c.body_done_ = true;
    return std::string_view();
  }
  if (c.body_ != BodyKind::kLength || c.buffer_.size() < c.remaining_) return std::nullopt;
  std::string_view body = c.buffer_.data().substr(0, static_cast<size_t>(c.remaining_));
  c.buffer_.consume(body.size());
  c.remaining_ = 0;
  c.body_done_ = true;
  return body;
}

asio::awaitable<Result<std::string>> ClientResponse::read_all(size_t max_size) {
  std::string body(pending_);
  pending_ = {};
  if (connection_ && connection_->body_ == BodyKind::kLength) body.reserve(connection_->remaining_ + body.size());
  for (;;) {
    auto piece = co_await read_some();
    if (!piece) co_return tl::unexpected(piece.error());
    if (!*piece) break;
    if (body.size() + (*piece)->size() > max_size) {
      abort();
      co_return fail(ErrorCode::kTooLarge, "the response body exceeds " + std::to_string(max_size) + " bytes");
    }
    body.append(**piece);
  }
  co_return body;
}

std::string_view BufferedResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return {};
}

// ---- Client ----

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : executor_(std::move(executor)), options_(std::move(options)) {}

Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::create(Reactor& reactor, ClientOptions options) {
  auto client = create(reactor.executor(), std::move(options));
  if (client) (*client)->reactor_ = &reactor;
  return client;
}

Result<std::unique_ptr<Client>> Client::create(asio::any_io_executor executor, ClientOptions options) {
  std::unique_ptr<Client> client(new Client(std::move(executor), std::move(options)));
  auto tls = make_client_tls_context(client->options_.tls);
  if (!tls) return tl::unexpected(tls.error());
  client->tls_ = std::move(*tls);
  return client;
}

size_t Client::idle_connections() const {
  size_t n = 0;
  for (const auto& [key, list] : idle_) n += list.size();
  return n;
}

std::shared_ptr<ClientConnection> Client::take_idle(const Endpoint& endpoint) {
  auto it = idle_.find(std::string_view(endpoint.key()));
  if (it == idle_.end()) return nullptr;
  auto& list = it->second;
  CoarseClock::time_point now = CoarseClock::now();
  CoarseClock::time_point oldest = now - options_.idle_ttl;
  while (!list.empty()) {
    std::shared_ptr<ClientConnection> c = std::move(list.back());
    list.pop_back();
    // A connection idle for a while may have been closed by the server (engines close idle connections after a few
    // seconds: uvicorn after 5): look before using it, so that a request that cannot be repeated is not sent into a
    // closed connection. Under load connections come back within microseconds and this system call is skipped.
    bool fresh = now - c->last_used_ < kLookAfterIdle;
    if (c->last_used_ >= oldest && c->transport_.is_open() && (fresh || c->transport_.open_and_quiet())) return c;
    c->transport_.close();
  }
  return nullptr;
}

void Client::put_idle(std::shared_ptr<ClientConnection> connection) {
  if (connection->idle_list_ == nullptr) connection->idle_list_ = &idle_[connection->key_];
  auto& list = *connection->idle_list_;
  connection->last_used_ = CoarseClock::now();
  if (list.size() >= options_.max_idle_per_endpoint) {
    list.front()->transport_.close();
    list.erase(list.begin());
  }
  list.push_back(std::move(connection));
}

asio::awaitable<Result<std::shared_ptr<ClientConnection>>> Client::connect(const Endpoint& endpoint) {
  error_code ec;
  tcp::socket socket(executor_);
  auto timer_guard = std::make_shared<asio::steady_timer>(executor_);
  bool timed_out = false;
  if (options_.connect_timeout.count() > 0) {
    timer_guard->expires_after(options_.connect_timeout);
    timer_guard->async_wait(
        [&socket, &timed_out, alive = std::weak_ptr<asio::steady_timer>(timer_guard)](error_code e) {
          if (e || alive.expired()) return;
          timed_out = true;
          error_code ignored;
          socket.close(ignored);
        });
  }
  auto address = asio::ip::make_address(endpoint.host(), ec);
  std::string where = endpoint.key();
  if (!ec) {
    auto [cec] = co_await socket.async_connect(tcp::endpoint(address, endpoint.port()), kAwaitTuple);
    ec = cec;
  } else {
    tcp::resolver resolver(executor_);
    auto [rec, results] =
        co_await resolver.async_resolve(endpoint.host(), std::to_string(endpoint.port()), kAwaitTuple);
    if (rec) {
      timer_guard->cancel();
      co_return fail(ErrorCode::kUnavailable, "cannot resolve " + endpoint.host() + ": " + rec.message(), where);
    }
    auto [cec, ep] = co_await asio::async_connect(socket, results, kAwaitTuple);
    ec = cec;
  }
  if (ec) {
    timer_guard->cancel();
    if (timed_out) co_return fail(ErrorCode::kTimeout, "connect timed out", where);
    co_return fail(ErrorCode::kUnavailable, "cannot connect: " + ec.message(), where);
  }
  socket.set_option(tcp::no_delay(true), ec);
  size_t limit = options_.max_header_size + kBodyWindow;
  std::shared_ptr<ClientConnection> c;
  if (endpoint.tls()) {
    Transport transport(std::move(socket), *tls_);
    auto* stream = transport.tls();
    const std::string& name = options_.tls.server_name.empty() ? endpoint.host() : options_.tls.server_name;
    error_code aec;
    asio::ip::make_address(name, aec);
    if (aec) SSL_set_tlsext_host_name(stream->native_handle(), name.c_str());
    if (!options_.tls.insecure_skip_verify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(stream->native_handle());
      if (!aec) {
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      } else {
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
      }
    }
    c = std::make_shared<ClientConnection>(std::move(transport), endpoint.key(), limit, reactor_);
    // The socket now lives in the TLS stream: the handshake's timeout is the connection's own timer.
    timer_guard->cancel();
    c->arm(options_.connect_timeout);
    error_code hec = std::get<0>(co_await c->transport_.handshake(asio::ssl::stream_base::client));
    c->disarm();
    if (hec) {
      if (c->timed_out()) co_return fail(ErrorCode::kTimeout, "TLS handshake timed out", where);
      co_return fail(ErrorCode::kIo, "TLS handshake failed: " + hec.message(), where);
    }
  } else {
    timer_guard->cancel();
    c = std::make_shared<ClientConnection>(Transport(std::move(socket)), endpoint.key(), limit, reactor_);
  }
  ++opened_;
  co_return c;
}

asio::awaitable<Result<ClientResponse>> Client::send(const Endpoint& endpoint, const ClientRequest& request) {
  bool head_request = request.method == "HEAD";
  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<ClientConnection> c = attempt == 0 ? take_idle(endpoint) : nullptr;
    bool reused = c != nullptr;
    if (!c) {
      auto connected = co_await connect(endpoint);
      if (!connected) co_return tl::unexpected(connected.error());
      c = std::move(*connected);
    }
    c->timed_out_ = false;
    c->buffer_.unpin();
    serialize_request(*c, endpoint, request);
    std::string_view body = coalesce(c->out_, request.body);
    std::array<asio::const_buffer, 2> buffers{asio::buffer(c->out_), asio::buffer(body.data(), body.size())};
    c->arm(options_.response_timeout);
    // The socket almost always takes a request whole: written at once, it skips an asynchronous write (reactor
    // operation, completion, composed-write bookkeeping). The coroutine still yields before reading, as that write's
    // completion did: Asio tries the read on the socket at once, and after other connections' work the response is
    // usually there, where right away it would fail with EAGAIN (a wasted system call). Measured: 0.3-0.5 us less CPU
    // per proxied request (docs/benchmarks.md). The server side's response writes gained nothing from the same.
    size_t written = c->transport_.write_now(buffers);
    bool wrote_some = written > 0;
    error_code ec;
    bool yielded = written == asio::buffer_size(buffers);
    if (yielded) {
      co_await asio::post(executor_, asio::deferred);
    } else {
      for (asio::const_buffer& b : buffers) {
        size_t skip = std::min(written, b.size());
        b += skip;
        written -= skip;
      }
      auto [wec, n] = co_await c->transport_.write(buffers);
      ec = wec;
      wrote_some = wrote_some || n > 0;
    }
    if (ec) {
      c->disarm();
      c->transport_.close();
      // A pooled connection the server had closed: nothing of the request reached it (or only part of it, which no
      // server acts on unless the method is safe to repeat anyway). Send it again on a new connection.
      if (reused && !c->timed_out() && (!wrote_some || replayable(request))) continue;
      co_return tl::unexpected(io_error(*c, ec, "sending the request to " + endpoint.key()).error());
    }
    // Read the head (1xx interim responses are skipped).
    size_t scanned = 0;
    size_t head_size = 0;
    ParseError perr;
    bool received = !c->buffer_.empty();
    bool stale = false;
    for (;;) {
      if (!c->buffer_.empty()) {
        ParseStatus st = parse_response_head(c->buffer_.data(), options_.max_header_size, scanned, head_request,
                                             c->head_, head_size, perr);
        if (st == ParseStatus::kComplete) {
          if (c->head_.status >= 100 && c->head_.status < 200) {
            c->buffer_.consume(head_size);
            scanned = 0;
            continue;
          }
          // The body is read into the room behind the head, which is pinned from here on and cannot grow: a chunked
          // body needs room for a whole chunk-size line. Make it now and parse again over the moved bytes.
          size_t end = c->buffer_.begin_offset() + c->buffer_.size();
          if (c->head_.body != BodyKind::kChunked || c->buffer_.capacity() - end >= kChunkedRoom) break;
          c->buffer_.grow(std::max(c->buffer_.capacity(), c->buffer_.size() + kChunkedRoom));
          scanned = 0;
          continue;
        }
        if (st == ParseStatus::kError) {
          c->disarm();
          c->transport_.close();
          co_return fail(ErrorCode::kBadRequest, "malformed response from " + endpoint.key() + ": " + perr.message);
        }
      }
      asio::mutable_buffer space = c->buffer_.prepare(kReadChunk);
      if (space.size() == 0) {
        // The head has filled the buffer (nothing is pinned while it is read): grow, up to the head limit.
        if (c->buffer_.capacity() >= c->buffer_limit_) {
          c->disarm();
          c->transport_.close();
          co_return fail(ErrorCode::kBadRequest, "the response head from " + endpoint.key() + " exceeds " +
                                                     std::to_string(options_.max_header_size) + " bytes");
        }
        c->buffer_.grow(std::min(c->buffer_.capacity() * 2, c->buffer_limit_));
        scanned = 0;
        space = c->buffer_.prepare(kReadChunk);
      }
      if (yielded) {
        // After the yield the response is usually there: taken at once, without a read operation's own round
        // through the scheduler. When it is not, the asynchronous read waits for it.
        yielded = false;
        if (size_t got = c->transport_.read_now(space); got > 0) {
          received = true;
          c->buffer_.commit(got);
          continue;
        }
      }
      auto [rec, n] = co_await c->transport_.read_some(space);
      if (rec) {
        c->disarm();
        c->transport_.close();
        // A pooled connection that ends before any byte of an answer was most likely closed by the server while the
        // request was on its way. Only a request that is safe to repeat is sent again: the server may also have
        // taken it and died, and a generation must not run twice behind the caller's back (the caller's retry
        // policy decides).
        if (reused && !received && !c->timed_out() && rec != asio::error::operation_aborted && replayable(request)) {
          stale = true;
          break;
        }
        if (reused && !received && !c->timed_out() && rec != asio::error::operation_aborted) {
          co_return fail(ErrorCode::kIo,
                         "the pooled connection to " + endpoint.key() +
                             " closed before any answer (the request may have been processed): " + rec.message());
        }
        co_return tl::unexpected(io_error(*c, rec, "waiting for the response from " + endpoint.key()).error());
      }
      received = true;
      c->buffer_.commit(n);
    }
    if (stale) continue;  // the pooled connection was stale: a new one for a request safe to repeat
    c->disarm();
    c->buffer_.consume(head_size);
    c->buffer_.pin(c->buffer_.begin_offset());
    c->body_ = c->head_.body;
    c->remaining_ = c->head_.content_length;
    c->chunked_.reset();
    c->body_done_ = c->body_ == BodyKind::kNone;
    c->reusable_ = c->head_.keep_alive && c->body_ != BodyKind::kUntilClose;
    co_return ClientResponse(*this, std::move(c));
  }
}

asio::awaitable<Result<BufferedResponse>> Client::fetch(const Endpoint& endpoint, const ClientRequest& request,
                                                        size_t max_body) {
  auto response = co_await send(endpoint, request);
  if (!response) co_return tl::unexpected(response.error());
  BufferedResponse out;
  out.status = response->status();
  for (const Header& h : response->head().headers.all()) out.headers.emplace_back(h.name, h.value);
  auto body = co_await response->read_all(max_body);
  if (!body) co_return tl::unexpected(body.error());
  out.body = std::move(*body);
  co_return out;
}

}  // namespace kthena::http
