// Container probes as the kubelet runs them (startup, liveness, readiness): httpGet, tcpSocket and exec, with
// initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold and failureThreshold. gRPC probes are
// refused clearly (the probe fails with a message saying so), never silently passed.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "api/json.h"
#include "node/process/container_process.h"

namespace kthena::node {

struct ProbeOutcome {
  bool ok = false;
  std::string message;  // why it failed, for the Unhealthy event: "Get \"http://10.244.0.5:8000/health\": ..."
};

// One probe attempt. `host` is the pod IP (httpGet.host overrides it); named ports are looked up in `container`'s
// ports. `process` runs exec probes (may be null when the container is not running: the probe fails).
ProbeOutcome run_probe(const Json& probe, const std::string& host, const Json& container, ContainerProcess* process);

// The most initialDelaySeconds a probe keeps: `ready` for the startup and readiness probes, which gate Ready, and
// `liveness` for the liveness probe, which only decides when a silent engine is restarted.
struct ProbeDelayCaps {
  int ready = 0;
  int liveness = 0;
};

// Lowers the probes' initialDelaySeconds of `container` to `caps`, in place. Returns what it changed
// ("readinessProbe 180 s to 2 s"), for the pod's events. The simulation profile does this for engines it runs on
// kthena engine-sim: an engine's delay covers loading weights, which the simulator does not do, and would keep a
// simulated pod from Ready for minutes.
std::vector<std::string> cap_initial_delays(Json& container, ProbeDelayCaps caps);

// The thresholds and timing of one probe of one running container.
class ProbeTracker {
 public:
  using Clock = std::chrono::steady_clock;
  // `started`: when the container started; `initially_passing`: what the result is before the first verdict
  // (readiness: false; liveness and startup: true until they fail).
  ProbeTracker(const Json& probe, Clock::time_point started, bool initially_passing);

  bool due(Clock::time_point now) const;
  // Records one attempt; returns true when the verdict (passing()) changed.
  bool record(const ProbeOutcome& outcome, Clock::time_point now);
  bool passing() const { return passing_; }
  const std::string& last_message() const { return last_message_; }

 private:
  std::chrono::milliseconds initial_delay_, period_;
  int success_threshold_, failure_threshold_;
  Clock::time_point started_, next_;
  int successes_ = 0, failures_ = 0;
  bool passing_;
  std::string last_message_;
};

}  // namespace kthena::node
