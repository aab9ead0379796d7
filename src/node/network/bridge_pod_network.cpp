#include "node/network/bridge_pod_network.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "node/network/named_netns.h"

namespace kthena::node {
namespace {

constexpr std::string_view kNetnsDir = "/run/netns";
constexpr std::string_view kPodInterface = "eth0";  // what the generated boosters name (HCCL/GLOO_SOCKET_IFNAME)

// FNV-1a: stable across builds and restarts, unlike std::hash, so a restarted agent finds the veths it made.
uint32_t fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

// A locally administered unicast MAC derived from the bridge's name: the same bridge gets the same MAC every time.
std::array<uint8_t, 6> bridge_mac(std::string_view bridge) {
  const uint32_t h = fnv1a(bridge);
  return {0x02, 0x6b, 0x74, static_cast<uint8_t>(h >> 16), static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h)};
}

// br_netfilter hands bridged frames to iptables' FORWARD chain; a host whose policy there is DROP (Docker sets it)
// then cuts pods off from each other though each still reaches the host. We cannot read nftables' verdict from
// here, so we say what to look at.
void say_if_bridged_traffic_is_filtered(const std::string& bridge) {
  std::ifstream in("/proc/sys/net/bridge/bridge-nf-call-iptables");
  int on = 0;
  if (in >> on && on == 1) {
    spdlog::info(
        "pod network: net.bridge.bridge-nf-call-iptables=1, so pod-to-pod traffic on {} passes the host's iptables "
        "FORWARD chain; if pods cannot reach each other, allow it (iptables -I FORWARD -i {} -o {} -j ACCEPT)",
        bridge, bridge, bridge);
  }
}

}  // namespace

std::string host_veth_name(const std::string& pod_uid) {
  return fmt::format("kth{:08x}", fnv1a(pod_uid));
}

BridgePodNetwork::BridgePodNetwork(Key, const PodNetworkOptions& options, const Ipv4Subnet& subnet, Netlink host,
                                   int bridge_index)
    : options_(options),
      subnet_(subnet),
      gateway_(subnet.network + 1),
      bridge_index_(bridge_index),
      host_(std::move(host)),
      addresses_(options.state_dir, subnet.network + 2, subnet.broadcast() - 1, /*skip_octet_edges=*/false) {}

Result<std::unique_ptr<PodNetwork>> BridgePodNetwork::create(const PodNetworkOptions& options,
                                                             const Ipv4Subnet& subnet) {
  if (options.bridge.empty() || options.bridge.size() > 15) {
    return fail(ErrorCode::kInvalid, fmt::format("bridge name \"{}\" must be 1..15 bytes", options.bridge));
  }
  if (auto probe = probe_new_netns(); !probe) return fail(probe.error());
  auto host = Netlink::open();
  if (!host) return fail(host.error());
  auto created = host->create_bridge(options.bridge, bridge_mac(options.bridge));
  if (!created) return fail(created.error());
  auto index = host->link_index(options.bridge);
  if (!index) return fail(index.error());
  if (!*index) return fail(ErrorCode::kIo, fmt::format("bridge {} vanished after creation", options.bridge));
  // The address also installs the subnet's route through the bridge: that is how the host (the router) reaches pods.
  if (auto added = host->add_address(**index, subnet.network + 1, subnet.prefix_len); !added) {
    return fail(added.error());
  }
  if (auto up = host->set_up(**index); !up) return fail(up.error());
  spdlog::info("pod network: bridge {} ({}, gateway {}), a network namespace per pod", options.bridge,
               *created ? "created" : "kept",
               format_ipv4(subnet.network + 1) + "/" + std::to_string(subnet.prefix_len));
  say_if_bridged_traffic_is_filtered(options.bridge);
  return std::make_unique<BridgePodNetwork>(Key(), options, subnet, std::move(*host), **index);
}

std::filesystem::path BridgePodNetwork::netns_path(const std::string& pod_uid) const {
  return std::filesystem::path(kNetnsDir) / (options_.netns_prefix + pod_uid);
}

Result<PodNet> BridgePodNetwork::setup(const std::string& pod_uid) {
  std::lock_guard lock(mutex_);
  if (auto valid = check_pod_uid(pod_uid); !valid) return fail(valid.error());
  // Two uids whose hashes meet would share a veth name, and wiring the second would delete the first's pair.
  const std::string veth = host_veth_name(pod_uid);
  for (const auto& other : addresses_.uids()) {
    if (other != pod_uid && host_veth_name(other) == veth) {
      return fail(ErrorCode::kConflict, fmt::format("pod {} would share veth {} with pod {}", pod_uid, veth, other));
    }
  }
  auto ip = addresses_.assign(pod_uid);
  if (!ip) return fail(ip.error());
  const auto path = netns_path(pod_uid);
  auto created = create_named_netns(path);
  if (!created) return fail(created.error());
  if (auto wired = wire(pod_uid, *ip); !wired) {
    // A namespace made by this call has no process in it yet: undo all. One that existed may hold a running pod
    // (an agent restarted beneath it), so it is left for teardown to decide.
    if (*created) (void)teardown_locked(pod_uid);
    return fail(wired.error());
  }
  return PodNet{format_ipv4(*ip), path.string()};
}

