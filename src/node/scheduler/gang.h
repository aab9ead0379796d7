// Volcano's gang rule for one PodGroup on one node (docs/node.md, "Scheduling"): bind the group's minimum at once or
// none of it, then whatever else of it fits.
#pragma once

#include <string>
#include <vector>

#include "node/scheduler/pod_view.h"

namespace kthena::node {

// `members`: the pods naming the group, in creation order. Appends bindings and waiting pods to `decisions`, charges
// `ledger` only for what it binds, and says what the group's status should be.
GangOutcome schedule_gang(const NodeState& node, Ledger& ledger, const std::string& key, const Json& pod_group,
                          const std::vector<const PodView*>& members, Decisions& decisions);

}  // namespace kthena::node
