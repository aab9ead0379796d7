// Request bodies: whole (read_body, buffered_body) or in pieces (read_body_chunk), the 100-continue answer, the body
// deadlines, and the bytes a body holds against the server's budget.
#include <algorithm>

#include "http/server_connection.h"
#include "http/server_state.h"

namespace kthena::http {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
// Spare bytes after a body in its own storage, so that a JSON parser that reads in 64-byte blocks (simdjson's
// padding) can take the body in place.
constexpr size_t kBodyPadding = 64;
// Below this much room behind a pinned head, pieces of a body are read into storage of their own.
constexpr size_t kMinPieceRoom = 1024;

}  // namespace

Result<void> ServerConnection::body_failed(int status, std::string message) {
  body_state_ = BodyState::kFailed;
  body_error_status_ = status;
  body_error_ = std::move(message);
  keep_alive_ = false;
  return fail(status == 413   ? ErrorCode::kTooLarge
              : status == 400 ? ErrorCode::kBadRequest
              : status == 503 ? ErrorCode::kUnavailable
                              : ErrorCode::kIo,
              body_error_, "body");
}

void ServerConnection::arm_body_read() {
  CoarseClock::time_point io = CoarseClock::now() + state_->options.io_timeout;
  if (body_deadline_ <= io) {
    arm(Timeout::kBody, body_deadline_);
  } else {
    arm(Timeout::kIo, io);
  }
}

bool ServerConnection::reserve_body_storage(size_t size) {
  size_t want = size + kBodyPadding;
  size_t have = body_storage_.capacity();
  if (want <= have) return true;
  // Grow geometrically for a chunked body that arrives piece by piece; a known length is taken at once.
  size_t target = std::max(want, std::min<size_t>(have * 2, state_->options.max_body_size + kBodyPadding));
  if (!charge(target - have)) return false;
  body_charged_ += target - have;
  body_storage_.reserve(target);
  // The allocator may round up: charge what was really taken, or give it all back.
  size_t extra = body_storage_.capacity() - target;
  if (!charge(extra)) {
    release_body_storage();
    return false;
  }
  body_charged_ += extra;
  return true;
}

void ServerConnection::release_body_storage() {
  std::string().swap(body_storage_);
  uncharge(body_charged_);
  body_charged_ = 0;
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

// Reads more bytes into the room after the pinned head, which never moves it (read_buffer.h).
asio::awaitable<Result<size_t>> ServerConnection::read_more(size_t want) {
  asio::mutable_buffer space = buffer_.prepare(want);
  if (space.size() == 0) co_return fail(ErrorCode::kInternal, "read buffer full");
  arm_body_read();
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
  if (buffer_.size() < n) return std::nullopt;
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
    if (buffer_.size() + buffer_.room() >= n) {
      // It fits behind the head: read it in place.
      while (buffer_.size() < n) {
        auto r = co_await read_more(n - buffer_.size());
        if (!r) co_return tl::unexpected(body_failed(400, r.error().message).error());
      }
      take_length_body(n);
      co_return body_view_;
    }
    // Storage of its own: what already arrived is copied there, the rest is read into it directly.
    if (!reserve_body_storage(n)) {
      co_return tl::unexpected(body_failed(503, "the server holds too many request bytes; retry later").error());
    }
    body_storage_.assign(buffer_.data().substr(0, std::min(n, buffer_.size())));
    buffer_.consume(body_storage_.size());
    size_t have = body_storage_.size();
    body_storage_.resize(n);
    while (have < n) {
      arm_body_read();
      auto [ec, got] = co_await transport_.read_some(asio::buffer(body_storage_.data() + have, n - have));
      clear_deadline();
      if (ec) co_return tl::unexpected(body_failed(400, "the client closed the connection mid-body").error());
      have += got;
    }
    body_view_ = body_storage_;
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
      if (!reserve_body_storage(body_storage_.size() + data.size())) {
        co_return tl::unexpected(body_failed(503, "the server holds too many request bytes; retry later").error());
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
    if (buffer_.empty() && buffer_.room() < kMinPieceRoom) {
      // A head that filled the read buffer leaves (almost) no room behind it: the pieces come through storage of
      // their own instead (the pinned head cannot move to make room).
      size_t want = static_cast<size_t>(std::min<uint64_t>(body_remaining_, kReadChunk));
      if (!reserve_body_storage(want)) {
        co_return tl::unexpected(body_failed(503, "the server holds too many request bytes; retry later").error());
      }
      body_storage_.resize(want);
      arm_body_read();
      auto [ec, got] = co_await transport_.read_some(asio::buffer(body_storage_.data(), want));
      clear_deadline();
      if (ec) co_return tl::unexpected(body_failed(400, "the client closed the connection mid-body").error());
      body_remaining_ -= got;
      if (body_remaining_ == 0) body_state_ = BodyState::kDone;
      co_return Out(std::string_view(body_storage_.data(), got));
    }
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

}  // namespace kthena::http
