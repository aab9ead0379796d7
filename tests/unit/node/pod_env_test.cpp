#include "node/pod_env.h"

#include <gtest/gtest.h>

namespace kthena::node {
namespace {

std::optional<std::string> none(const std::string&) {
  return std::nullopt;
}

// Kubernetes' expansion rules (expansion_test.go): defined names replaced, undefined kept, $$ escapes.
TEST(PodEnv, Expansion) {
  auto get = [](const std::string& name) -> std::optional<std::string> {
    if (name == "A") return "a";
    if (name == "EMPTY") return "";
    return std::nullopt;
  };
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {{"$(A)", "a"},    {"x$(A)y", "xay"},  {"$(B)", "$(B)"}, {"$$(A)", "$(A)"},
               {"$$$(A)", "$a"}, {"$(EMPTY)-", "-"}, {"$(A", "$(A"},   {"a$", "a$"},
               {"$A", "$A"},     {"$(A)$(A)", "aa"}, {"", ""}};
  for (const Case& c : cases) EXPECT_EQ(expand(c.in, get), c.out) << c.in;
  EXPECT_EQ(expand("$(X)", none), "$(X)");
}

TEST(PodEnv, SourcesAndOrder) {
  Json pod = Json::parse(R"({"metadata": {"name": "p", "namespace": "ns", "uid": "u1",
                                          "labels": {"app": "web"}, "annotations": {"a": "b"}},
                             "spec": {"nodeName": "n1", "containers": [{"name": "c"}]}})");
  Json container = Json::parse(R"j({"name": "c",
    "resources": {"limits": {"cpu": "1500m", "memory": "1Gi"}},
    "envFrom": [{"configMapRef": {"name": "cfg"}, "prefix": "CFG_"}, {"secretRef": {"name": "gone", "optional": true}}],
    "env": [
      {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
      {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
      {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
      {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
      {"name": "MEM_MI", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}},
      {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "token"}}},
      {"name": "URL", "value": "http://$(IP):8000/$(POD)/$(NOPE)"},
      {"name": "CFG_X", "value": "overridden"}]})j");
  auto lookup = [](const std::string& kind, const std::string& name) -> std::optional<Json> {
    if (kind == "configmaps" && name == "cfg") return Json{{"data", {{"X", "1"}, {"Y", "2"}}}};
    if (kind == "secrets" && name == "s") return Json{{"data", {{"token", "hunter2"}}}};
    return std::nullopt;
  };
  auto env = container_env(pod, container, "10.244.0.7", "10.244.0.1", lookup);
  ASSERT_TRUE(env) << env.error().to_string();
  EnvList want = {{"CFG_X", "overridden"}, {"CFG_Y", "2"},       {"POD", "p"},
                  {"IP", "10.244.0.7"},    {"APP", "web"},       {"CPU", "2"},
                  {"MEM_MI", "1024"},      {"TOKEN", "hunter2"}, {"URL", "http://10.244.0.7:8000/p/$(NOPE)"}};
  EXPECT_EQ(*env, want);
  EXPECT_EQ(expand_all(Json::array({"serve", "--host=$(IP)", "$$(IP)"}), *env),
            (std::vector<std::string>{"serve", "--host=10.244.0.7", "$(IP)"}));
}

TEST(PodEnv, MissingReferencesNameTheEntry) {
  Json pod = Json::parse(R"({"metadata": {"name": "p", "namespace": "ns"}, "spec": {"containers": []}})");
  auto nothing = [](const std::string&, const std::string&) -> std::optional<Json> { return std::nullopt; };
  Json container = Json::parse(R"({"env": [{"name": "A", "value": "x"},
                                           {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "m", "key": "k"}}}]})");
  auto env = container_env(pod, container, "", "", nothing);
  ASSERT_FALSE(env);
  EXPECT_EQ(env.error().to_string(), "env[1].valueFrom.configMapKeyRef: configmap \"m\" not found");
  container["env"][1]["valueFrom"]["configMapKeyRef"]["optional"] = true;
  env = container_env(pod, container, "", "", nothing);
  ASSERT_TRUE(env);
  EXPECT_EQ(env->size(), 1u);
  Json from = Json::parse(R"({"envFrom": [{"secretRef": {"name": "s"}}]})");
  env = container_env(pod, from, "", "", nothing);
  ASSERT_FALSE(env);
  EXPECT_EQ(env.error().to_string(), "envFrom[0].secretRef: secret \"s\" not found");
}

}  // namespace
}  // namespace kthena::node
