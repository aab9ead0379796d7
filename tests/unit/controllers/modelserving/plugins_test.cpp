#include "controllers/modelserving/plugins.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace kthena::controllers::modelserving {
namespace {

Json model_serving(Json plugins) {
  return Json{{"metadata", {{"name", "llama"}, {"namespace", "default"}}},
              {"spec", {{"plugins", std::move(plugins)}, {"template", {{"roles", Json::array()}}}}}};
}

Json pod(const std::string& name = "llama-0-prefill-0-0") {
  return Json{{"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", "x"}}}}},
              {"spec", {{"containers", Json::array({{{"name", "engine"}, {"image", "vllm"}}})}}}};
}

PodContext context(const Json& ms, const std::string& role, bool is_entry, int group = 0) {
  return PodContext{&ms, "llama-" + std::to_string(group), group, role, role + "-0", is_entry};
}

// A demo-pod-tweaks entry that appends env var `marker`: the env list records which plugins ran, in order.
Json marker_plugin(const std::string& marker, Json scope = nullptr) {
  Json spec = {{"name", "demo-pod-tweaks"},
               {"type", "BuiltIn"},
               {"config", {{"env", Json::array({{{"name", marker}, {"value", "1"}}})}}}};
  if (!scope.is_null()) spec["scope"] = std::move(scope);
  return spec;
}

std::vector<std::string> markers(const Json& pod) {
  std::vector<std::string> out;
  for (const Json& var : pod["spec"]["containers"][0].value("env", Json::array()))
    out.push_back(var["name"].get<std::string>());
  return out;
}

// upstream's TestChainOrderingAndScope and the scope rules of spec §3.13.
TEST(PluginChain, RunsMatchingPluginsInOrder) {
  const Json ms = model_serving(Json::array({
      marker_plugin("ALWAYS"),
      marker_plugin("WORKERS", {{"target", "Worker"}}),
      marker_plugin("ENTRIES", {{"target", "Entry"}}),
      marker_plugin("ALL", {{"target", "All"}}),
      marker_plugin("PREFILL", {{"roles", Json::array({"prefill"})}}),
      marker_plugin("DECODE", {{"roles", Json::array({"decode", "other"})}}),
      marker_plugin("ANY_ROLE", {{"roles", Json::array()}, {"target", ""}}),
      marker_plugin("DECODE_ENTRIES", {{"roles", Json::array({"decode"})}, {"target", "Entry"}}),
      marker_plugin("UNKNOWN_TARGET", {{"target", "Leader"}}),
  }));
  struct Case {
    const char* role;
    bool is_entry;
    std::vector<std::string> ran;
  };
  const Case cases[] = {
      {"prefill", true, {"ALWAYS", "ENTRIES", "ALL", "PREFILL", "ANY_ROLE"}},
      {"prefill", false, {"ALWAYS", "WORKERS", "ALL", "PREFILL", "ANY_ROLE"}},
      {"decode", true, {"ALWAYS", "ENTRIES", "ALL", "DECODE", "ANY_ROLE", "DECODE_ENTRIES"}},
      {"decode", false, {"ALWAYS", "WORKERS", "ALL", "DECODE", "ANY_ROLE"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.role) + (c.is_entry ? " entry" : " worker"));
    Json p = pod();
    auto result = run_on_pod_create(context(ms, c.role, c.is_entry), p);
    ASSERT_TRUE(result.has_value()) << result.error().to_string();
    EXPECT_EQ(markers(p), c.ran);
  }
}

TEST(PluginChain, NothingToRun) {
  const Json untouched = pod();
  for (const Json& ms : {model_serving(Json::array()), model_serving(nullptr), Json::object()}) {
    Json p = pod();
    EXPECT_TRUE(run_on_pod_create(context(ms, "prefill", true), p).has_value());
    EXPECT_EQ(p, untouched);
  }
  Json p = pod();
  EXPECT_TRUE(run_on_pod_create(PodContext{nullptr, "llama-0", 0, "prefill", "prefill-0", true}, p).has_value());
  EXPECT_EQ(p, untouched);
}

