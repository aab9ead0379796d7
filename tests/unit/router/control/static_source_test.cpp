#include "router/control/static_source.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "router/snapshot/cluster_state.h"
#include "unit/api/conformance_dir.h"

namespace kthena::router {
namespace {

TEST(StaticSource, ReadsRoutesServersAndPodsIncludingLists) {
  auto objects = parse_static_objects(R"(
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: r}
spec:
  modelName: m
  rules: [{targetModels: [{modelServerName: s}]}]
---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelServer
metadata: {name: s}
spec:
  inferenceEngine: vLLM
  workloadSelector: {matchLabels: {app: a}}
  workloadPort: {port: 8000}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: p0, labels: {app: a}}
  status: {podIP: 127.0.0.2}
- apiVersion: v1
  kind: Pod
  metadata: {name: p1, labels: {app: a}}
  status: {podIP: 127.0.0.3, phase: Pending}
)",
                                      "f.yaml");
  ASSERT_TRUE(objects) << objects.error().to_string();
  EXPECT_EQ(objects->routes.size(), 1u);
  EXPECT_EQ(objects->servers.size(), 1u);
  EXPECT_EQ(objects->pods.size(), 2u);

  ClusterState state(true);
  state.replace(objects->routes, objects->servers, objects->pods);
  auto snap = state.build();
  const ModelServerEntry* s = snap->find_server("default", "s");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->endpoints.size(), 1u) << "a pod that says it is Pending is not eligible";
  EXPECT_EQ(s->endpoints[0]->name(), "p0");
  ASSERT_NE(s->endpoints[0]->upstream(8000), nullptr);
  EXPECT_EQ(s->endpoints[0]->upstream(8000)->authority(), "127.0.0.2:8000");
}

TEST(StaticSource, ErrorsNameTheFileLineAndObject) {
  auto bad = parse_static_objects("kind: Secret\napiVersion: v1\nmetadata: {name: x}\n", "f.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().to_string().find("f.yaml:1: Secret/default/x: kind: unsupported kind \"Secret\""),
            std::string::npos)
      << bad.error().to_string();

  bad = parse_static_objects(R"(apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelServer
metadata: {name: s}
spec: {workloadSelector: {}, workloadPort: {port: 1}}
)",
                             "g.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(
      bad.error().to_string().find("g.yaml: ModelServer/default/s: spec.workloadSelector.matchLabels: Required value"),
      std::string::npos)
      << "the ModelServer webhook rules run on static files too: " << bad.error().to_string();

  bad = parse_static_objects("a: [\n", "h.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().to_string().find("h.yaml"), std::string::npos) << bad.error().to_string();

  bad = parse_static_objects(R"(apiVersion: v1
kind: Pod
metadata: {name: p}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
)",
                             "d.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().to_string().find("d.yaml:4: Pod/default/p: defined twice"), std::string::npos)
      << bad.error().to_string();
}

// The schema and its CEL rules run too (not only the webhook rules), every error of every object is reported, one
// line each, as `kthena validate` prints them.
TEST(StaticSource, RunsTheAdmissionKthenaValidateRuns) {
  auto bad = parse_static_objects(R"(apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: r, namespace: team}
spec:
  modelName: m
  rules:
  - targetModels: [{modelServerName: s, weight: 101}]
---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelServer
metadata: {name: Bad_Name}
spec:
  inferenceEngine: vLLM
  workloadSelector: {matchLabels: {app: a}}
  workloadPort: {port: 8000}
---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: ok}
spec:
  modelName: m2
  rules: [{targetModels: [{modelServerName: s}]}]
)",
                                  "r.yaml");
  ASSERT_FALSE(bad);
  std::string text = bad.error().to_string();
  EXPECT_NE(text.find("r.yaml: ModelRoute/team/r: spec.rules[0].targetModels[0].weight: Invalid value: 101: "),
            std::string::npos)
      << "the schema's bound: " << text;
  EXPECT_NE(text.find("r.yaml: ModelServer/default/Bad_Name: metadata.name: Invalid value: \"Bad_Name\""),
            std::string::npos)
      << "ObjectMeta: " << text;
  EXPECT_EQ(text.find("ModelRoute/default/ok"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "one line per problem: " << text;

  // Defaults from the schema reach the router's objects.
  auto good = parse_static_objects(R"(apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelServer
metadata: {name: s}
spec:
  inferenceEngine: vLLM
  workloadSelector: {matchLabels: {app: a}}
  workloadPort: {port: 8000}
  unknownField: pruned
)",
                                   "s.yaml");
  ASSERT_TRUE(good) << good.error().to_string();
  ASSERT_EQ(good->servers.size(), 1u);
}

// Every ModelRoute and ModelServer manifest of upstream's router e2e suite loads.
TEST(StaticSourceConformance, UpstreamRouterManifestsLoad) {
  auto dir = testing::conformance_dir() / "kthena/HEAD/test/e2e/router/testdata";
  KTHENA_REQUIRE_CONFORMANCE(dir);
  size_t loaded = 0;
  for (const auto& path : testing::files_under(dir, {".yaml"})) {
    std::string name = path.filename().string();
    if (name.rfind("ModelRoute", 0) != 0 && name.rfind("ModelServer-", 0) != 0) continue;
    auto objects = load_static_file(path.string());
    ASSERT_TRUE(objects) << objects.error().to_string();
    loaded += objects->routes.size() + objects->servers.size();
  }
  EXPECT_GT(loaded, 15u);
}

}  // namespace
}  // namespace kthena::router
