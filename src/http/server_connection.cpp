// The request loop of a connection: reading heads, running the handler, deadlines, and the errors the server answers
// on its own. Bodies, responses and the disconnect watch are in server_request_body.cpp, server_response.cpp and
// server_disconnect_watch.cpp.
#include "http/server_connection.h"

#include <spdlog/spdlog.h>

#include "http/server_state.h"

namespace kthena::http {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kBodyWindow = 64 * 1024;
// Body storage an idle connection may keep for its next request while the buffer budget is not under pressure.
constexpr size_t kKeptWhileIdle = 1024 * 1024;
// Room a chunked body needs behind its pinned head: the decoder holds a chunk-size or trailer line of up to 4 KiB
// whole before consuming it (parser.cpp, kMaxChunkLine).
constexpr size_t kChunkedRoom = 8 * 1024;

}  // namespace

ServerConnection::ServerConnection(std::shared_ptr<ServerState> state, ServerShard& shard, Transport transport,
                                   std::string remote_address)
    : state_(std::move(state)),
      shard_(shard),
      reactor_(*shard.reactor),
      transport_(std::move(transport)),
      remote_address_(std::move(remote_address)),
      buffer_limit_(state_->options.max_header_size + kBodyWindow) {
  reactor_.watch(*this);
  shard_.connections.push_back(*this);
}

ServerConnection::~ServerConnection() {
  uncharge(charged_);
  state_->connection_ended(remote_address_);
}

asio::awaitable<void> ServerConnection::run(std::unique_ptr<ServerConnection> self) {
  try {
    co_await self->serve();
    if (self->transport_.is_open()) co_await self->linger();
  } catch (const std::exception& e) {
    spdlog::error("http: connection from {}: {}", self->remote_address_, e.what());
  }
  self->transport_.close();
}

// Closing a socket with unread input makes the kernel send a reset, which can destroy the response still in flight
// (a 413 answered before the body was read). Half-close, then read and drop what the client still sends, briefly.
asio::awaitable<void> ServerConnection::linger() {
  error_code ec;
  transport_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  arm(Timeout::kIdle, CoarseClock::now() + std::chrono::seconds(1));
  char sink[4096];
  for (size_t total = 0; total < 256 * 1024;) {
    auto [rec, n] = co_await transport_.socket().async_read_some(asio::buffer(sink), kAwaitTuple);
    if (rec) break;
    total += n;
  }
}

void ServerConnection::on_deadline() {
  ServerCounters& c = state_->counters;
  switch (timeout_) {
    case Timeout::kIdle:
      break;  // an idle keep-alive connection, or the linger after a response: not a refusal
    case Timeout::kHeader:
      ServerCounters::bump(c.header_timeouts);
      break;
    case Timeout::kBody:
      ServerCounters::bump(c.body_timeouts);
      break;
    case Timeout::kIo:
      ServerCounters::bump(c.io_timeouts);
      break;
  }
  closing_ = true;
  transport_.close();
}

void ServerConnection::drain() {
  draining_ = true;
  if (idle_) transport_.close();
}

void ServerConnection::io_deadline() {
  arm(Timeout::kIo, CoarseClock::now() + state_->options.io_timeout);
}

bool ServerConnection::charge(size_t n) {
  if (n == 0) return true;
  if (!state_->budget.try_charge(n)) return false;
  charged_ += n;
  return true;
}

void ServerConnection::uncharge(size_t n) {
  if (n == 0) return;
  state_->budget.release(n);
  charged_ -= n;
}

