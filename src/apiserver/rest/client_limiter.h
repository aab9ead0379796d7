// A cap on the requests one client (by remote address) has in flight, so that one runaway client cannot take every
// thread of the blocking pool or every file descriptor: past the cap it gets 429 with Retry-After.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace kthena::apiserver {

// Thread-safe.
class ClientLimiter {
 public:
  explicit ClientLimiter(size_t limit) : limit_(limit) {}

  // A slot for `client`, released when the Slot is destroyed; empty (false) when the client is at its cap.
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

  Slot acquire(std::string_view client);
  size_t in_flight(std::string_view client) const;

 private:
  void release(const std::string& client);
  const size_t limit_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, size_t> counts_;
};

}  // namespace kthena::apiserver
