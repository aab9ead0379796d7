#include "apiserver/rest/client_limiter.h"

namespace kthena::apiserver {

ClientLimiter::Slot ClientLimiter::acquire(std::string_view client) {
  std::lock_guard lock(mutex_);
  auto& count = counts_[std::string(client)];
  if (limit_ > 0 && count >= limit_) {
    if (count == 0) counts_.erase(std::string(client));
    return {};
  }
  ++count;
  return Slot(this, std::string(client));
}

size_t ClientLimiter::in_flight(std::string_view client) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(std::string(client));
  return it == counts_.end() ? 0 : it->second;
}

void ClientLimiter::release(const std::string& client) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(client);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

}  // namespace kthena::apiserver
