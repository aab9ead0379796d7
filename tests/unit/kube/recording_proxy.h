// A TCP relay on a free loopback port between a client under test and the test server. It records the request
// line of every HTTP request the client sends, and can cut every connection and refuse new ones: how a test tells
// an informer that resumes its watch (a watch from its resourceVersion) from one that relists (a list), and makes
// the server unreachable for a while. It can also go silent: connections stay open and nothing gets through, as with
// a paused server or a network partition, where no FIN ever comes. Plain HTTP only: the server must run without TLS.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kthena::kube::testing {

class RecordingProxy {
 public:
  explicit RecordingProxy(uint16_t upstream_port) : upstream_port_(upstream_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback(0);
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listener_, 64) != 0) {
      ADD_FAILURE() << "proxy: cannot listen: " << std::strerror(errno);
      return;
    }
    socklen_t length = sizeof(address);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::jthread([this] { accept_loop(); });
  }

  ~RecordingProxy() {
    stopping_ = true;
    if (listener_ >= 0) ::shutdown(listener_, SHUT_RDWR);  // wakes accept()
    if (acceptor_.joinable()) acceptor_.join();
    cut_connections();
    if (listener_ >= 0) ::close(listener_);
  }
  RecordingProxy(const RecordingProxy&) = delete;
  RecordingProxy& operator=(const RecordingProxy&) = delete;

  uint16_t port() const { return port_; }

  // "GET /api/v1/namespaces/default/configmaps?watch=true&resourceVersion=7...", in the order they arrived.
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  // Closes every open connection, as a server restart or a network failure would; the client sees its reads fail.
  void cut_connections() {
    std::list<Connection> closing;
    {
      std::lock_guard lock(mutex_);
      for (Connection& c : connections_) c.shutdown();
      closing.splice(closing.end(), connections_);
    }
    closing.clear();  // joins the pumps, closes the sockets
  }

  // While refusing, each new connection is closed as soon as it is accepted, before any request is read.
  void set_refusing(bool refusing) { refusing_ = refusing; }

  // While silent, every connection, open or new, forwards nothing either way and closes nothing: what arrives is
  // recorded (requests()) and dropped. A connection that lost bytes stays silent for good (its stream has a hole);
  // after set_silent(false) new connections and those that lost nothing work again.
  void set_silent(bool silent) { silent_ = silent; }

 private:
  struct Connection {
    int client = -1;
    int upstream = -1;
    std::atomic<bool> lost_bytes{false};
    std::jthread to_upstream;
    std::jthread to_client;

    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection() {
      shutdown();
      if (to_upstream.joinable()) to_upstream.join();
      if (to_client.joinable()) to_client.join();
      if (client >= 0) ::close(client);
      if (upstream >= 0) ::close(upstream);
    }
    // Ends both pumps: their reads return at once.
    void shutdown() {
      if (client >= 0) ::shutdown(client, SHUT_RDWR);
      if (upstream >= 0) ::shutdown(upstream, SHUT_RDWR);
    }
  };

  static sockaddr_in loopback(uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
  }

  void accept_loop() {
    while (!stopping_) {
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;  // the listener was shut down
      }
      if (refusing_ || stopping_) {
        ::close(client);
        continue;
      }
      const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in address = loopback(upstream_port_);
      if (upstream < 0 || ::connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        if (upstream >= 0) ::close(upstream);
        ::close(client);
        continue;
      }
      std::lock_guard lock(mutex_);
      Connection& c = connections_.emplace_back();
      c.client = client;
      c.upstream = upstream;
      // The list keeps the element where it is, and the pumps are joined before it goes.
      std::atomic<bool>& lost = c.lost_bytes;
      c.to_upstream = std::jthread([this, client, upstream, &lost] { pump(client, upstream, true, lost); });
      c.to_client = std::jthread([this, client, upstream, &lost] { pump(upstream, client, false, lost); });
    }
  }

  // Copies `from` to `to` until either side ends; requests going upstream are recorded on the way.
  void pump(int from, int to, bool record, std::atomic<bool>& lost_bytes) {
    RequestScanner scanner;
    char buffer[16 * 1024];
    for (;;) {
      const ssize_t got = ::recv(from, buffer, sizeof(buffer), 0);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      if (record) {
        for (std::string& line : scanner.feed(std::string_view(buffer, static_cast<size_t>(got)))) {
          std::lock_guard lock(mutex_);
          requests_.push_back(std::move(line));
        }
      }
      if (silent_ || lost_bytes) {
        lost_bytes = true;
        continue;
      }
      if (!send_all(to, buffer, static_cast<size_t>(got))) break;
    }
    ::shutdown(from, SHUT_RDWR);
    ::shutdown(to, SHUT_RDWR);
  }

  static bool send_all(int fd, const char* data, size_t size) {
    while (size > 0) {
      const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) return false;
      data += sent;
      size -= static_cast<size_t>(sent);
    }
    return true;
  }

  // Splits an HTTP/1.1 request stream into requests: a head up to the blank line, then Content-Length bytes.
  class RequestScanner {
   public:
    std::vector<std::string> feed(std::string_view bytes) {
      std::vector<std::string> lines;
      pending_.append(bytes);
      for (;;) {
        if (body_left_ > 0) {
          const size_t n = std::min(body_left_, pending_.size());
          pending_.erase(0, n);
          body_left_ -= n;
          if (body_left_ > 0) break;
        }
        const size_t end = pending_.find("\r\n\r\n");
        if (end == std::string::npos) break;
        const std::string head = pending_.substr(0, end + 2);
        pending_.erase(0, end + 4);
        const size_t line_end = head.find("\r\n");
        const std::string line = head.substr(0, line_end);
        lines.push_back(line.substr(0, line.rfind(' ')));  // without " HTTP/1.1"
        body_left_ = content_length(head);
      }
      return lines;
    }

   private:
    static size_t content_length(const std::string& head) {
      std::string lower(head);
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      const size_t at = lower.find("\r\ncontent-length:");
      return at == std::string::npos ? 0 : std::stoul(head.substr(at + 17));
    }

    std::string pending_;
    size_t body_left_ = 0;
  };

  const uint16_t upstream_port_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> refusing_{false};
  std::atomic<bool> silent_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::list<Connection> connections_;
  std::jthread acceptor_;  // last: stopped before the members it uses go
};

}  // namespace kthena::kube::testing
