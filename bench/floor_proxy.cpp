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
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "floor_io.h"

namespace {

using namespace floor_io;

struct Pair {
  Fd client;
  Fd upstream;
  std::string from_client;
  std::string from_upstream;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: floor_proxy LISTEN_PORT UPSTREAM_PORT\n");
    return 2;
  }
  int upstream_port = std::atoi(argv[2]);
  std::unordered_map<int, std::shared_ptr<Pair>> by_fd;
  auto drop = [&](const std::shared_ptr<Pair>& p) {
    by_fd.erase(p->client.get());
    by_fd.erase(p->upstream.get());
  };
  serve(
      std::atoi(argv[1]),
      [&](int ep, int c) {
        auto p = std::make_shared<Pair>();
        p->client = Fd(c);
        p->upstream = Fd(::socket(AF_INET, SOCK_STREAM, 0));  // blocking connect on loopback, then non-blocking
        sockaddr_in ua = loopback(upstream_port);
        if (::connect(p->upstream.get(), reinterpret_cast<sockaddr*>(&ua), sizeof ua) != 0) die("connect");
        no_delay(p->upstream.get());
        ::fcntl(p->upstream.get(), F_SETFL, O_NONBLOCK);
        watch(ep, p->upstream.get());
        by_fd[c] = p;
        by_fd[p->upstream.get()] = p;
      },
      [&](int fd) {
        auto it = by_fd.find(fd);
        if (it == by_fd.end()) return;
        std::shared_ptr<Pair> p = it->second;
        bool from_client = fd == p->client.get();
        std::string& buf = from_client ? p->from_client : p->from_upstream;
        if (!fill(fd, buf)) {
          drop(p);
          return;
        }
        size_t size = message_size(buf);
        if (size == 0) return;
        if (!send_all(from_client ? p->upstream.get() : p->client.get(), std::string_view(buf).substr(0, size))) {
          drop(p);
          return;
        }
        buf.erase(0, size);
      });
}
