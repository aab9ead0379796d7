#include "api/types/pod.h"

#include <gtest/gtest.h>

namespace kthena::api {
namespace {

TEST(Pod, DecodesStatusAndEligibility) {
  auto pod = decode_pod(Json::parse(R"({
    "metadata": {"name": "p", "namespace": "ns", "labels": {"app": "a"}},
    "spec": {"nodeName": "n1"},
    "status": {"phase": "Running", "podIP": "10.0.0.1",
               "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
               "containerStatuses": [{"state": {"running": {"startedAt": "2026-01-01T00:00:10Z"}}},
                                     {"state": {"running": {"startedAt": "2026-01-01T00:00:20+00:00"}}}]}})"));
  ASSERT_TRUE(pod) << pod.error().to_string();
  EXPECT_EQ(pod->metadata.labels.at("app"), "a");
  EXPECT_EQ(pod->node_name, "n1");
  EXPECT_TRUE(pod_is_eligible(*pod, false));
  EXPECT_EQ(pod->newest_container_started_at, parse_rfc3339_seconds("2026-01-01T00:00:20Z"));
  pod->ready = false;
  EXPECT_FALSE(pod_is_eligible(*pod, true));
}

TEST(Pod, StaticPodsNeedOnlyAnIp) {
  auto pod = decode_pod(Json::parse(R"({"metadata":{"name":"p"},"status":{"podIP":"127.0.0.2"}})"));
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->metadata.namespace_name, "default");
  EXPECT_TRUE(pod_is_eligible(*pod, true));
  EXPECT_FALSE(pod_is_eligible(*pod, false));
  pod->metadata.deleting = true;
  EXPECT_FALSE(pod_is_eligible(*pod, true));
}

TEST(Rfc3339, Parses) {
  EXPECT_EQ(parse_rfc3339_seconds("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_seconds("2000-03-01T00:00:00Z"), 951868800);
  EXPECT_EQ(parse_rfc3339_seconds("2000-03-01T01:00:00.123+01:00"), 951868800);
  EXPECT_FALSE(parse_rfc3339_seconds("2000-03-01 00:00:00"));
}

}  // namespace
}  // namespace kthena::api
