// One informer per resource for the whole process (client-go's SharedInformerFactory): every controller of a
// controller-manager that needs pods reads the same cache, filled by one list and one watch, and registers its own
// handlers on it. Reads of the caches never touch the network.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "kube/informer.h"

namespace kthena::kube {

// Not thread-safe before start() (controllers are wired on one thread); after start(), get() of a resource already
// created and the informers' caches may be used from any thread.
class SharedInformers {
 public:
  explicit SharedInformers(std::shared_ptr<KubeClient> client, InformerOptions defaults = {});
  ~SharedInformers();
  SharedInformers(const SharedInformers&) = delete;
  SharedInformers& operator=(const SharedInformers&) = delete;

  // The process's informer of `resource`, created on first use (handlers and indexes may be added until start()).
  Informer& get(const Resource& resource);
  void start();
  // True once every informer has applied its first list.
  bool wait_for_sync(std::chrono::milliseconds timeout);
  void stop();
  const std::shared_ptr<KubeClient>& client() const { return client_; }

 private:
  std::shared_ptr<KubeClient> client_;
  const InformerOptions defaults_;
  std::map<std::string, std::unique_ptr<Informer>> informers_;  // by "group/version/plural"
  bool started_ = false;
};

}  // namespace kthena::kube
