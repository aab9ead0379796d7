#include "http/server_connection.h"

#include <array>
#include <charconv>

#include <spdlog/spdlog.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/this_coro.hpp>

#include "http/server_state.h"

namespace kthena::http {

// Literals appended as string views: append(const char*) is an out-of-line call that measures the literal
// with strlen on every request.
using namespace std::string_view_literals;
namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kBodyWindow = 64 * 1024;

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

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
  set_deadline(CoarseClock::now() + std::chrono::seconds(1));
  char sink[4096];
  for (size_t total = 0; total < 256 * 1024;) {
    auto [rec, n] = co_await transport_.socket().async_read_some(asio::buffer(sink), kAwaitTuple);
    if (rec) break;
    total += n;
  }
}

void ServerConnection::on_deadline() {
  closing_ = true;
  transport_.close();
}

void ServerConnection::drain() {
  draining_ = true;
  if (idle_) transport_.close();
}

void ServerConnection::io_deadline() {
  set_deadline(CoarseClock::now() + state_->options.io_timeout);
}

asio::awaitable<void> ServerConnection::serve() {
  const ServerOptions& options = state_->options;
  if (transport_.is_tls()) {
    set_deadline(CoarseClock::now() + options.header_timeout);
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

asio::awaitable<bool> ServerConnection::read_head(size_t& head_size) {
  const ServerOptions& options = state_->options;
  size_t scanned = 0;
  ParseError error;
  idle_ = buffer_.empty();
  set_deadline(CoarseClock::now() + (idle_ ? options.idle_timeout : options.header_timeout));
  bool try_now = true;
  for (;;) {
    if (!buffer_.empty()) {
      ParseStatus st = parse_request_head(buffer_.data(), options.max_header_size, scanned, head_, head_size, error);
      if (st == ParseStatus::kComplete) co_return true;
      if (st == ParseStatus::kError) {
        co_await send_error(error.status, error.message);
        co_return false;
      }
    }
    if (draining_ && idle_) co_return false;
    asio::mutable_buffer space = buffer_.prepare(kReadChunk, buffer_limit_);
    if (space.size() == 0) {
      co_await send_error(431, "the request head is too large");
      co_return false;
    }
    // The next request is usually there by now (the write of the last response went through the scheduler, behind
    // other connections' work): taken at once, without a read operation's own round through the scheduler.
    size_t n = try_now ? transport_.read_now(space) : 0;
    try_now = false;
    if (n == 0) {
      auto [ec, got] = co_await transport_.read_some(space);
      if (ec) co_return false;
      n = got;
    }
    buffer_.commit(n);
    if (idle_) {
      idle_ = false;
      set_deadline(CoarseClock::now() + options.header_timeout);
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
  chunked_.reset();
  body_view_ = {};
  body_storage_.clear();
  continue_sent_ = false;
  body_error_status_ = 0;
  body_error_.clear();
  response_state_ = ResponseState::kNone;
  response_chunked_ = false;
}

void ServerConnection::end_request() {
  buffer_.unpin();
  if (body_storage_.capacity() > kBodyWindow * 4) std::string().swap(body_storage_);
}

// ---- request body ----

Result<void> ServerConnection::body_failed(int status, std::string message) {
  body_state_ = BodyState::kFailed;
  body_error_status_ = status;
  body_error_ = std::move(message);
  keep_alive_ = false;
  return fail(status == 413   ? ErrorCode::kTooLarge
              : status == 400 ? ErrorCode::kBadRequest
                              : ErrorCode::kIo,
              body_error_, "body");
}

asio::awaitable<Result<void>> ServerConnection::send_continue_if_expected() {
  if (!head_.expect_continue || continue_sent_ || response_state_ != ResponseState::kNone) co_return Result<void>{};
  continue_sent_ = true;
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  io_deadline();
  error_code ec = std::get<0>(co_await transport_.write(asio::buffer(kContinue.data(), kContinue.size())));
  clear_deadline();
  if (ec) co_return write_failed(ec);
  co_return Result<void>{};
}

// Reads more bytes after the pinned region. Growth of the buffer moves the head: rebase its views.
asio::awaitable<Result<size_t>> ServerConnection::read_more(size_t want) {
  const char* old_base = buffer_.base();
  asio::mutable_buffer space = buffer_.prepare(want, buffer_limit_);
  if (buffer_.base() != old_base) {
    const char* nb = buffer_.base();
    auto move = [&](std::string_view v) { return std::string_view(nb + (v.data() - old_base), v.size()); };
    head_.method = move(head_.method);
    head_.target = move(head_.target);
    head_.headers.rebase(old_base, nb);
  }
  if (space.size() == 0) co_return fail(ErrorCode::kInternal, "read buffer full");
  io_deadline();
  auto [ec, n] = co_await transport_.read_some(space);
  clear_deadline();
  if (ec) co_return fail(ErrorCode::kIo, "the client closed the connection while sending the body: " + ec.message());
  buffer_.commit(n);
  co_return n;
}

// The body stays in the read buffer, pinned behind the head, so that the handler's views into both stay valid.
void ServerConnection::take_length_body(size_t n) {
  body_view_ = buffer_.data().substr(0, n);
  buffer_.consume(n);
  buffer_.pin(buffer_.begin_offset());
  body_state_ = BodyState::kDone;
}

std::optional<std::string_view> ServerConnection::buffered_body() {
  if (body_state_ == BodyState::kDone) return body_view_;
  if (body_state_ != BodyState::kPending || head_.body != BodyKind::kLength) return std::nullopt;
  if (head_.expect_continue && !continue_sent_) return std::nullopt;
  size_t n = static_cast<size_t>(head_.content_length);
  if (buffer_.size() < n || buffer_.pinned() + n > buffer_limit_) return std::nullopt;
  take_length_body(n);
  return body_view_;
}

asio::awaitable<Result<std::string_view>> ServerConnection::read_body() {
  if (body_state_ == BodyState::kDone) co_return body_view_;
  if (body_state_ == BodyState::kFailed) co_return fail(ErrorCode::kBadRequest, body_error_, "body");
  if (body_state_ == BodyState::kStreaming) {
    co_return fail(ErrorCode::kInternal, "read_body() after read_body_chunk()", "body");
  }
  if (head_.expect_continue && !continue_sent_) {
    if (auto r = co_await send_continue_if_expected(); !r) co_return tl::unexpected(r.error());
  }
  const uint64_t max_body = state_->options.max_body_size;
  if (head_.body == BodyKind::kLength) {
    size_t n = static_cast<size_t>(head_.content_length);
    if (buffer_.pinned() + n <= buffer_limit_) {
      while (buffer_.size() < n) {
        auto r = co_await read_more(n - buffer_.size());
        if (!r) co_return tl::unexpected(body_failed(400, r.error().message).error());
      }
      take_length_body(n);
      co_return body_view_;
    } else {
      body_storage_.assign(buffer_.data().substr(0, std::min(n, buffer_.size())));
      buffer_.consume(body_storage_.size());
      size_t have = body_storage_.size();
      body_storage_.resize(n);
      while (have < n) {
        io_deadline();
        auto [ec, got] = co_await transport_.read_some(asio::buffer(body_storage_.data() + have, n - have));
        clear_deadline();
        if (ec) co_return tl::unexpected(body_failed(400, "the client closed the connection mid-body").error());
        have += got;
      }
      body_view_ = body_storage_;
    }
    body_state_ = BodyState::kDone;
    co_return body_view_;
  }
  // Chunked: decode into body_storage_.
  std::string error;
  for (;;) {
    size_t consumed = 0;
    std::string_view data;
    ChunkedDecoder::Step step = chunked_.next(buffer_.data(), consumed, data, error);
    if (step == ChunkedDecoder::Step::kData) {
      if (body_storage_.size() + data.size() > max_body) {
        co_return tl::unexpected(
            body_failed(413, "the request body exceeds the limit of " + std::to_string(max_body) + " bytes").error());
      }
      body_storage_.append(data);
    }
    buffer_.consume(consumed);
    if (step == ChunkedDecoder::Step::kDone) break;
    if (step == ChunkedDecoder::Step::kError) {
      co_return tl::unexpected(body_failed(400, "malformed chunked body: " + error).error());
    }
    if (step == ChunkedDecoder::Step::kNeedMore) {
      auto r = co_await read_more(kReadChunk);
      if (!r) co_return tl::unexpected(body_failed(400, r.error().message).error());
    }
  }
  body_view_ = body_storage_;
  body_state_ = BodyState::kDone;
  co_return body_view_;
}

asio::awaitable<Result<std::optional<std::string_view>>> ServerConnection::read_body_chunk() {
  using Out = Result<std::optional<std::string_view>>;
  if (body_state_ == BodyState::kDone) {
    if (!body_view_.empty()) co_return fail(ErrorCode::kInternal, "read_body_chunk() after read_body()", "body");
    co_return Out(std::nullopt);
  }
  if (body_state_ == BodyState::kFailed) co_return fail(ErrorCode::kBadRequest, body_error_, "body");
  if (body_state_ == BodyState::kPending) {
    if (head_.expect_continue && !continue_sent_) {
      if (auto r = co_await send_continue_if_expected(); !r) co_return tl::unexpected(r.error());
    }
    body_state_ = BodyState::kStreaming;
  }
  if (head_.body == BodyKind::kLength) {
    if (buffer_.empty()) {
      auto r = co_await read_more(kReadChunk);
      if (!r) co_return tl::unexpected(body_failed(400, r.error().message).error());
    }
    size_t take = static_cast<size_t>(std::min<uint64_t>(buffer_.size(), body_remaining_));
    std::string_view piece = buffer_.data().substr(0, take);
    buffer_.consume(take);
    body_remaining_ -= take;
    if (body_remaining_ == 0) body_state_ = BodyState::kDone;
    co_return Out(piece);
  }
  std::string error;
  for (;;) {
    size_t consumed = 0;
    std::string_view data;
    ChunkedDecoder::Step step = chunked_.next(buffer_.data(), consumed, data, error);
    buffer_.consume(consumed);
    switch (step) {
      case ChunkedDecoder::Step::kData:
        body_remaining_ += data.size();  // counts bytes seen, for the body limit
        if (body_remaining_ > state_->options.max_body_size) {
          co_return tl::unexpected(body_failed(413, "the request body exceeds the limit").error());
        }
        co_return Out(data);
      case ChunkedDecoder::Step::kDone:
        body_state_ = BodyState::kDone;
        co_return Out(std::nullopt);
      case ChunkedDecoder::Step::kError:
        co_return tl::unexpected(body_failed(400, "malformed chunked body: " + error).error());
      case ChunkedDecoder::Step::kNeedMore: {
        auto r = co_await read_more(kReadChunk);
        if (!r) co_return tl::unexpected(body_failed(400, r.error().message).error());
        break;
      }
    }
  }
}

// Before answering: if the body the handler did not read is already buffered, skip it and keep the connection;
// otherwise the connection cannot be reused.
void ServerConnection::settle_body() {
  if (body_state_ == BodyState::kDone) return;
  if (body_state_ == BodyState::kFailed) {
    keep_alive_ = false;
    return;
  }
  if (head_.body == BodyKind::kLength) {
    if (buffer_.size() >= body_remaining_) {
      buffer_.consume(static_cast<size_t>(body_remaining_));
      body_remaining_ = 0;
      body_state_ = BodyState::kDone;
      return;
    }
  } else {
    std::string error;
    for (;;) {
      size_t consumed = 0;
      std::string_view data;
      ChunkedDecoder::Step step = chunked_.next(buffer_.data(), consumed, data, error);
      buffer_.consume(consumed);
      if (step == ChunkedDecoder::Step::kDone) {
        body_state_ = BodyState::kDone;
        return;
      }
      if (step != ChunkedDecoder::Step::kData) break;
    }
  }
  keep_alive_ = false;
}

// ---- response ----

void ServerConnection::write_head(int status, std::span<const Header> headers, bool chunked, uint64_t length) {
  out_.clear();
  out_.append("HTTP/1.1 "sv);
  append_uint(out_, static_cast<uint64_t>(status));
  out_.push_back(' ');
  out_.append(reason_phrase(status));
  out_.append("\r\n"sv);
  for (const Header& h : headers) {
    if (is_framing_header(h.name)) {
      if (iequals(h.name, "connection") && has_token(h.value, "close")) keep_alive_ = false;
      continue;
    }
    out_.append(h.name);
    out_.append(": "sv);
    out_.append(h.value);
    out_.append("\r\n"sv);
  }
  out_.append("Date: "sv);
  out_.append(reactor_.http_date());
  out_.append("\r\n"sv);
  if (chunked) {
    out_.append("Transfer-Encoding: chunked\r\n"sv);
  } else if (status != 204 && status != 304 && status >= 200) {
    out_.append("Content-Length: "sv);
    append_uint(out_, length);
    out_.append("\r\n"sv);
  }
  if (!keep_alive_) {
    out_.append("Connection: close\r\n"sv);
  } else if (head_.version_minor == 0) {
    out_.append("Connection: keep-alive\r\n"sv);
  }
  out_.append("\r\n"sv);
}

Result<void> ServerConnection::write_failed(const error_code& ec) {
  keep_alive_ = false;
  transport_.close();
  return fail(ErrorCode::kIo, "the client connection was lost: " + ec.message());
}

asio::awaitable<Result<void>> ServerConnection::respond(int status, std::span<const Header> headers,
                                                        std::string_view body) {
  if (response_state_ != ResponseState::kNone) co_return fail(ErrorCode::kInternal, "a response was already started");
  settle_body();
  if (draining_) keep_alive_ = false;
  write_head(status, headers, false, body.size());
  response_state_ = ResponseState::kDone;
  std::string_view rest = head_.method == "HEAD" ? std::string_view() : coalesce(out_, body);
  std::array<asio::const_buffer, 2> buffers{asio::buffer(out_), asio::buffer(rest.data(), rest.size())};
  io_deadline();
  error_code ec = std::get<0>(co_await transport_.write(buffers));
  clear_deadline();
  if (ec) co_return write_failed(ec);
  co_return Result<void>{};
}

asio::awaitable<Result<void>> ServerConnection::begin_stream(int status, std::span<const Header> headers) {
  if (response_state_ != ResponseState::kNone) co_return fail(ErrorCode::kInternal, "a response was already started");
  settle_body();
  if (draining_) keep_alive_ = false;
  response_chunked_ = head_.version_minor >= 1;
  if (!response_chunked_) keep_alive_ = false;  // HTTP/1.0: the end of the body is the end of the connection
  write_head(status, headers, response_chunked_, 0);
  response_state_ = ResponseState::kStreaming;
  io_deadline();
  error_code ec = std::get<0>(co_await transport_.write(asio::buffer(out_)));
  clear_deadline();
  if (ec) co_return write_failed(ec);
  co_return Result<void>{};
}

asio::awaitable<Result<void>> ServerConnection::write_chunk(std::string_view a, std::string_view b,
                                                            std::string_view c) {
  if (response_state_ != ResponseState::kStreaming) co_return fail(ErrorCode::kInternal, "no stream was started");
  size_t total = a.size() + b.size() + c.size();
  if (total == 0) co_return Result<void>{};  // an empty chunk would end the body
  char size_line[24];
  size_t size_len = 0;
  if (response_chunked_) {
    auto r = std::to_chars(size_line, size_line + 16, total, 16);
    r.ptr[0] = '\r';
    r.ptr[1] = '\n';
    size_len = static_cast<size_t>(r.ptr + 2 - size_line);
  }
  std::array<asio::const_buffer, 5> buffers{asio::buffer(size_line, size_len), asio::buffer(a.data(), a.size()),
                                            asio::buffer(b.data(), b.size()), asio::buffer(c.data(), c.size()),
                                            asio::buffer("\r\n", response_chunked_ ? 2 : 0)};
  io_deadline();
  error_code ec = std::get<0>(co_await transport_.write(buffers));
  clear_deadline();
  if (ec) co_return write_failed(ec);
  co_return Result<void>{};
}

asio::awaitable<Result<void>> ServerConnection::end_stream() {
  if (response_state_ != ResponseState::kStreaming) co_return fail(ErrorCode::kInternal, "no stream was started");
  response_state_ = ResponseState::kDone;
  if (!response_chunked_) co_return Result<void>{};
  io_deadline();
  error_code ec = std::get<0>(co_await transport_.write(asio::buffer("0\r\n\r\n", 5)));
  clear_deadline();
  if (ec) co_return write_failed(ec);
  co_return Result<void>{};
}

asio::awaitable<void> ServerConnection::send_error(int status, std::string_view message) {
  keep_alive_ = false;
  if (response_state_ != ResponseState::kNone || !transport_.is_open()) co_return;
  ErrorBody shaped;
  if (state_->options.error_body) {
    shaped = state_->options.error_body(status, message);
  } else {
    shaped.content_type = "text/plain; charset=utf-8";
    shaped.body.assign(message);
    shaped.body.push_back('\n');
  }
  Header headers[] = {{"Content-Type", shaped.content_type}};
  // The head may never have been parsed (a malformed request): answer as HTTP/1.1.
  head_.method = {};
  head_.version_minor = 1;
  co_await respond(status, headers, shaped.body);
}

// ---- disconnect detection ----

// The work runs on this coroutine (no spawn, no parallel group): a read with a plain handler watches the socket, and
// a client that leaves emits cancel_, which reaches whatever the work awaits through the serving coroutine's
// cancellation state. That state is then reset, so that the connection's own code can still await. The read is
// deferred by a reactor tick (10-20 ms): a client that leaves is noticed that much later, and a request that ends
// sooner saves the read's system call (it could only fail with EAGAIN) and its cancellation.
asio::awaitable<bool> ServerConnection::until_disconnect(asio::awaitable<void> work) {
  if (body_state_ != BodyState::kDone) {
    co_await std::move(work);
    co_return true;
  }
  client_left_ = false;
  work_running_ = true;
  reactor_.defer(*this);
  std::exception_ptr failure;
  try {
    co_await std::move(work);
  } catch (...) {
    // After a cancellation the work's next co_await throws operation_aborted; that is the expected way out.
    failure = std::current_exception();
  }
  work_running_ = false;
  withdraw();
  if (client_left_) co_await asio::this_coro::reset_cancellation_state();
  if (watch_reading_) {
    // The read must be over before the connection reads again (next request, linger): cancel it and wait for it.
    watch_cancel_.emit(asio::cancellation_type::terminal);
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [this](auto handler) { watch_waiter_.emplace(std::move(handler)); }, asio::use_awaitable);
  }
  if (failure && !client_left_) std::rethrow_exception(failure);
  co_return !client_left_;
}

void ServerConnection::watch_read() {
  // Never grow or move pinned bytes here: the handler holds views into them.
  asio::mutable_buffer space = buffer_.prepare(1, buffer_.capacity());
  if (space.size() == 0) return;  // pipelined requests filled the buffer: nothing more to learn until the work ends
  watch_reading_ = true;
  transport_.read_some(space, asio::bind_cancellation_slot(watch_cancel_.slot(),
                                                           [this](error_code ec, size_t n) { on_watch_read(ec, n); }));
}

void ServerConnection::on_watch_read(const error_code& ec, size_t n) {
  watch_reading_ = false;
  if (!ec) {
    buffer_.commit(n);  // a pipelined request
    if (work_running_) {
      watch_read();
      return;
    }
  } else if (work_running_) {
    client_left_ = true;
    cancel_->emit(asio::cancellation_type::terminal);
  }
  if (watch_waiter_) {
    // Resumes until_disconnect(), which may end the request and the connection: nothing here touches `this` after.
    asio::any_completion_handler<void()> waiter(std::move(*watch_waiter_));
    watch_waiter_.reset();
    std::move(waiter)();
  }
}

}  // namespace kthena::http
