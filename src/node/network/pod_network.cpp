#include "node/network/pod_network.h"

#include "node/network/bridge_pod_network.h"
#include "node/network/ipv4_subnet.h"
#include "node/network/loopback_pod_network.h"

namespace kthena::node {

Result<std::unique_ptr<PodNetwork>> PodNetwork::create(PodNetworkOptions options) {
  if (options.state_dir.empty()) return fail(ErrorCode::kInvalid, "the pod network needs a state folder");
  if (options.loopback_only) return LoopbackPodNetwork::create(options, "asked for");
  auto subnet = Ipv4Subnet::parse(options.subnet);
  if (!subnet) return fail(subnet.error());
  auto bridge = BridgePodNetwork::create(options, *subnet);
  // Only a refusal for want of privilege falls back: any other failure (a bad name, a clash) is the operator's to
  // see, not to be papered over by a network with fewer guarantees.
  if (!bridge && bridge.error().code == ErrorCode::kForbidden) {
    return LoopbackPodNetwork::create(options, bridge.error().message);
  }
  return bridge;
}

}  // namespace kthena::node
