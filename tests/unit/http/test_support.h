// Helpers for the HTTP tests: run a coroutine on a reactor and wait for it, and a blocking raw-socket client that
// sends exactly the bytes a test wants (malformed requests included).
#pragma once

#include <chrono>
#include <future>
#include <string>
#include <string_view>

#include <sys/socket.h>
#include <sys/time.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include "http/reactor.h"

namespace kthena::http::testing {

template <class T>
T run_on(Reactor& reactor, asio::awaitable<T> work) {
  std::future<T> f = asio::co_spawn(reactor.context(), std::move(work), asio::use_future);
  return f.get();
}

// A blocking client with a receive timeout, for byte-exact exchanges.
class RawClient {
 public:
  explicit RawClient(uint16_t port, std::chrono::milliseconds timeout = std::chrono::milliseconds(3000))
      : socket_(context_) {
    boost::system::error_code ec;
    socket_.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    set_timeout(timeout);
  }
  // How long each read waits.
  void set_timeout(std::chrono::milliseconds timeout) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  void send(std::string_view bytes) {
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
  }
  // Reads until `n` bytes, the peer closes, or the timeout. Returns what was read.
  std::string read_until_close() {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(socket_.native_handle(), buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  // Reads one response: the head, then Content-Length bytes or a chunked body up to "0\r\n\r\n".
  std::string read_response() {
    std::string out;
    char c;
    while (out.find("\r\n\r\n") == std::string::npos) {
      if (::recv(socket_.native_handle(), &c, 1, 0) != 1) return out;
      out.push_back(c);
    }
    size_t cl = out.find("Content-Length: ");
    if (cl != std::string::npos) {
      size_t n = std::stoul(out.substr(cl + 16));
      std::string body(n, '\0');
      size_t got = 0;
      while (got < n) {
        ssize_t r = ::recv(socket_.native_handle(), body.data() + got, n - got, 0);
        if (r <= 0) break;
        got += static_cast<size_t>(r);
      }
      return out + body.substr(0, got);
    }
    if (out.find("Transfer-Encoding: chunked") != std::string::npos) {
      while (!out.ends_with("\r\n0\r\n\r\n")) {
        if (::recv(socket_.native_handle(), &c, 1, 0) != 1) return out;
        out.push_back(c);
      }
    }
    return out;
  }
  // True when the server closed the connection (recv returns 0) within the timeout.
  bool closed_by_peer() {
    char c;
    return ::recv(socket_.native_handle(), &c, 1, 0) == 0;
  }
  void close() { socket_.close(); }

 private:
  asio::io_context context_;
  asio::ip::tcp::socket socket_;
};

}  // namespace kthena::http::testing
