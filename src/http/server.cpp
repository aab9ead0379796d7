#include "http/server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/server_state.h"

namespace kthena::http {
namespace {

void log_root_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("http: {}", ex.what());
  }
}

bool admit(ServerState& st, const std::string& remote) {
  const ServerOptions& o = st.options;
  if (o.max_connections != 0 && st.live.load(std::memory_order_relaxed) >= o.max_connections) return false;
  if (o.max_connections_per_client != 0) {
    std::lock_guard lock(st.mu);
    size_t& n = st.per_client[remote];
    if (n >= o.max_connections_per_client) {
      if (n == 0) st.per_client.erase(remote);
      return false;
    }
    ++n;
  }
  st.live.fetch_add(1, std::memory_order_relaxed);
  return true;
}

asio::awaitable<void> accept_loop(std::shared_ptr<ServerState> st, ServerShard* shard) {
  tcp::acceptor& acceptor = *shard->acceptor;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kAwaitTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open() || st->stopping) {
        st->acceptor_ended();
        co_return;
      }
      // Out of file descriptors and the like: back off instead of spinning, and keep serving what is open.
      spdlog::warn("http: accept on {}:{} failed: {}", st->options.address, st->port, ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(kAwaitTuple);
      continue;
    }
    if (st->stopping) continue;
    error_code ignored;
    tcp::endpoint peer = socket.remote_endpoint(ignored);
    std::string remote = peer.address().to_string(ignored);
    if (!admit(*st, remote)) {
      ServerCounters::bump(st->counters.connections_refused);
      continue;  // the socket closes as it goes out of scope
    }
    socket.set_option(tcp::no_delay(true), ignored);
    Transport transport = st->tls ? Transport(std::move(socket), *st->tls) : Transport(std::move(socket));
    auto connection = std::make_unique<ServerConnection>(st, *shard, std::move(transport), std::move(remote));
    auto signal = connection->cancel_signal();
    asio::co_spawn(
        acceptor.get_executor(), ServerConnection::run(std::move(connection)),
        asio::bind_cancellation_slot(signal->slot(), [signal](std::exception_ptr e) { log_root_exception(e); }));
  }
}

Result<tcp::acceptor> open_acceptor(asio::io_context& ctx, const tcp::endpoint& ep, const ServerOptions& o,
                                    bool reuse_port) {
  tcp::acceptor acceptor(ctx);
  error_code ec;
  auto where = [&] { return o.address + ":" + std::to_string(ep.port()); };
  acceptor.open(ep.protocol(), ec);
  if (ec) return fail(ErrorCode::kIo, "cannot open a socket: " + ec.message(), where());
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (reuse_port) {
    int one = 1;
    ::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  }
  acceptor.bind(ep, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot listen: " + ec.message(), where());
  acceptor.listen(o.backlog, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot listen: " + ec.message(), where());
  return acceptor;
}

}  // namespace

void ServerState::connection_ended(const std::string& remote) {
  live.fetch_sub(1, std::memory_order_relaxed);
  if (options.max_connections_per_client != 0 || stopping) {
    std::lock_guard lock(mu);
    if (options.max_connections_per_client != 0) {
      auto it = per_client.find(remote);
      if (it != per_client.end() && --it->second == 0) per_client.erase(it);
    }
    ended.notify_all();
  }
}

void ServerState::acceptor_ended() {
  std::lock_guard lock(mu);
  accepting.fetch_sub(1);
  ended.notify_all();
}

Result<std::unique_ptr<Server>> Server::start(ReactorPool& pool, ServerOptions options, Handler handler) {
  auto st = std::make_shared<ServerState>();
  error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) return fail(ErrorCode::kInvalid, "not an IP address: \"" + options.address + "\"", "address");
  if (options.tls) {
    auto ctx = make_server_tls_context(*options.tls);
    if (!ctx) return tl::unexpected(ctx.error());
    st->tls = std::move(*ctx);
  }
  st->options = std::move(options);
  st->budget.set_limit(st->options.max_buffered_bytes);
  st->handler = std::move(handler);
  const ServerOptions& o = st->options;
  bool every = o.accept == ServerOptions::Accept::kEveryReactor && pool.size() > 1;
  if (every) {
    for (size_t i = 0; i < pool.size(); ++i) st->shards.push_back(std::make_unique<ServerShard>(pool.reactor(i)));
  } else {
    Reactor& r = o.reactor_index >= 0 ? pool.reactor(static_cast<size_t>(o.reactor_index)) : pool.next();
    st->shards.push_back(std::make_unique<ServerShard>(r));
  }
  uint16_t port = o.port;
  if (every && port != 0) {
    // SO_REUSEPORT lets any process of the same user join the group and take a share of the connections: a second
    // API server with another data dir would answer half of the first one's clients with the wrong CA. A plain bind
    // first (it fails while any socket listens there, group or not) refuses a port someone holds. Between its close
    // and the group's bind, another server could still slip in. Port 0 needs no probe: the kernel picks a port
    // nobody holds (and a probe's port, once closed, could be taken as the source port of any outgoing connection
    // before the group binds it: that failed one start in ten here).
    auto probe = open_acceptor(pool.reactor(0).context(), tcp::endpoint(address, port), o, false);
    if (!probe) return tl::unexpected(probe.error());
  }
  for (auto& shard : st->shards) {
    auto acceptor = open_acceptor(shard->reactor->context(), tcp::endpoint(address, port), o, every);
    if (!acceptor) return tl::unexpected(acceptor.error());
    port = acceptor->local_endpoint().port();
    shard->acceptor.emplace(std::move(*acceptor));
  }
  st->port = port;
  st->accepting = st->shards.size();
  for (auto& shard : st->shards) {
    asio::co_spawn(shard->reactor->context(), accept_loop(st, shard.get()), log_root_exception);
  }
  return std::unique_ptr<Server>(new Server(std::move(st)));
}

