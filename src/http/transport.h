// Internal to src/http. A byte stream that is plain TCP or TLS over TCP, chosen per connection at run time: one
// branch per call instead of templating every connection type on the stream.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include <boost/asio/as_tuple.hpp>
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

class Transport {
 public:
  explicit Transport(tcp::socket socket) : plain_(std::move(socket)) {}
  Transport(tcp::socket socket, asio::ssl::context& tls)
      : tls_(std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(socket), tls)) {}

  bool is_tls() const { return tls_ != nullptr; }
  tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  asio::ssl::stream<tcp::socket>* tls() { return tls_.get(); }

  asio::awaitable<std::pair<error_code, size_t>> read_some(asio::mutable_buffer buffer) {
    if (tls_) {
      auto [ec, n] = co_await tls_->async_read_some(buffer, kAwaitTuple);
      co_return std::pair{ec, n};
    }
    auto [ec, n] = co_await plain_->async_read_some(buffer, kAwaitTuple);
    co_return std::pair{ec, n};
  }

  template <class Buffers>
  asio::awaitable<error_code> write(const Buffers& buffers) {
    if (tls_) {
      auto [ec, n] = co_await asio::async_write(*tls_, buffers, kAwaitTuple);
      co_return ec;
    }
    auto [ec, n] = co_await asio::async_write(*plain_, buffers, kAwaitTuple);
    co_return ec;
  }

  asio::awaitable<error_code> handshake(asio::ssl::stream_base::handshake_type type) {
    auto [ec] = co_await tls_->async_handshake(type, kAwaitTuple);
    co_return ec;
  }

  // Closing aborts pending operations; they complete with an error on the reactor thread.
  void close() {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }
  bool is_open() { return socket().is_open(); }

 private:
  std::optional<tcp::socket> plain_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
};

}  // namespace kthena::http
