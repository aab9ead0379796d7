// Passive health checking (Envoy's outlier detection): a pod that refuses connections, cannot be reached, or leaves a
// request without a response head past its deadline is ejected, that is skipped by the scheduler, for a back-off
// that doubles with each ejection in a row (5 s, 10 s, ... 60 s). An ejection for a refused or failed connection ends
// early when a scrape of the pod succeeds (it is back); one for a timeout does not (an engine that still serves its
// metrics may be stuck generating).
// A pod whose metrics scrapes fail kScrapeFailuresToEject times in a row is skipped until one succeeds. Without this,
// a dead pod keeps its in-flight count at zero and least-request sends it most requests first (86 % measured in front
// of real llama.cpp servers). When every candidate is ejected, all are tried (Envoy's panic mode): a wrong guess
// costs an attempt, refusing every request costs more.
//
// Thread contract: any thread (relaxed atomics on EndpointStats; a racing pair of ejections both log, harmlessly).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/coarse_clock.h"
#include "router/endpoints/endpoint.h"

namespace kthena::router {

enum class EjectionReason { kConnectFailure, kTimeout, kScrapeFailure };
std::string_view to_string(EjectionReason reason);

inline constexpr std::chrono::seconds kEjectionBase{5};
inline constexpr std::chrono::seconds kEjectionMax{60};
inline constexpr uint32_t kScrapeFailuresToEject = 3;

// Ejects the pod after a failure the pod itself caused. Returns how long it sits out when this call ejected it, or
// zero when it already was.
std::chrono::seconds eject(EndpointStats& stats, EjectionReason reason, CoarseClock::time_point now);
// The pod answered: the next ejection starts from the base back-off again, and one in progress ends.
void answered(EndpointStats& stats);
// A scrape of the pod succeeded (it is reachable): an ejection for a connection failure ends, and so does the
// pod's scrape unhealthiness. Returns true when the pod was skipped before and is not now.
bool scrape_succeeded(EndpointStats& stats);
// A scrape failed. Returns true when this failure made the pod unhealthy.
bool scrape_failed(EndpointStats& stats);

inline bool is_ejected(const EndpointStats& stats, CoarseClock::time_point now) {
  return stats.scrape_unhealthy.load(std::memory_order_relaxed) ||
         stats.ejected_until.load(std::memory_order_relaxed) > now.time_since_epoch().count();
}

// The candidates that are not ejected, in `scratch`; all of them when every one is ejected (or none is, without
// copying).
std::span<const Endpoint* const> healthy(std::span<const Endpoint* const> candidates, CoarseClock::time_point now,
                                         std::vector<const Endpoint*>& scratch);

}  // namespace kthena::router
