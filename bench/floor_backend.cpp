// floor_backend: the least a keep-alive HTTP/1.1 server can do per request, as the backend of
// bench/router_proxy_bench.sh's proxy-bound layout. nginx as the backend costs about 6 µs of CPU a request on the core
// it shares with the load generator, which with wrk's 6 µs caps that core near the rate every proxy reaches: the
// proxies then all look alike. This backend answers every request with the same JSON as the nginx backend (with Date
// and Server headers, as vLLM's uvicorn sends them) for one recv and one send, leaving the proxy the bottleneck.
// One thread, level-triggered epoll, Content-Length bodies only, no pipelining.
//   floor_backend LISTEN_PORT   (on 127.0.0.1)
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "floor_io.h"

namespace {

using namespace floor_io;

constexpr std::string_view kBody = "{\"object\":\"list\",\"data\":[{\"id\":\"tiny\",\"object\":\"model\"}]}\n";

// The response, its Date header rewritten when the second changes.
class Response {
 public:
  std::string_view now() {
    std::time_t t = std::time(nullptr);
    if (t != at_) {
      at_ = t;
      char date[64];
      std::tm tm{};
      gmtime_r(&t, &tm);
      std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
      text_ = "HTTP/1.1 200 OK\r\nServer: floor\r\nDate: ";
      text_ += date;
      text_ += "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(kBody.size()) +
               "\r\nConnection: keep-alive\r\n\r\n";
      text_ += kBody;
    }
    return text_;
  }

 private:
  std::time_t at_ = 0;
  std::string text_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: floor_backend LISTEN_PORT\n");
    return 2;
  }
  struct Connection {
    Fd fd;
    std::string in;
  };
  std::unordered_map<int, std::unique_ptr<Connection>> by_fd;
  Response response;
  serve(
      std::atoi(argv[1]),
      [&](int, int c) {
        by_fd[c] = std::make_unique<Connection>(Connection{Fd(c), {}});
      },
      [&](int fd) {
        auto it = by_fd.find(fd);
        if (it == by_fd.end()) return;
        Connection& c = *it->second;
        if (!fill(fd, c.in)) {
          by_fd.erase(it);
          return;
        }
        for (size_t size; (size = message_size(c.in)) != 0;) {
          c.in.erase(0, size);
          if (!send_all(fd, response.now())) {
            by_fd.erase(it);
            return;
          }
        }
      });
}
