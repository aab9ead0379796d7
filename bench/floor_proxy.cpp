// floor_proxy: the least a keep-alive HTTP/1.1 proxy can do per request, as a baseline for
// bench/router_proxy_bench.sh. One thread, level-triggered epoll, one upstream connection per client connection,
// messages framed by Content-Length only (no chunked bodies, no header rewriting, no routing, no pipelining): a
// request costs the same four system calls as nginx's and the router's (recv from the client, send upstream, recv
// from upstream, send to the client) and almost no user-space work. The gap between it and a real proxy is what the
// proxy's own work costs; its gap to the direct connection is the kernel's floor for one proxy hop.
//   floor_proxy LISTEN_PORT UPSTREAM_PORT   (both on 127.0.0.1)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace {

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
size_t message_size(std::string_view buf) {
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

struct Pair {
  Fd client;
  Fd upstream;
  std::string from_client;
  std::string from_upstream;
};

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

// Reads what is there into `buf`; false when the peer closed or failed.
bool fill(int fd, std::string& buf) {
  char chunk[16384];
  ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
  if (n > 0) {
    buf.append(chunk, static_cast<size_t>(n));
    return true;
  }
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;  // the benchmark's messages fit the socket buffers; a short write is a failure here
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: floor_proxy LISTEN_PORT UPSTREAM_PORT\n");
    return 2;
  }
  int listen_port = std::atoi(argv[1]);
  int upstream_port = std::atoi(argv[2]);
  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  int one = 1;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in la = loopback(listen_port);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&la), sizeof la) != 0) die("bind");
  if (::listen(listener.get(), 4096) != 0) die("listen");
  Fd ep(::epoll_create1(0));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener.get();
  ::epoll_ctl(ep.get(), EPOLL_CTL_ADD, listener.get(), &ev);

  std::unordered_map<int, std::shared_ptr<Pair>> by_fd;
  auto drop = [&](const std::shared_ptr<Pair>& p) {
    by_fd.erase(p->client.get());
    by_fd.erase(p->upstream.get());
  };
  epoll_event events[256];
  for (;;) {
    int n = ::epoll_wait(ep.get(), events, 256, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listener.get()) {
        for (;;) {
          int c = ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK);
          if (c < 0) break;
          auto p = std::make_shared<Pair>();
          p->client = Fd(c);
          p->upstream = Fd(::socket(AF_INET, SOCK_STREAM, 0));  // blocking connect on loopback, then non-blocking
          sockaddr_in ua = loopback(upstream_port);
          if (::connect(p->upstream.get(), reinterpret_cast<sockaddr*>(&ua), sizeof ua) != 0) die("connect");
          ::setsockopt(p->client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          ::setsockopt(p->upstream.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          ::fcntl(p->upstream.get(), F_SETFL, O_NONBLOCK);
          for (int s : {p->client.get(), p->upstream.get()}) {
            epoll_event e{};
            e.events = EPOLLIN;
            e.data.fd = s;
            ::epoll_ctl(ep.get(), EPOLL_CTL_ADD, s, &e);
            by_fd[s] = p;
          }
        }
        continue;
      }
      auto it = by_fd.find(fd);
      if (it == by_fd.end()) continue;
      std::shared_ptr<Pair> p = it->second;
      bool from_client = fd == p->client.get();
      std::string& buf = from_client ? p->from_client : p->from_upstream;
      if (!fill(fd, buf)) {
        drop(p);
        continue;
      }
      size_t size = message_size(buf);
      if (size == 0) continue;
      if (!send_all(from_client ? p->upstream.get() : p->client.get(), std::string_view(buf).substr(0, size))) {
        drop(p);
        continue;
      }
      buf.erase(0, size);
    }
  }
}