// upstream's TestNewChainTypeValidation, registration and config errors.
TEST(PluginChain, BuildErrors) {
  struct Case {
    const char* name;
    Json plugins;
    const char* field;
    const char* message;
  };
  const Case cases[] = {
      {"unsupported type", Json::array({{{"name", "demo-pod-tweaks"}, {"type", "Unsupported"}}}),
       "spec.plugins[0].type", "plugin demo-pod-tweaks has unsupported type Unsupported"},
      {"not registered", Json::array({marker_plugin("A"), {{"name", "nope"}, {"type", "BuiltIn"}}}),
       "spec.plugins[1].name", "plugin nope not registered"},
      {"config not an object", Json::array({{{"name", "demo-pod-tweaks"}, {"type", "BuiltIn"}, {"config", "x"}}}),
       "spec.plugins[0].config", "build plugin demo-pod-tweaks: must be an object, not string"},
      {"runtimeClassName not a string",
       Json::array({{{"name", "demo-pod-tweaks"}, {"type", "BuiltIn"}, {"config", {{"runtimeClassName", 5}}}}}),
       "spec.plugins[0].config.runtimeClassName", "build plugin demo-pod-tweaks: must be a string, not number"},
      {"annotation value not a string",
       Json::array({{{"name", "demo-pod-tweaks"}, {"type", "BuiltIn"}, {"config", {{"annotations", {{"a", 1}}}}}}}),
       "spec.plugins[0].config.annotations[a]", "build plugin demo-pod-tweaks: must be a string, not number"},
      {"annotations not an object",
       Json::array(
           {{{"name", "demo-pod-tweaks"}, {"type", "BuiltIn"}, {"config", {{"annotations", Json::array({1, 2})}}}}}),
       "spec.plugins[0].config.annotations", "build plugin demo-pod-tweaks: must be an object, not array"},
      {"env not a list",
       Json::array({{{"name", "demo-pod-tweaks"}, {"type", "BuiltIn"}, {"config", {{"env", "A=1"}}}}}),
       "spec.plugins[0].config.env", "build plugin demo-pod-tweaks: must be a list, not string"},
      {"env entry not an object",
       Json::array({{{"name", "demo-pod-tweaks"}, {"type", "BuiltIn"}, {"config", {{"env", Json::array({5})}}}}}),
       "spec.plugins[0].config.env[0]", "build plugin demo-pod-tweaks: must be an object, not number"},
      {"env value not a string",
       Json::array({{{"name", "demo-pod-tweaks"},
                     {"type", "BuiltIn"},
                     {"config", {{"env", Json::array({{{"name", "A"}, {"value", 1}}})}}}}}),
       "spec.plugins[0].config.env[0].value", "build plugin demo-pod-tweaks: must be a string, not number"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Json ms = model_serving(c.plugins);
    Json p = pod();
    auto created = run_on_pod_create(context(ms, "prefill", true), p);
    ASSERT_FALSE(created.has_value());
    EXPECT_EQ(created.error().code, ErrorCode::kInvalid);
    EXPECT_EQ(created.error().field, c.field);
    EXPECT_EQ(created.error().message, c.message);
    EXPECT_EQ(p, pod()) << "the chain is built before any plugin runs";
    auto ready = run_on_pod_ready(context(ms, "prefill", true), p);
    ASSERT_FALSE(ready.has_value());
    EXPECT_EQ(ready.error().message, c.message);
  }
}

TEST(PluginChain, TypeDefaultsToBuiltIn) {
  const Json ms = model_serving(Json::array({{{"name", "demo-pod-tweaks"}, {"config", {{"runtimeClassName", "rc"}}}}}));
  Json p = pod();
  ASSERT_TRUE(run_on_pod_create(context(ms, "prefill", true), p).has_value());
  EXPECT_EQ(p["spec"]["runtimeClassName"], "rc");
}

TEST(PluginChain, ReadyHooksLeaveThePodAlone) {
  const Json ms = model_serving(Json::array({marker_plugin("A"), {{"name", "lws-standard-labels"}}}));
  const Json p = pod();
  EXPECT_TRUE(run_on_pod_ready(context(ms, "prefill", false), p).has_value());
}

// upstream's TestDemoPluginOnPodCreate.
TEST(PluginDemoPodTweaks, MutatesThePod) {
  const Json ms = model_serving(Json::parse(R"([{
    "name": "demo-pod-tweaks", "type": "BuiltIn",
    "config": {"runtimeClassName": "nvidia", "annotations": {"a": "b", "keep": "new"},
               "env": [{"name": "EXTRA", "value": "1"},
                       {"name": "FROM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
               "ignored": true}
  }])"));
  Json p = Json::parse(R"({
    "metadata": {"name": "llama-0-prefill-0-0", "annotations": {"keep": "old", "other": "x"}},
    "spec": {
      "initContainers": [{"name": "download"}],
      "containers": [{"name": "engine", "env": [{"name": "GROUP_SIZE", "value": "1"}]}, {"name": "sidecar"}]
    }
  })");
  ASSERT_TRUE(run_on_pod_create(context(ms, "prefill", true), p).has_value());
  EXPECT_EQ(p, Json::parse(R"({
    "metadata": {"name": "llama-0-prefill-0-0", "annotations": {"keep": "new", "other": "x", "a": "b"}},
    "spec": {
      "initContainers": [{"name": "download", "env": [
        {"name": "EXTRA", "value": "1"}, {"name": "FROM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]}],
      "containers": [
        {"name": "engine", "env": [{"name": "GROUP_SIZE", "value": "1"}, {"name": "EXTRA", "value": "1"},
                                   {"name": "FROM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]},
        {"name": "sidecar", "env": [{"name": "EXTRA", "value": "1"},
                                    {"name": "FROM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]}],
      "runtimeClassName": "nvidia"
    }
  })"));
}

TEST(PluginDemoPodTweaks, EmptyConfigChangesNothing) {
  for (const Json& config :
       {Json(), Json::object(), Json::parse(R"({"runtimeClassName":"","annotations":{},"env":[]})"),
        Json::parse(R"({"runtimeClassName":null,"annotations":null,"env":null})")}) {
    Json spec = {{"name", "demo-pod-tweaks"}, {"type", "BuiltIn"}};
    if (!config.is_null()) spec["config"] = config;
    const Json ms = model_serving(Json::array({spec}));
    Json p = pod();
    ASSERT_TRUE(run_on_pod_create(context(ms, "prefill", false), p).has_value()) << config.dump();
    EXPECT_EQ(p, pod()) << config.dump();
  }
}

Json lws_owned(const std::string& lws) {
  Json ms = model_serving(Json::array({{{"name", "lws-standard-labels"}, {"type", "BuiltIn"}}}));
  ms["metadata"]["name"] = lws;
  ms["metadata"]["ownerReferences"] = Json::array(
      {{{"apiVersion", "leaderworkerset.x-k8s.io/v1"}, {"kind", "LeaderWorkerSet"}, {"name", lws}, {"uid", "u"}}});
  return ms;
}

// upstream's TestLWSLabelsPluginOnPodCreate; group-key is hex(sha1("<lws>-<group ordinal>")).
TEST(PluginLwsStandardLabels, SetsTheLeaderWorkerSetLabels) {
  struct Case {
    const char* name;
    const char* pod_name;
    int group;
    bool is_entry;
    Json labels;
  };
  const Case cases[] = {
      {"entry pod",
       "my-lws-0-default-0-0",
       0,
       true,
       {{"app", "x"},
        {"leaderworkerset.sigs.k8s.io/name", "my-lws"},
        {"leaderworkerset.sigs.k8s.io/group-index", "0"},
        {"leaderworkerset.sigs.k8s.io/worker-index", "0"},
        {"leaderworkerset.sigs.k8s.io/group-key", "442a12e72f2d46c961cb833eb772ad29278d45ab"}}},
      {"worker pod: its name's suffix",
       "my-lws-2-default-0-3",
       2,
       false,
       {{"app", "x"},
        {"leaderworkerset.sigs.k8s.io/name", "my-lws"},
        {"leaderworkerset.sigs.k8s.io/group-index", "2"},
        {"leaderworkerset.sigs.k8s.io/worker-index", "3"},
        {"leaderworkerset.sigs.k8s.io/group-key", "e0addd36ff4542aaf6b6505df2a7f77dcd999061"}}},
  };
  const Json ms = lws_owned("my-lws");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Json p = pod(c.pod_name);
    PodContext ctx{&ms, "my-lws-" + std::to_string(c.group), c.group, "default", "default-0", c.is_entry};
    auto result = run_on_pod_create(ctx, p);
    ASSERT_TRUE(result.has_value()) << result.error().to_string();
    EXPECT_EQ(p["metadata"]["labels"], c.labels);
  }
}

TEST(PluginLwsStandardLabels, OverwritesExistingLabelsAndCreatesTheMap) {
  const Json ms = lws_owned("test");
  Json p = pod("test-1-role-0-0");
  p["metadata"]["labels"] = {{"leaderworkerset.sigs.k8s.io/name", "user"}, {"custom", "keep-me"}};
  ASSERT_TRUE(run_on_pod_create(PodContext{&ms, "test-1", 1, "role", "role-0", true}, p).has_value());
  EXPECT_EQ(p["metadata"]["labels"], Json::parse(R"({"leaderworkerset.sigs.k8s.io/name":"test","custom":"keep-me",
    "leaderworkerset.sigs.k8s.io/group-index":"1","leaderworkerset.sigs.k8s.io/worker-index":"0",
    "leaderworkerset.sigs.k8s.io/group-key":"cbda819156a1a5eedad38dc64871b8ca157df994"})"));

  Json bare = {{"metadata", {{"name", "test-1-role-0-0"}}}, {"spec", Json::object()}};
  ASSERT_TRUE(run_on_pod_create(PodContext{&ms, "test-1", 1, "role", "role-0", true}, bare).has_value());
  EXPECT_EQ(bare["metadata"]["labels"].size(), 4u);
}

TEST(PluginLwsStandardLabels, InactiveWithoutALeaderWorkerSetOwner) {
  Json ms = lws_owned("my-lws");
  for (const char* owners :
       {"[]", R"([{"kind":"Deployment","name":"d"}])", R"([{"kind":"LeaderWorkerSet","name":""}])"}) {
    ms["metadata"]["ownerReferences"] = Json::parse(owners);
    Json p = pod();
    ASSERT_TRUE(run_on_pod_create(context(ms, "default", false), p).has_value()) << owners;
    EXPECT_EQ(p, pod()) << owners;
  }
}

TEST(PluginLwsStandardLabels, Errors) {
  const Json ms = lws_owned("my-lws");
  struct Case {
    const char* pod_name;
    int group;
    const char* message;
  };
  const Case cases[] = {
      {"no-suffix-", 0,
       "plugin lws-standard-labels OnPodCreate: cannot derive worker-index from pod name \"no-suffix-\""},
      {"nodash", 0, "plugin lws-standard-labels OnPodCreate: cannot derive worker-index from pod name \"nodash\""},
      {"my-lws-0-default-0-x", 0,
       "plugin lws-standard-labels OnPodCreate: cannot derive worker-index from pod name \"my-lws-0-default-0-x\""},
      {"my-lws-0-default-0-1", -1,
       "plugin lws-standard-labels OnPodCreate: invalid servingGroup \"my-lws--1\" for pod my-lws-0-default-0-1"},
  };
  for (const Case& c : cases) {
    Json p = pod(c.pod_name);
    auto result = run_on_pod_create(
        PodContext{&ms, "my-lws-" + std::to_string(c.group), c.group, "default", "default-0", false}, p);
    ASSERT_FALSE(result.has_value()) << c.pod_name;
    EXPECT_EQ(result.error().message, c.message);
  }
}

TEST(PluginRegistry, BuiltInsHaveUniqueNames) {
  std::set<std::string_view> names;
  for (const BuiltInPlugin& plugin : builtin_plugins()) {
    EXPECT_TRUE(names.insert(plugin.name).second) << plugin.name;
    auto built = plugin.create(Json(), "spec.plugins[0].config");
    EXPECT_TRUE(built.has_value()) << plugin.name;
  }
  EXPECT_EQ(names, (std::set<std::string_view>{"demo-pod-tweaks", "lws-standard-labels"}));
}

}  // namespace
}  // namespace kthena::controllers::modelserving
