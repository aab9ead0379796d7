// Internal to src/http: what a Server shares with its acceptors and connections. Held by shared_ptr so that a
// connection that outlives a bounded shutdown never points at freed memory.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ssl/context.hpp>
#include <boost/intrusive/list.hpp>

#include "http/server.h"
#include "http/server_connection.h"
#include "http/transport.h"

namespace kthena::http {

struct ServerShard {
  explicit ServerShard(Reactor& r) : reactor(&r) {}
  Reactor* reactor;
  std::optional<tcp::acceptor> acceptor;
  // Connections accepted by this shard, all on `reactor`. Reactor thread only.
  boost::intrusive::list<ServerConnection, boost::intrusive::base_hook<ServerListHook>,
                         boost::intrusive::constant_time_size<false>>
      connections;
};

// The bytes a server's connections hold beyond their first read buffer, against ServerOptions::max_buffered_bytes.
// Any thread: connections on every reactor charge the same budget.
class BufferBudget {
 public:
  void set_limit(size_t limit) { limit_ = limit; }
  // Takes `n` bytes if they fit (always, without a limit); false leaves nothing taken.
  bool try_charge(size_t n) {
    size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (limit_ != 0 && (n > limit_ || used > limit_ - n)) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }
  void release(size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  // More than half the limit is taken: connections give back what they keep for their next request.
  bool under_pressure() const { return limit_ != 0 && used() > limit_ / 2; }

 private:
  size_t limit_ = 0;
  std::atomic<size_t> used_{0};
};

// ServerStats as counters that any reactor bumps.
struct ServerCounters {
  std::atomic<uint64_t> connections_refused{0}, malformed{0}, head_too_large{0}, body_too_large{0},
      over_buffer_budget{0}, header_timeouts{0}, body_timeouts{0}, io_timeouts{0};
  static void bump(std::atomic<uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }
  // The counter of a status the server answered on its own, or nullptr (a handler's failure is not the server's).
  std::atomic<uint64_t>* for_status(int status) {
    switch (status) {
      case 400:
      case 501:
      case 505:
        return &malformed;
      case 413:
        return &body_too_large;
      case 431:
        return &head_too_large;
      case 503:
        return &over_buffer_budget;
      default:
        return nullptr;
    }
  }
};

struct ServerState {
  ServerOptions options;
  Handler handler;
  std::shared_ptr<asio::ssl::context> tls;
  uint16_t port = 0;
  std::vector<std::unique_ptr<ServerShard>> shards;

  std::atomic<bool> stopping{false};
  std::atomic<size_t> live{0};
  std::atomic<size_t> accepting{0};  // accept loops still running
  std::mutex mu;
  std::condition_variable ended;                       // notified when a connection ends during shutdown
  std::unordered_map<std::string, size_t> per_client;  // guarded by mu; used only with max_connections_per_client
  bool shut_down = false;                              // guarded by mu
  BufferBudget budget;
  ServerCounters counters;

  void connection_ended(const std::string& remote);
  void acceptor_ended();
};

}  // namespace kthena::http