Result<void> BridgePodNetwork::wire(const std::string& pod_uid, uint32_t ip) {
  const auto path = netns_path(pod_uid);
  const std::string veth = host_veth_name(pod_uid);
  auto inside = Netlink::open_in(path);
  if (!inside) return fail(inside.error());
  auto host_end = host_.link_index(veth);
  if (!host_end) return fail(host_end.error());
  auto pod_end = inside->link_index(kPodInterface);
  if (!pod_end) return fail(pod_end.error());
  // Both ends present: a pod set up before (the agent restarted); its settings are re-applied below, harmlessly.
  // One without the other is the remains of an interrupted setup: start the pair afresh.
  if (!*host_end || !*pod_end) {
    if (*host_end) {
      if (auto deleted = host_.delete_link(veth); !deleted) return fail(deleted.error());
    }
    if (*pod_end) {
      if (auto deleted = inside->delete_link(kPodInterface); !deleted) return fail(deleted.error());
    }
    UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) return fail(ErrorCode::kIo, fmt::format("opening {}: {}", path.string(), std::strerror(errno)));
    if (auto made = host_.create_veth(veth, kPodInterface, ns.get()); !made) return fail(made.error());
    host_end = host_.link_index(veth);
    if (!host_end) return fail(host_end.error());
    pod_end = inside->link_index(kPodInterface);
    if (!pod_end) return fail(pod_end.error());
    if (!*host_end || !*pod_end) return fail(ErrorCode::kIo, fmt::format("veth {} vanished after creation", veth));
  }
  if (auto up = host_.set_up(**host_end, bridge_index_); !up) return fail(up.error());
  auto lo = inside->link_index("lo");
  if (!lo) return fail(lo.error());
  if (*lo) {
    // localhost inside the pod: how a sidecar reaches its engine (http://localhost:8000/metrics).
    if (auto up = inside->set_up(**lo); !up) return fail(up.error());
  }
  if (auto added = inside->add_address(**pod_end, ip, subnet_.prefix_len); !added) return fail(added.error());
  if (auto up = inside->set_up(**pod_end); !up) return fail(up.error());
  // Through the gateway the pod reaches the host's own addresses (the API server, Redis); the subnet route that the
  // address brought reaches the other pods directly over the bridge.
  if (auto route = inside->add_default_route(gateway_, **pod_end); !route) return fail(route.error());
  return {};
}

Result<void> BridgePodNetwork::teardown(const std::string& pod_uid) {
  std::lock_guard lock(mutex_);
  if (auto valid = check_pod_uid(pod_uid); !valid) return fail(valid.error());
  return teardown_locked(pod_uid);
}

Result<void> BridgePodNetwork::teardown_locked(const std::string& pod_uid) {
  // The host end goes first: its peer (eth0) goes with it even when a process still holds the namespace.
  if (auto deleted = host_.delete_link(host_veth_name(pod_uid)); !deleted) return fail(deleted.error());
  if (auto removed = remove_named_netns(netns_path(pod_uid)); !removed) return fail(removed.error());
  return addresses_.release(pod_uid);
}

std::vector<std::string> BridgePodNetwork::recorded() const {
  std::lock_guard lock(mutex_);
  return addresses_.uids();
}

Result<std::vector<std::string>> BridgePodNetwork::collect_garbage(const std::set<std::string>& live_uids) {
  std::lock_guard lock(mutex_);
  std::set<std::string> candidates;
  for (auto& uid : addresses_.uids()) candidates.insert(std::move(uid));
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kNetnsDir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(options_.netns_prefix)) continue;
    std::string uid = name.substr(options_.netns_prefix.size());
    if (check_pod_uid(uid)) candidates.insert(std::move(uid));
  }
  std::vector<std::string> removed;
  for (const auto& uid : candidates) {
    if (live_uids.contains(uid)) continue;
    if (auto down = teardown_locked(uid); !down) return fail(down.error());
    spdlog::info("pod network: removed the network of pod {}, which this node no longer runs", uid);
    removed.push_back(uid);
  }
  return removed;
}

}  // namespace kthena::node
