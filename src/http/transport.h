// Internal to src/http. A byte stream that is plain TCP or TLS over TCP, chosen per connection at run time: one
// branch per call instead of templating every connection type on the stream.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <sys/uio.h>

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

// A message whose body is at most this long is sent as one buffer, the body copied behind its head: the kernel takes
// one buffer with send(2), two with sendmsg(2), whose message header and iovec array it first copies in and checks,
// and that costs about 0.15 us a call here, more than copying a couple of KiB (docs/benchmarks.md).
inline constexpr size_t kCoalescedBodyMax = 2048;

// Appends a short `body` to `head` and returns what is left to send after `head`: nothing, or the long body.
inline std::string_view coalesce(std::string& head, std::string_view body) {
  if (body.size() > kCoalescedBodyMax) return body;
  head.append(body);
  return {};
}

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
          one_or_two(b, [&](const auto& bufs) {
            if (tls_) {
              asio::async_write(*tls_, bufs, std::move(handler));
            } else {
              asio::async_write(*plain_, bufs, std::move(handler));
            }
          });
        },
        token, buffers);
  }

  // Writes what a plain socket takes at once, without waiting: returns the bytes written (0 over TLS, when the
  // socket takes nothing, or on an error, which an asynchronous write of the rest then reports).
  template <class Buffers>
  size_t write_now(const Buffers& buffers) {
    if (!plain_and_non_blocking()) return 0;
    std::array<iovec, 4> iov;
    size_t count = 0;
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
      asio::const_buffer b(*it);
      if (b.size() == 0) continue;
      if (count == iov.size()) break;  // the rest goes with the asynchronous write that follows a partial one
      iov[count++] = iovec{const_cast<void*>(b.data()), b.size()};
    }
    return count == 0 ? 0 : send_now(iov.data(), count);
  }

  // Reads what a plain socket holds now, without waiting: returns the bytes read, 0 over TLS, when nothing is there,
  // at the end of the stream or on an error (an asynchronous read then reports those).
  size_t read_now(asio::mutable_buffer buffer) {
    return plain_and_non_blocking() ? receive_now(buffer.data(), buffer.size()) : 0;
  }

  // An idle connection the peer has neither closed nor sent anything on (a look with MSG_PEEK, which reads nothing).
  bool open_and_quiet();

  auto handshake(asio::ssl::stream_base::handshake_type type) { return tls_->async_handshake(type, kDeferTuple); }

  // Closing aborts pending operations; they complete with an error on the reactor thread.
  void close() {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }
  bool is_open() { return socket().is_open(); }

 private:
  // Calls `f` with a head-and-body pair as one buffer when the body is empty (see kCoalescedBodyMax: Asio writes a
  // single buffer with send(2)), with other buffer sequences as they are.
  template <class Buffers, class F>
  static decltype(auto) one_or_two(const Buffers& buffers, F&& f) {
    if constexpr (std::is_same_v<Buffers, std::array<asio::const_buffer, 2>>) {
      if (buffers[1].size() == 0) return f(buffers[0]);
    }
    return f(buffers);
  }

  // The system calls themselves, not glibc's wrappers: those are cancellation points, which in a multi-threaded
  // process switch asynchronous cancellation on and off around every call (two atomic operations each; the router
  // never cancels threads). One buffer goes with send(2) (see kCoalescedBodyMax).
  size_t send_now(const iovec* iov, size_t count);
  size_t receive_now(void* data, size_t size);

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
