#include "sim/kv_transfer_registry.h"

#include "sim/engine.h"

namespace kthena::sim {

void KvTransferRegistry::add_engine(Engine& engine) {
  std::lock_guard lock(mu_);
  engines_[engine.engine_id()] = &engine;
}

void KvTransferRegistry::remove_engine(Engine& engine) {
  std::lock_guard lock(mu_);
  engines_.erase(engine.engine_id());
  for (auto it = held_.begin(); it != held_.end();) {
    it = it->second == &engine ? held_.erase(it) : std::next(it);
  }
}

Engine* KvTransferRegistry::find_engine(const std::string& engine_id) {
  std::lock_guard lock(mu_);
  auto it = engines_.find(engine_id);
  return it == engines_.end() ? nullptr : it->second;
}

void KvTransferRegistry::publish(const std::string& key, Engine& holder) {
  std::lock_guard lock(mu_);
  held_[key] = &holder;
}

Engine* KvTransferRegistry::take(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = held_.find(key);
  if (it == held_.end()) return nullptr;
  Engine* e = it->second;
  held_.erase(it);
  return e;
}

}  // namespace kthena::sim
