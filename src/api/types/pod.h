// core/v1 Pod, typed for the router: identity, labels, whether it can take traffic, and where to reach it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/json.h"
#include "api/types/object_meta.h"
#include "common/result.h"

namespace kthena::api {

enum class PodPhase { kPending, kRunning, kSucceeded, kFailed, kUnknown };
std::string_view to_string(PodPhase phase);

struct Pod {
  ObjectMeta metadata;
  std::optional<PodPhase> phase;  // status.phase; absent in hand-written static manifests
  std::optional<bool> ready;      // the status of condition Ready; absent when the pod has no such condition
  std::string pod_ip;             // status.podIP
  std::string node_name;          // spec.nodeName
  std::string start_time;         // status.startTime as stored
  // Unix seconds of the most recent status.containerStatuses[].state.running.startedAt (kvcache-aware freshness).
  std::optional<int64_t> newest_container_started_at;
};

// Upstream's eligibility rule (kthena-router.md §5.1): not deleting, phase Running and condition Ready True, and
// an IP to dial. With `assume_running_when_absent` (static files) a missing phase or Ready condition counts as
// Running / Ready; a present one still has to say so.
bool pod_is_eligible(const Pod& pod, bool assume_running_when_absent);

Result<Pod> decode_pod(const Json& object);

// Seconds since the Unix epoch of an RFC 3339 timestamp ("2026-01-02T03:04:05Z", offsets and fractions allowed).
std::optional<int64_t> parse_rfc3339_seconds(std::string_view text);

}  // namespace kthena::api
