// Builds Endpoints for scheduler and plugin tests without a snapshot.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "router/endpoints/endpoint.h"

namespace kthena::router::testing {

class EndpointFixture {
 public:
  Endpoint& add(const std::string& name, const std::string& ns = "default") {
    auto pod = std::make_shared<api::Pod>();
    pod->metadata.name = name;
    pod->metadata.namespace_name = ns;
    pod->pod_ip = "10.0.0." + std::to_string(endpoints_.size() + 1);
    auto e = std::make_unique<Endpoint>();
    e->pod = pod;
    e->key = ns + "/" + name;
    e->kv_owner = name + "." + ns;
    e->ip = pod->pod_ip;
    e->stats = std::make_shared<EndpointStats>(static_cast<uint32_t>(endpoints_.size()));
    endpoints_.push_back(std::move(e));
    pointers_.push_back(endpoints_.back().get());
    return *endpoints_.back();
  }
  const std::vector<const Endpoint*>& all() const { return pointers_; }
  Endpoint& operator[](size_t i) { return *endpoints_[i]; }

 private:
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::vector<const Endpoint*> pointers_;
};

}  // namespace kthena::router::testing
