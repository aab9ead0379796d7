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

  void connection_ended(const std::string& remote);
  void acceptor_ended();
};

}  // namespace kthena::http