asio::awaitable<void> ServerConnection::serve() {
  const ServerOptions& options = state_->options;
  if (transport_.is_tls()) {
    arm(Timeout::kHeader, CoarseClock::now() + options.header_timeout);
    error_code ec = std::get<0>(co_await transport_.handshake(asio::ssl::stream_base::server));
    if (ec) co_return;
  }
  for (;;) {
    size_t head_size = 0;
    if (!co_await read_head(head_size)) co_return;
    begin_request(head_size);
    if (head_.body == BodyKind::kLength && head_.content_length > options.max_body_size) {
      std::string message = "the request body of " + std::to_string(head_.content_length) +
                            " bytes exceeds the limit of " + std::to_string(options.max_body_size);
      co_await send_error(413, message);
      co_return;
    }
    bool threw = false;
    try {
      co_await state_->handler(exchange_);
    } catch (const boost::system::system_error& e) {
      // Cancelled by a forced shutdown: expected, not worth an error line.
      auto level = e.code() == asio::error::operation_aborted ? spdlog::level::debug : spdlog::level::err;
      spdlog::log(level, "http: handler for {} {} threw: {}", head_.method, head_.path(), e.what());
      threw = true;
    } catch (const std::exception& e) {
      spdlog::error("http: handler for {} {} threw: {}", head_.method, head_.path(), e.what());
      threw = true;
    }
    if (!transport_.is_open()) co_return;
    if (response_state_ == ResponseState::kNone) {
      keep_alive_ = false;
      if (body_error_status_ != 0) {
        co_await send_error(body_error_status_, body_error_);
      } else {
        co_await send_error(500, threw ? "the handler failed" : "the handler did not respond");
      }
      co_return;
    }
    // A stream the handler left open is closed, so that the client sees a truncated response and not a complete one.
    if (response_state_ == ResponseState::kStreaming || threw || !keep_alive_) co_return;
    end_request();
  }
}

bool ServerConnection::grow_for_head(int& refusal) {
  size_t capacity = buffer_.capacity();
  if (capacity >= buffer_limit_) {
    refusal = 431;
    return false;
  }
  size_t grown = std::min(capacity * 2, buffer_limit_);
  if (!charge(grown - capacity)) {
    refusal = 503;
    return false;
  }
  buffer_.grow(grown);
  return true;
}

asio::awaitable<bool> ServerConnection::read_head(size_t& head_size) {
  const ServerOptions& options = state_->options;
  size_t scanned = 0;
  ParseError error;
  idle_ = buffer_.empty();
  if (idle_) {
    arm(Timeout::kIdle, CoarseClock::now() + options.idle_timeout);
  } else {
    arm(Timeout::kHeader, CoarseClock::now() + options.header_timeout);
  }
  bool try_now = true;
  for (;;) {
    if (!buffer_.empty()) {
      ParseStatus st = parse_request_head(buffer_.data(), options.max_header_size, scanned, head_, head_size, error);
      if (st == ParseStatus::kError) {
        co_await send_error(error.status, error.message);
        co_return false;
      }
      if (st == ParseStatus::kComplete) {
        // A chunked body is decoded from the room behind the head, which is pinned while the handler runs and then
        // cannot grow: make the room now, while nothing is pinned, and parse again over the moved bytes.
        size_t end = buffer_.begin_offset() + buffer_.size();
        if (head_.body != BodyKind::kChunked || buffer_.capacity() - end >= kChunkedRoom) co_return true;
        scanned = 0;
        int refusal = 0;
        if (buffer_.begin_offset() > 0) {
          buffer_.grow(buffer_.capacity());  // moves the unconsumed bytes to the front
        } else if (!grow_for_head(refusal)) {
          if (refusal == 503) {
            co_await send_error(503, "the server holds too many request bytes; retry later");
            co_return false;
          }
          co_return true;  // at its limit the buffer still has 64 KiB behind the largest head
        }
        continue;
      }
    }
    if (draining_ && idle_) co_return false;
    asio::mutable_buffer space = buffer_.prepare(kReadChunk);
    if (space.size() == 0) {
      int refusal = 0;
      if (!grow_for_head(refusal)) {
        co_await send_error(refusal, refusal == 431 ? "the request head is too large"
                                                    : "the server holds too many request bytes; retry later");
        co_return false;
      }
      scanned = 0;  // the head moved
      space = buffer_.prepare(kReadChunk);
    }
    // The next request is usually there by now (the write of the last response went through the scheduler, behind
    // other connections' work): taken at once, without a read operation's own round through the scheduler.
    size_t n = try_now ? transport_.read_now(space) : 0;
    try_now = false;
    if (n == 0) {
      // Going idle (nothing of the next request is here): give back what a large body took, when it is very large
      // or the budget is under pressure; otherwise keep it for the connection's next body (a client sending one
      // 220 KB prompt after another, over one connection, would otherwise pay a fresh allocation each time: 30 us
      // of CPU a request, measured).
      if (idle_ && body_storage_.capacity() > kBodyWindow &&
          (body_storage_.capacity() > kKeptWhileIdle || state_->budget.under_pressure())) {
        release_body_storage();
      }
      auto [ec, got] = co_await transport_.read_some(space);
      if (ec) co_return false;
      n = got;
    }
    buffer_.commit(n);
    if (idle_) {
      idle_ = false;
      arm(Timeout::kHeader, CoarseClock::now() + options.header_timeout);
    }
  }
}

