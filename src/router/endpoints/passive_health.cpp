#include "router/endpoints/passive_health.h"

#include <algorithm>

namespace kthena::router {

std::string_view to_string(EjectionReason reason) {
  switch (reason) {
    case EjectionReason::kConnectFailure:
      return "connect_failure";
    case EjectionReason::kTimeout:
      return "timeout";
    case EjectionReason::kScrapeFailure:
      return "scrape_failure";
  }
  return "unknown";
}

std::chrono::seconds eject(EndpointStats& stats, EjectionReason reason, CoarseClock::time_point now) {
  int64_t now_ns = now.time_since_epoch().count();
  int64_t until = stats.ejected_until.load(std::memory_order_relaxed);
  if (until > now_ns) return std::chrono::seconds(0);
  uint32_t in_a_row = stats.ejections_in_a_row.fetch_add(1, std::memory_order_relaxed);
  std::chrono::seconds back_off = kEjectionBase * (int64_t{1} << std::min<uint32_t>(in_a_row, 4));
  back_off = std::min<std::chrono::seconds>(back_off, kEjectionMax);
  int64_t next = now_ns + std::chrono::duration_cast<std::chrono::nanoseconds>(back_off).count();
  // Only the thread that moves the deadline reports the ejection.
  if (!stats.ejected_until.compare_exchange_strong(until, next, std::memory_order_relaxed)) {
    return std::chrono::seconds(0);
  }
  stats.ejected_for_timeout.store(reason == EjectionReason::kTimeout, std::memory_order_relaxed);
  return back_off;
}

void answered(EndpointStats& stats) {
  if (stats.ejections_in_a_row.load(std::memory_order_relaxed) != 0) {
    stats.ejections_in_a_row.store(0, std::memory_order_relaxed);
  }
  if (stats.ejected_until.load(std::memory_order_relaxed) != 0) stats.ejected_until.store(0, std::memory_order_relaxed);
}

bool scrape_succeeded(EndpointStats& stats) {
  stats.scrape_failures_in_a_row.store(0, std::memory_order_relaxed);
  bool was_ejected = false;
  if (!stats.ejected_for_timeout.load(std::memory_order_relaxed)) {
    int64_t until = stats.ejected_until.load(std::memory_order_relaxed);
    was_ejected = until > CoarseClock::now().time_since_epoch().count() &&
                  stats.ejected_until.compare_exchange_strong(until, 0, std::memory_order_relaxed);
  }
  bool was_unhealthy = stats.scrape_unhealthy.exchange(false, std::memory_order_relaxed);
  return was_unhealthy || was_ejected;
}

bool scrape_failed(EndpointStats& stats) {
  uint32_t failures = stats.scrape_failures_in_a_row.fetch_add(1, std::memory_order_relaxed) + 1;
  if (failures < kScrapeFailuresToEject) return false;
  return !stats.scrape_unhealthy.exchange(true, std::memory_order_relaxed);
}

std::span<const Endpoint* const> healthy(std::span<const Endpoint* const> candidates, CoarseClock::time_point now,
                                         std::vector<const Endpoint*>& scratch) {
  size_t ejected = 0;
  for (const Endpoint* e : candidates) ejected += is_ejected(*e->stats, now);
  if (ejected == 0 || ejected == candidates.size()) return candidates;
  scratch.clear();
  for (const Endpoint* e : candidates) {
    if (!is_ejected(*e->stats, now)) scratch.push_back(e);
  }
  return scratch;
}

}  // namespace kthena::router
