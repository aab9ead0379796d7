// The isolated pod network: a bridge on the host holding the subnet's first address (the pods' gateway, and the
// route by which the host reaches every pod), and per pod a named network namespace joined to the bridge by a veth
// pair whose inner end is eth0.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "node/network/address_book.h"
#include "node/network/ipv4_subnet.h"
#include "node/network/netlink.h"
#include "node/network/pod_network.h"

namespace kthena::node {

// The host end of a pod's veth: "kth" + 8 hex digits of a stable hash of the uid (interface names hold 15 bytes; a
// uid does not fit).
std::string host_veth_name(const std::string& pod_uid);

class BridgePodNetwork final : public PodNetwork {
 public:
  // Makes the bridge (kept when it exists), gives it the gateway address and brings it up. kForbidden when this
  // process lacks the privilege: the caller falls back to loopback mode.
  static Result<std::unique_ptr<PodNetwork>> create(const PodNetworkOptions& options, const Ipv4Subnet& subnet);

  // PodNetwork
  bool isolated() const override { return true; }
  std::string gateway() const override { return format_ipv4(gateway_); }
  Result<PodNet> setup(const std::string& pod_uid) override;
  Result<void> teardown(const std::string& pod_uid) override;
  std::vector<std::string> recorded() const override;
  Result<std::vector<std::string>> collect_garbage(const std::set<std::string>& live_uids) override;

 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  // Only create() makes one (Key is private).
  BridgePodNetwork(Key, const PodNetworkOptions& options, const Ipv4Subnet& subnet, Netlink host, int bridge_index);

 private:
  std::filesystem::path netns_path(const std::string& pod_uid) const;
  Result<void> wire(const std::string& pod_uid, uint32_t ip);  // the veth pair and eth0's settings
  Result<void> teardown_locked(const std::string& pod_uid);

  const PodNetworkOptions options_;
  const Ipv4Subnet subnet_;
  const uint32_t gateway_;
  const int bridge_index_;
  mutable std::mutex mutex_;  // guards host_ and addresses_, and makes each setup/teardown whole
  Netlink host_;
  AddressBook addresses_;
};

}  // namespace kthena::node
