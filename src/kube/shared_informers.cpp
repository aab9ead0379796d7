#include "kube/shared_informers.h"

#include "common/assert.h"

namespace kthena::kube {

SharedInformers::SharedInformers(std::shared_ptr<KubeClient> client, InformerOptions defaults)
    : client_(std::move(client)), defaults_(std::move(defaults)) {}

SharedInformers::~SharedInformers() {
  stop();
}

Informer& SharedInformers::get(const Resource& resource) {
  std::string key = resource.api_version() + "/" + resource.plural;
  auto it = informers_.find(key);
  if (it != informers_.end()) return *it->second;
  KTHENA_ASSERT(!started_, "an informer added after start() would never run");
  auto informer = std::make_unique<Informer>(client_, resource, defaults_);
  return *informers_.emplace(key, std::move(informer)).first->second;
}

void SharedInformers::start() {
  started_ = true;
  for (auto& [key, informer] : informers_) informer->start();
}

bool SharedInformers::wait_for_sync(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& [key, informer] : informers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!informer->wait_for_sync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

void SharedInformers::stop() {
  for (auto& [key, informer] : informers_) informer->stop();
}

}  // namespace kthena::kube