void ServerConnection::begin_request(size_t head_size) {
  // Pin before consuming: consuming everything would otherwise rewind the buffer, and the next read (a body arriving
  // after its head, the disconnect watch) would overwrite the head that the handler's views point into.
  buffer_.pin(buffer_.begin_offset() + head_size);
  buffer_.consume(head_size);
  clear_deadline();
  ++requests_;
  size_t max_requests = state_->options.max_requests_per_connection;
  keep_alive_ = head_.keep_alive && !draining_ && (max_requests == 0 || requests_ < max_requests);
  body_state_ = head_.body == BodyKind::kNone ? BodyState::kDone : BodyState::kPending;
  body_remaining_ = head_.body == BodyKind::kLength ? head_.content_length : 0;
  body_deadline_ = body_state_ == BodyState::kDone ? CoarseClock::time_point::max()
                                                   : CoarseClock::now() + state_->options.body_timeout;
  chunked_.reset();
  body_view_ = {};
  body_storage_.clear();
  continue_sent_ = false;
  body_error_status_ = 0;
  body_error_.clear();
  response_state_ = ResponseState::kNone;
  response_status_ = 0;
  response_framing_ = Framing::kLength;
}

void ServerConnection::end_request() {
  buffer_.unpin();
  // A read buffer grown for a large head goes back to the budget at once (large heads are rare). Body storage stays
  // for the next request, and goes back when the connection goes idle holding more than 1 MiB of it, or while the
  // budget is more than half spent (read_head).
  if (buffer_.capacity() > ReadBuffer::kInitialCapacity && buffer_.size() <= ReadBuffer::kInitialCapacity) {
    size_t grown = buffer_.capacity() - ReadBuffer::kInitialCapacity;
    buffer_.grow(ReadBuffer::kInitialCapacity);
    uncharge(grown);
  }
}

asio::awaitable<void> ServerConnection::send_error(int status, std::string_view message) {
  keep_alive_ = false;
  if (response_state_ != ResponseState::kNone || !transport_.is_open()) co_return;
  if (std::atomic<uint64_t>* counter = state_->counters.for_status(status)) ServerCounters::bump(*counter);
  ErrorBody shaped;
  if (state_->options.error_body) {
    shaped = state_->options.error_body(status, message);
  } else {
    shaped.content_type = "text/plain; charset=utf-8";
    shaped.body.assign(message);
    shaped.body.push_back('\n');
  }
  Header headers[] = {{"Content-Type", shaped.content_type}, {"Retry-After", "1"}};
  // The head may never have been parsed (a malformed request): answer as HTTP/1.1.
  head_.method = {};
  head_.version_minor = 1;
  // Retry-After only where waiting helps: the budget frees up as other requests end.
  co_await respond(status, std::span<const Header>(headers, status == 503 ? 2 : 1), shaped.body);
}

}  // namespace kthena::http
