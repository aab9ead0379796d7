#include "node/network/loopback_pod_network.h"

#include <spdlog/spdlog.h>

#include "node/network/ipv4_subnet.h"

namespace kthena::node {
namespace {

// 127.1.0.1 upward: 127.0.0.x is the host's own (127.0.0.1, systemd-resolved's 127.0.0.53).
constexpr uint32_t kFirst = (127u << 24) | (1u << 16) | 1u;
constexpr uint32_t kLast = (127u << 24) | (254u << 16) | (255u << 8) | 254u;

}  // namespace

LoopbackPodNetwork::LoopbackPodNetwork(const PodNetworkOptions& options)
    : addresses_(options.state_dir, kFirst, kLast, /*skip_octet_edges=*/true) {}

std::unique_ptr<PodNetwork> LoopbackPodNetwork::create(const PodNetworkOptions& options, const std::string& why) {
  spdlog::warn(
      "pod network: loopback mode ({}): pods share the host's network, each with its own 127.x.y.z address; ports are "
      "shared across pods (two pods binding 0.0.0.0:8000 collide: bind the pod's address or a port of its own), "
      "there is no eth0 of the pod's own and localhost reaches every pod",
      why);
  return std::make_unique<LoopbackPodNetwork>(options);
}

Result<PodNet> LoopbackPodNetwork::setup(const std::string& pod_uid) {
  std::lock_guard lock(mutex_);
  auto ip = addresses_.assign(pod_uid);
  if (!ip) return fail(ip.error());
  return PodNet{format_ipv4(*ip), ""};
}

Result<void> LoopbackPodNetwork::teardown(const std::string& pod_uid) {
  std::lock_guard lock(mutex_);
  return addresses_.release(pod_uid);
}

std::vector<std::string> LoopbackPodNetwork::recorded() const {
  std::lock_guard lock(mutex_);
  return addresses_.uids();
}

Result<std::vector<std::string>> LoopbackPodNetwork::collect_garbage(const std::set<std::string>& live_uids) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> removed;
  for (const auto& uid : addresses_.uids()) {
    if (live_uids.contains(uid)) continue;
    if (auto released = addresses_.release(uid); !released) return fail(released.error());
    removed.push_back(uid);
  }
  return removed;
}

}  // namespace kthena::node
