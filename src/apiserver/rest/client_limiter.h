// A share of the server per client (an identity, or a remote address when requests are anonymous), in the spirit of
// Kubernetes' API Priority and Fairness: each client has its seats (requests in flight); a request past them waits in
// the client's queue, first come first served, until a seat frees or `queue_wait` passes, and only a full queue or
// that wait answers 429. One client's flood thus fills its own queue, not the server: the controller-manager, the
// node agent and the router, each their own identity with twice the seats, keep theirs.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "http/asio.h"

namespace kthena::apiserver {

struct ClientLimiterOptions {
  size_t seats = 64;        // per client; 0: unlimited
  size_t queue_length = 0;  // waiting requests per client; 0: none wait, past the seats is 429 at once
  std::chrono::milliseconds queue_wait{15000};
};

// Thread-safe.
class ClientLimiter {
 public:
  explicit ClientLimiter(ClientLimiterOptions options) : options_(options) {}

  // A seat for `client`, released when the Slot is destroyed; empty (false) when the client's queue is full or the
  // wait ran out.
  class Slot {
   public:
    Slot() = default;
    Slot(ClientLimiter* limiter, std::string client) : limiter_(limiter), client_(std::move(client)) {}
    Slot(Slot&& other) noexcept : limiter_(std::exchange(other.limiter_, nullptr)), client_(std::move(other.client_)) {}
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (limiter_ != nullptr) limiter_->release(client_);
    }
    explicit operator bool() const { return limiter_ != nullptr; }

   private:
    ClientLimiter* limiter_ = nullptr;
    std::string client_;
  };

  // `seat_factor` multiplies the seats (and the queue) of this client: 2 for the platform's components.
  http::asio::awaitable<Slot> acquire(std::string client, size_t seat_factor = 1);
  size_t in_flight(std::string_view client) const;
  size_t waiting(std::string_view client) const;

 private:
  struct Waiter;
  struct Client {
    size_t in_flight = 0;
    std::deque<std::shared_ptr<Waiter>> waiting;
  };
  void release(const std::string& client);

  const ClientLimiterOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Client> clients_;
};

}  // namespace kthena::apiserver
