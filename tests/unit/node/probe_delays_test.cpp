// The simulation profile's probe delays: an engine on kthena engine-sim loads no weights, so the minutes upstream's
// engines wait before their first probe are capped (pod_worker.cpp records an event saying so).
#include <gtest/gtest.h>

#include "node/probes.h"

namespace kthena::node {
namespace {

TEST(CapInitialDelays, LowersEachProbeAboveTheCapAndSaysWhich) {
  const ProbeDelayCaps caps{.ready = 2, .liveness = 60};
  Json container = Json::parse(R"({
    "name": "engine",
    "readinessProbe": {"httpGet": {"path": "/health", "port": 8000}, "initialDelaySeconds": 180, "periodSeconds": 5},
    "livenessProbe": {"httpGet": {"path": "/health", "port": 8000}, "initialDelaySeconds": 900},
    "startupProbe": {"tcpSocket": {"port": 8000}, "initialDelaySeconds": 1}
  })");
  auto capped = cap_initial_delays(container, caps);
  EXPECT_EQ(capped, (std::vector<std::string>{"livenessProbe 900 s to 60 s", "readinessProbe 180 s to 2 s"}));
  EXPECT_EQ(container["readinessProbe"]["initialDelaySeconds"], 2);
  // Liveness restarts the engine: its cap leaves a loaded machine time to start it.
  EXPECT_EQ(container["livenessProbe"]["initialDelaySeconds"], 60);
  // Below the cap: untouched; and the rest of the probe is as written.
  EXPECT_EQ(container["startupProbe"]["initialDelaySeconds"], 1);
  EXPECT_EQ(container["readinessProbe"]["periodSeconds"], 5);
  // Idempotent: a restarted container's spec has nothing left to cap.
  EXPECT_TRUE(cap_initial_delays(container, caps).empty());
}

TEST(CapInitialDelays, NoProbesNoDelayNothingToSay) {
  Json container = Json::parse(R"({"name": "c", "readinessProbe": {"exec": {"command": ["true"]}}})");
  EXPECT_TRUE(cap_initial_delays(container, {.ready = 2, .liveness = 60}).empty());
  EXPECT_FALSE(container["readinessProbe"].contains("initialDelaySeconds"));
  Json bare = Json::parse(R"({"name": "c"})");
  EXPECT_TRUE(cap_initial_delays(bare, {.ready = 2, .liveness = 60}).empty());
  EXPECT_EQ(bare, Json::parse(R"({"name": "c"})"));
}

}  // namespace
}  // namespace kthena::node
