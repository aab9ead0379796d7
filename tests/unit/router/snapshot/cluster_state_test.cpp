#include "router/snapshot/cluster_state.h"

#include <gtest/gtest.h>

#include "router/control/static_source.h"

namespace kthena::router {
namespace {

// kthena-router.md §5.1: PD categorisation by group value and role labels (upstream pdgroup_pods_test.go).
TEST(ClusterState, PrefillDecodeGroups) {
  auto objects = parse_static_objects(R"(
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelServer
metadata: {name: pd}
spec:
  inferenceEngine: SGLang
  workloadSelector:
    matchLabels: {app: a}
    pdGroup: {groupKey: group, prefillLabels: {role: prefill}, decodeLabels: {role: decode}}
  workloadPort: {port: 30000}
---
{apiVersion: v1, kind: Pod, metadata: {name: g1-p, labels: {app: a, group: g1, role: prefill}}, status: {podIP: 10.0.0.1}}
---
{apiVersion: v1, kind: Pod, metadata: {name: g1-d, labels: {app: a, group: g1, role: decode}}, status: {podIP: 10.0.0.2}}
---
{apiVersion: v1, kind: Pod, metadata: {name: g2-d, labels: {app: a, group: g2, role: decode}}, status: {podIP: 10.0.0.3}}
---
{apiVersion: v1, kind: Pod, metadata: {name: nogroup, labels: {app: a, role: decode}}, status: {podIP: 10.0.0.4}}
---
{apiVersion: v1, kind: Pod, metadata: {name: other-ns, namespace: x, labels: {app: a, group: g1, role: decode}}, status: {podIP: 10.0.0.5}}
)",
                                      "pd.yaml");
  ASSERT_TRUE(objects) << objects.error().to_string();
  ClusterState state(true);
  state.replace(objects->routes, objects->servers, objects->pods);
  auto snap = state.build();
  const ModelServerEntry* s = snap->find_server("default", "pd");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->pd);
  EXPECT_EQ(s->connector, ConnectorKind::kSglang) << "SGLang without kvConnector uses the sglang connector";
  EXPECT_EQ(s->endpoints.size(), 4u);
  ASSERT_EQ(s->groups.size(), 2u);
  EXPECT_EQ(s->groups[0].value, "g1");
  ASSERT_EQ(s->groups[0].prefill.size(), 1u);
  EXPECT_EQ(s->groups[0].prefill[0]->name(), "g1-p");
  ASSERT_EQ(s->decode.size(), 2u);
  EXPECT_EQ(s->decode[1]->name(), "g2-d");
  EXPECT_EQ(s->decode_group[1], 1u);
}

TEST(ClusterState, StatsSurviveRebuildsAndGoneIdsAreReported) {
  auto objects = parse_static_objects(R"(
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelServer
metadata: {name: s}
spec: {inferenceEngine: vLLM, workloadSelector: {matchLabels: {app: a}}, workloadPort: {port: 8000}}
---
{apiVersion: v1, kind: Pod, metadata: {name: p, labels: {app: a}}, status: {podIP: 10.0.0.1}}
)",
                                      "s.yaml");
  ASSERT_TRUE(objects);
  ClusterState state(true);
  state.replace(objects->routes, objects->servers, objects->pods);
  auto first = state.build();
  first->endpoints[0]->stats->in_flight = 3;
  EXPECT_TRUE(state.set_models("default/p", {"b", "a"}));
  EXPECT_FALSE(state.set_models("default/p", {"a", "b"}));
  auto second = state.build();
  EXPECT_EQ(second->endpoints[0]->stats->in_flight.load(), 3);
  EXPECT_EQ(second->endpoints[0]->models, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(state.take_removed_pods().empty());
  uint32_t id = second->endpoints[0]->id();
  state.remove_pod("default/p");
  auto third = state.build();
  EXPECT_TRUE(third->endpoints.empty());
  EXPECT_EQ(state.take_removed_pods(), (std::vector<uint32_t>{id}));
}

}  // namespace
}  // namespace kthena::router
