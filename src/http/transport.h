// Internal to src/http. A byte stream that is plain TCP or TLS over TCP, chosen per connection at run time: one
// branch per call instead of templating every connection type on the stream.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/asio.h"

namespace kthena::http {

using boost::system::error_code;
using tcp = asio::ip::tcp;
inline constexpr auto kAwaitTuple = asio::as_tuple(asio::use_awaitable);
inline constexpr auto kDeferTuple = asio::as_tuple(asio::deferred);

class Transport {
 public:
  explicit Transport(tcp::socket socket) : plain_(std::move(socket)) {}
  Transport(tcp::socket socket, asio::ssl::context& tls)
      : tls_(std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(socket), tls)) {}

  bool is_tls() const { return tls_ != nullptr; }
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  asio::ssl::stream<tcp::socket>* tls() { return tls_.get(); }

  // The operations complete with (error_code, ...) tuples by default, and co_await them without a coroutine frame of
  // their own (a deferred operation is awaited in place): these run several times per proxied request.
  template <class Token = decltype((kDeferTuple))>
  auto read_some(asio::mutable_buffer buffer, Token&& token = kDeferTuple) {
    return asio::async_initiate<Token, void(error_code, size_t)>(
        [this](auto handler, asio::mutable_buffer b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            plain_->async_read_some(b, std::move(handler));
          }
        },
        token, buffer);
  }

  template <class Buffers, class Token = decltype((kDeferTuple))>
  auto write(const Buffers& buffers, Token&& token = kDeferTuple) {
    return asio::async_initiate<Token, void(error_code, size_t)>(
        [this](auto handler, const Buffers& b) {
          if (tls_) {
            asio::async_write(*tls_, b, std::move(handler));
          } else {
            asio::async_write(*plain_, b, std::move(handler));
          }
        },
        token, buffers);
  }

  // Writes what a plain socket takes at once, without waiting: returns the bytes written (0 over TLS, when the
  // socket takes nothing, or on an error, which an asynchronous write of the rest then reports).
  template <class Buffers>
  size_t write_now(const Buffers& buffers) {
    error_code ec;
    size_t n = plain_and_non_blocking() ? plain_->write_some(buffers, ec) : 0;
    return ec ? 0 : n;
  }

  // Reads what a plain socket holds now, without waiting: returns the bytes read, 0 over TLS, when nothing is there,
  // at the end of the stream or on an error (an asynchronous read then reports those).
  size_t read_now(asio::mutable_buffer buffer) {
    error_code ec;
    size_t n = plain_and_non_blocking() ? plain_->read_some(buffer, ec) : 0;
    return ec ? 0 : n;
  }

  auto handshake(asio::ssl::stream_base::handshake_type type) { return tls_->async_handshake(type, kDeferTuple); }

  // Closing aborts pending operations; they complete with an error on the reactor thread.
  void close() {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }
  bool is_open() { return socket().is_open(); }

 private:
  // A plain socket whose synchronous calls return at once instead of waiting (switched on first use). False over TLS
  // or when the switch fails: the *_now calls then do nothing, and nothing can block the reactor.
  bool plain_and_non_blocking() {
    if (tls_) return false;
    if (plain_->non_blocking()) return true;
    error_code ec;
    plain_->non_blocking(true, ec);
    return !ec;
  }

  std::optional<tcp::socket> plain_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
};

}  // namespace kthena::http
