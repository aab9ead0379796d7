// Who sent a request: the user a bearer token stands for. There is no RBAC (every identity may do everything); the
// identity decides whose share of the server a request takes (rest/client_limiter.h) and what `kubectl auth whoami`
// prints.
#pragma once

#include <string>
#include <vector>

namespace kthena::apiserver {

struct Identity {
  std::string user;  // "kthena-admin", "system:kthena:controller-manager", "system:anonymous"
  std::vector<std::string> groups;
  // A component of the platform (controller-manager, node agent, router): its requests get the larger share, so a
  // user's flood of requests cannot starve the controllers.
  bool system = false;
};

// The identity of plain-HTTP (token-less) requests, allowed on loopback only.
Identity anonymous_identity();
// The administrator: the token of DIR/token and DIR/kubeconfig, which kubectl and `kthena` use.
Identity admin_identity();
// A platform component ("controller-manager", "node", "router"): DIR/components/<name>.kubeconfig.
Identity component_identity(const std::string& component);

}  // namespace kthena::apiserver
