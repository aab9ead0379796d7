#include "router/pipeline/upstream_failure.h"

#include <fmt/format.h>

#include "common/log.h"
#include "router/endpoints/passive_health.h"

namespace kthena::router {

void record_transport_failure(RequestState& st, const Endpoint& pod, const Error& error) {
  st.log.error_type = "upstream_transport";
  st.log.error_message = fmt::format("pod {}: {}", pod.name(), error.to_string());
  std::optional<EjectionReason> reason;
  if (error.code == ErrorCode::kUnavailable) reason = EjectionReason::kConnectFailure;
  if (error.code == ErrorCode::kTimeout) reason = EjectionReason::kTimeout;
  if (!reason) {
    spdlog::debug("request {}: pod {} failed: {}", st.request_id, pod.key, error.to_string());
    return;
  }
  std::chrono::seconds out = eject(*pod.stats, *reason, CoarseClock::now());
  if (out.count() == 0) return;  // already ejected: reported once
  st.w.metrics().add(Metric::kUpstreamEjections, {pod.key, to_string(*reason)});
  spdlog::warn("pod {} ejected for {} s after {}: {}", pod.key, out.count(), to_string(*reason), error.to_string());
}

}  // namespace kthena::router
