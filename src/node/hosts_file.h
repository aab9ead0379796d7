// The /etc/hosts a pod sees: how names resolve "as in a cluster" without a DNS server. A headless Service resolves
// to the addresses of the pods it selects (ready ones, or all with publishNotReadyAddresses), under
// <svc>.<ns>, <svc>.<ns>.svc and <svc>.<ns>.svc.cluster.local (so ENTRY_ADDRESS "<entry pod>.<ns>" reaches the
// entry pod); a pod with a subdomain is <hostname>.<subdomain>.<ns>.svc.cluster.local; hostAliases are added as the
// kubelet adds them. Pure, so the content is a table test; the agent rewrites the file in place when it changes.
#pragma once

#include <string>
#include <vector>

#include "api/json.h"
#include "kube/object_cache.h"

namespace kthena::node {

// `pods` and `services`: those of the pod's namespace (pods with a status.podIP count).
std::string hosts_file(const Json& pod, const std::string& pod_ip, const std::vector<kube::ObjectPtr>& pods,
                       const std::vector<kube::ObjectPtr>& services);

// Whether `labels` match a Service's spec.selector (every key equal; an empty selector selects nothing).
bool selector_matches(const Json& selector, const Json& labels);

}  // namespace kthena::node
