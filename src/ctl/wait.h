// `kthena wait`: until an object's condition has a value (or the object is gone), on a watch of that one object,
// so the wait ends on the event rather than on a poll.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"
#include "ctl/resource_kinds.h"
#include "kube/client.h"

namespace kthena::ctl {

struct WaitCondition {
  bool for_delete = false;     // --for=delete
  std::string type;            // --for=condition=Active
  std::string value = "True";  // --for=condition=Active=False
};

// "condition=Active", "condition=Active=False", "delete"; errors name the flag.
Result<WaitCondition> parse_wait_condition(std::string_view text);

// Blocks until the condition holds (ok), or `deadline` (kTimeout: "timed out waiting for the condition on
// model-booster/demo"). A missing object is waited for, except with --for=delete, where it is the success.
Result<void> wait_for(kube::KubeClient& client, const ResolvedKind& kind, std::string_view ns, std::string_view name,
                      const WaitCondition& condition, std::chrono::steady_clock::time_point deadline);

}  // namespace kthena::ctl
