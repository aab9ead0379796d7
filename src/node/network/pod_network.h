// The pod network of the node agent: each pod gets a network namespace of its own whose interface is eth0, with an
// address on a bridge the agent creates on a private subnet (a small CNI bridge: a veth pair per pod), so that every
// pod may bind 0.0.0.0:8000 and the host (the router) reaches each at its pod IP. Allocations are recorded under the
// state folder, so a restarted agent keeps each pod's address and can remove what pods it no longer has left.
// Without the privilege for namespaces, pods share the host's network and get a loopback address each (127.x.y.z),
// which isolated() reports.
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace kthena::node {

struct PodNetworkOptions {
  std::filesystem::path state_dir;  // allocations, one file per pod, written atomically
  std::string bridge = "kthena0";
  std::string subnet = "10.244.0.0/16";  // the bridge takes the first address
  bool loopback_only = false;            // force the fallback (tests, or a host where namespaces are unwanted)
  // Namespaces are /run/netns/<netns_prefix><uid>; collect_garbage() reclaims every name with this prefix, so two
  // networks on one host (tests running in parallel) each need a prefix that is not a prefix of the other's.
  std::string netns_prefix = "kthena-";
};

struct PodNet {
  std::string ip;          // the pod's address
  std::string netns_path;  // "/run/netns/kthena-<uid>", or "" in loopback mode (the host's namespace)
};

// Implementations are thread-safe: the agent may set up and tear down pods from several threads.
class PodNetwork {
 public:
  // Sets up the bridge (idempotent), or chooses loopback mode when namespaces cannot be made (logged, with why).
  static Result<std::unique_ptr<PodNetwork>> create(PodNetworkOptions options);
  virtual ~PodNetwork() = default;

  virtual bool isolated() const = 0;        // a namespace per pod
  virtual std::string gateway() const = 0;  // the host's address as pods see it (the bridge), or 127.0.0.1
  // The pod's network; the same address for the same uid every time (recorded), until teardown().
  virtual Result<PodNet> setup(const std::string& pod_uid) = 0;
  // Removes the namespace, the veth pair and the record; a pod without one is no error.
  virtual Result<void> teardown(const std::string& pod_uid) = 0;
  // The uids with a recorded allocation (a restarted agent adopts or tears them down).
  virtual std::vector<std::string> recorded() const = 0;
  // Tears down every pod not in `live_uids`: recorded ones and namespaces named with netns_prefix alike (a restarted
  // agent's strays). Returns the uids torn down; stops at the first failure.
  virtual Result<std::vector<std::string>> collect_garbage(const std::set<std::string>& live_uids) = 0;
};

}  // namespace kthena::node
