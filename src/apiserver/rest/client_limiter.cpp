#include "apiserver/rest/client_limiter.h"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace kthena::apiserver {
namespace asio = http::asio;

// One queued request: its timer wakes it when the wait runs out, or earlier when release() hands it a seat.
struct ClientLimiter::Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
  bool granted = false;  // under the limiter's mutex
};

asio::awaitable<ClientLimiter::Slot> ClientLimiter::acquire(std::string client, size_t seat_factor) {
  const size_t seats = options_.seats * std::max<size_t>(seat_factor, 1);
  const size_t queue_length = options_.queue_length * std::max<size_t>(seat_factor, 1);
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(mutex_);
    Client& c = clients_[client];
    if (options_.seats == 0 || (c.in_flight < seats && c.waiting.empty())) {
      ++c.in_flight;
      co_return Slot(this, std::move(client));
    }
    if (c.waiting.size() >= queue_length) {
      if (c.in_flight == 0 && c.waiting.empty()) clients_.erase(client);
      co_return Slot();
    }
    waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
    waiter->timer.expires_after(options_.queue_wait);
    c.waiting.push_back(waiter);
  }
  boost::system::error_code ec;
  co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  // Woken by the seat, by the wait running out, or by the client going away: only `granted` says which.
  std::lock_guard lock(mutex_);
  if (waiter->granted) co_return Slot(this, std::move(client));
  auto it = clients_.find(client);
  if (it != clients_.end()) {
    auto& waiting = it->second.waiting;
    waiting.erase(std::remove(waiting.begin(), waiting.end(), waiter), waiting.end());
    if (it->second.in_flight == 0 && waiting.empty()) clients_.erase(it);
  }
  co_return Slot();
}

void ClientLimiter::release(const std::string& client) {
  std::lock_guard lock(mutex_);
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  Client& c = it->second;
  if (!c.waiting.empty()) {
    // The seat passes to the first waiter (in_flight unchanged). Its timer is cancelled on its own executor: an asio
    // timer is not safe to touch from another thread while its wait runs.
    std::shared_ptr<Waiter> next = std::move(c.waiting.front());
    c.waiting.pop_front();
    next->granted = true;
    asio::post(next->timer.get_executor(), [next] { next->timer.cancel(); });
    return;
  }
  if (--c.in_flight == 0) clients_.erase(it);
}

size_t ClientLimiter::in_flight(std::string_view client) const {
  std::lock_guard lock(mutex_);
  auto it = clients_.find(std::string(client));
  return it == clients_.end() ? 0 : it->second.in_flight;
}

size_t ClientLimiter::waiting(std::string_view client) const {
  std::lock_guard lock(mutex_);
  auto it = clients_.find(std::string(client));
  return it == clients_.end() ? 0 : it->second.waiting.size();
}

}  // namespace kthena::apiserver