Server::~Server() {
  shutdown(std::chrono::milliseconds(0));
}

uint16_t Server::port() const {
  return state_->port;
}
const std::string& Server::address() const {
  return state_->options.address;
}
size_t Server::connections() const {
  return state_->live.load();
}
size_t Server::buffered_bytes() const {
  return state_->budget.used();
}
ServerStats Server::stats() const {
  const ServerCounters& c = state_->counters;
  auto get = [](const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  return ServerStats{get(c.connections_refused), get(c.malformed),       get(c.head_too_large), get(c.body_too_large),
                     get(c.over_buffer_budget),  get(c.header_timeouts), get(c.body_timeouts),  get(c.io_timeouts)};
}

void Server::shutdown(std::chrono::milliseconds grace) {
  ServerState& st = *state_;
  {
    std::lock_guard lock(st.mu);
    if (st.shut_down) return;
    st.shut_down = true;
  }
  st.stopping = true;
  auto for_each_shard = [&](auto action) {
    for (auto& shard : st.shards) {
      ServerShard* s = shard.get();
      asio::post(s->reactor->context(), [state = state_, s, action] { action(*s); });
    }
  };
  for_each_shard([](ServerShard& s) {
    error_code ignored;
    if (s.acceptor) s.acceptor->close(ignored);
    for (ServerConnection& c : s.connections) c.drain();
  });
  std::unique_lock lock(st.mu);
  // The accept loops must be gone before the reactors stop, or their frames would outlive the io_context's services.
  st.ended.wait_for(lock, std::chrono::seconds(5), [&] { return st.accepting.load() == 0; });
  st.ended.wait_for(lock, grace, [&] { return st.live.load() == 0; });
  if (st.live.load() == 0) return;
  lock.unlock();
  for_each_shard([](ServerShard& s) {
    for (ServerConnection& c : s.connections) c.force_close();
  });
  lock.lock();
  // Closing sockets ends every connection blocked on I/O; a handler awaiting something else ends when it returns.
  if (!st.ended.wait_for(lock, std::chrono::seconds(5), [&] { return st.live.load() == 0; })) {
    spdlog::warn("http: {}:{}: {} connections still busy after shutdown", st.options.address, st.port, st.live.load());
  }
}

}  // namespace kthena::http
