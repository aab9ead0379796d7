// Responses: a whole one with Content-Length, or a stream (chunked on HTTP/1.1, delimited by the end of the
// connection on HTTP/1.0). The server owns the framing fields; a handler's own are dropped.
#include <array>
#include <charconv>

#include "http/server_connection.h"
#include "http/server_state.h"

namespace kthena::http {

// Literals appended as string views: append(const char*) is an out-of-line call that measures the literal
// with strlen on every request.
using namespace std::string_view_literals;
namespace {

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

}  // namespace

void ServerConnection::write_head(int status, std::span<const Header> headers, Framing framing, uint64_t length) {
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
  if (framing == Framing::kChunked) {
    out_.append("Transfer-Encoding: chunked\r\n"sv);
  } else if (framing == Framing::kLength && status != 204 && status != 304 && status >= 200) {
    out_.append("Content-Length: "sv);
    append_uint(out_, length);
    out_.append("\r\n"sv);
  }
  // Framing::kClose: no length at all; the body ends when the connection does.
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
  write_head(status, headers, Framing::kLength, body.size());
  response_state_ = ResponseState::kDone;
  response_status_ = status;
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
  // HTTP/1.0 has no chunked coding: the end of the body is the end of the connection.
  response_framing_ = head_.version_minor >= 1 ? Framing::kChunked : Framing::kClose;
  if (response_framing_ == Framing::kClose) keep_alive_ = false;
  write_head(status, headers, response_framing_, 0);
  response_state_ = ResponseState::kStreaming;
  response_status_ = status;
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
  bool chunked = response_framing_ == Framing::kChunked;
  char size_line[24];
  size_t size_len = 0;
  if (chunked) {
    auto r = std::to_chars(size_line, size_line + 16, total, 16);
    r.ptr[0] = '\r';
    r.ptr[1] = '\n';
    size_len = static_cast<size_t>(r.ptr + 2 - size_line);
  }
  std::array<asio::const_buffer, 5> buffers{asio::buffer(size_line, size_len), asio::buffer(a.data(), a.size()),
                                            asio::buffer(b.data(), b.size()), asio::buffer(c.data(), c.size()),
                                            asio::buffer("\r\n", chunked ? 2 : 0)};
  io_deadline();
  error_code ec = std::get<0>(co_await transport_.write(buffers));
  clear_deadline();
  if (ec) co_return write_failed(ec);
  co_return Result<void>{};
}

asio::awaitable<Result<void>> ServerConnection::end_stream() {
  if (response_state_ != ResponseState::kStreaming) co_return fail(ErrorCode::kInternal, "no stream was started");
  response_state_ = ResponseState::kDone;
  if (response_framing_ != Framing::kChunked) co_return Result<void>{};
  io_deadline();
  error_code ec = std::get<0>(co_await transport_.write(asio::buffer("0\r\n\r\n", 5)));
  clear_deadline();
  if (ec) co_return write_failed(ec);
  co_return Result<void>{};
}

}  // namespace kthena::http
