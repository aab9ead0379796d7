// The fallback pod network, for hosts where this process may not make namespaces: pods share the host's network,
// each with an address of its own in 127.0.0.0/8 (every one of which is local on Linux). What is lost: ports are
// shared, so two pods binding 0.0.0.0:8000 collide (a pod must bind its own address, or a port of its own), eth0 is
// the host's, and localhost reaches every pod and the host alike.
#pragma once

#include <memory>
#include <mutex>

#include "node/network/address_book.h"
#include "node/network/pod_network.h"

namespace kthena::node {

class LoopbackPodNetwork final : public PodNetwork {
 public:
  // `why`: the reason namespaces are not used, said in the one line logged at start with what pods lose.
  static std::unique_ptr<PodNetwork> create(const PodNetworkOptions& options, const std::string& why);
  explicit LoopbackPodNetwork(const PodNetworkOptions& options);

  // PodNetwork
  bool isolated() const override { return false; }
  std::string gateway() const override { return "127.0.0.1"; }
  Result<PodNet> setup(const std::string& pod_uid) override;
  Result<void> teardown(const std::string& pod_uid) override;
  std::vector<std::string> recorded() const override;
  Result<std::vector<std::string>> collect_garbage(const std::set<std::string>& live_uids) override;

 private:
  mutable std::mutex mutex_;  // makes each allocation whole against another
  AddressBook addresses_;
};

}  // namespace kthena::node
