// The pieces bench/floor_proxy.cpp and bench/floor_backend.cpp share: the least code that frames keep-alive HTTP/1.1
// messages on non-blocking sockets (Content-Length bodies only).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

namespace floor_io {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Bytes of one whole message at the start of `buf` (head + Content-Length body), or 0 if it is not all there yet.
inline size_t message_size(std::string_view buf) {
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos) return 0;
  size_t head = end + 4;
  size_t length = 0;
  for (size_t at = buf.find('\n'); at != std::string_view::npos && at < end; at = buf.find('\n', at + 1)) {
    std::string_view line = buf.substr(at + 1, 15);
    if (line.size() == 15 && strncasecmp(line.data(), "content-length:", 15) == 0) {
      size_t v = at + 16;
      while (v < end && buf[v] == ' ') ++v;
      std::from_chars(buf.data() + v, buf.data() + end, length);
      break;
    }
  }
  return buf.size() >= head + length ? head + length : 0;
}

inline sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

inline void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

// Reads what is there into `buf`; false when the peer closed or failed.
inline bool fill(int fd, std::string& buf) {
  char chunk[16384];
  ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
  if (n > 0) {
    buf.append(chunk, static_cast<size_t>(n));
    return true;
  }
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

inline bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;  // the benchmark's messages fit the socket buffers; a short write is a failure here
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// A non-blocking listening socket on 127.0.0.1:port.
inline Fd listen_on(int port) {
  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  int one = 1;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in la = loopback(port);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&la), sizeof la) != 0) die("bind");
  if (::listen(listener.get(), 4096) != 0) die("listen");
  return listener;
}

// Adds `fd` to the level-triggered epoll set `ep`, for reading.
inline void watch(int ep, int fd) {
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.fd = fd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

inline void no_delay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Listens on 127.0.0.1:port for ever: calls `on_accept(fd)` for each new connection (already non-blocking and
// watched) and `on_readable(fd)` for each readable one.
template <class OnAccept, class OnReadable>
[[noreturn]] void serve(int port, OnAccept on_accept, OnReadable on_readable) {
  Fd listener = listen_on(port);
  Fd ep(::epoll_create1(0));
  watch(ep.get(), listener.get());
  epoll_event events[256];
  for (;;) {
    int n = ::epoll_wait(ep.get(), events, 256, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd != listener.get()) {
        on_readable(fd);
        continue;
      }
      for (int c; (c = ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
        no_delay(c);
        watch(ep.get(), c);
        on_accept(ep.get(), c);
      }
    }
  }
}

}  // namespace floor_io
