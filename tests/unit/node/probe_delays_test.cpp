// The simulation profile's probe delays: an engine on kthena engine-sim loads no weights, so the minutes upstream's
// engines wait before their first probe are capped (pod_worker.cpp records an event saying so).
#include <gtest/gtest.h>

#include "node/probes.h"

namespace kthena::node {
namespace {

TEST(CapInitialDelays, LowersEachProbeAboveTheCapAndSaysWhich) {
  Json container = Json::parse(R"({
    "name": "engine",
    "readinessProbe": {"httpGet": {"path": "/health", "port": 8000}, "initialDelaySeconds": 180, "periodSeconds": 5},
    "livenessProbe": {"httpGet": {"path": "/health", "port": 8000}, "initialDelaySeconds": 900},
    "startupProbe": {"tcpSocket": {"port": 8000}, "initialDelaySeconds": 1}
  })");
  auto capped = cap_initial_delays(container, 2);
  EXPECT_EQ(capped, (std::vector<std::string>{"livenessProbe 900 s", "readinessProbe 180 s"}));
  EXPECT_EQ(container["readinessProbe"]["initialDelaySeconds"], 2);
  EXPECT_EQ(container["livenessProbe"]["initialDelaySeconds"], 2);
  // Below the cap: untouched; and the rest of the probe is as written.
  EXPECT_EQ(container["startupProbe"]["initialDelaySeconds"], 1);
  EXPECT_EQ(container["readinessProbe"]["periodSeconds"], 5);
  // Idempotent: a restarted container's spec has nothing left to cap.
  EXPECT_TRUE(cap_initial_delays(container, 2).empty());
}

TEST(CapInitialDelays, NoProbesNoDelayNothingToSay) {
  Json container = Json::parse(R"({"name": "c", "readinessProbe": {"exec": {"command": ["true"]}}})");
  EXPECT_TRUE(cap_initial_delays(container, 2).empty());
  EXPECT_FALSE(container["readinessProbe"].contains("initialDelaySeconds"));
  Json bare = Json::parse(R"({"name": "c"})");
  EXPECT_TRUE(cap_initial_delays(bare, 2).empty());
  EXPECT_EQ(bare, Json::parse(R"({"name": "c"})"));
}

}  // namespace
}  // namespace kthena::node
