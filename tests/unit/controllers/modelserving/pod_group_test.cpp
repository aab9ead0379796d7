#include "controllers/modelserving/pod_group.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "api/registry/kind_registry.h"
#include "unit/api/conformance_dir.h"

namespace kthena::controllers::modelserving {
namespace {

Json pod_template(const std::string& container, const std::string& cpu, const std::string& memory) {
  return Json{{"spec",
               {{"containers", Json::array({{{"name", container},
                                             {"image", "test-image"},
                                             {"resources", {{"requests", {{"cpu", cpu}, {"memory", memory}}}}}}})}}}};
}

// upstream's createBasicModelServing (podgroupmanager/manager_test.go): prefill ×2 with 3 workers, decode ×1 with 2.
Json basic_model_serving() {
  Json prefill = {{"name", "prefill"},
                  {"replicas", 2},
                  {"workerReplicas", 3},
                  {"entryTemplate", pod_template("prefill-entry", "1", "2Gi")},
                  {"workerTemplate", pod_template("prefill-worker", "2", "4Gi")}};
  Json decode = {{"name", "decode"},
                 {"replicas", 1},
                 {"workerReplicas", 2},
                 {"entryTemplate", pod_template("decode-entry", "1", "1Gi")},
                 {"workerTemplate", pod_template("decode-worker", "1", "2Gi")}};
  return Json{{"apiVersion", "workload.serving.volcano.sh/v1alpha1"},
              {"kind", "ModelServing"},
              {"metadata", {{"name", "test-model"}, {"namespace", "default"}, {"uid", "uid-1"}}},
              {"spec",
               {{"replicas", 1},
                {"schedulerName", "volcano"},
                {"template", {{"gangPolicy", Json::object()}, {"roles", Json::array({prefill, decode})}}}}}};
}

Json build(const Json& ms, const PodGroupOptions& options = {}) {
  return build_pod_group(ms, "test-model-0", ms["spec"]["template"]["roles"], options);
}

struct SubGroup {
  std::string name;
  int size;
  int min;
};

void expect_sub_groups(const Json& pod_group, const std::vector<SubGroup>& expected) {
  const Json& policies = pod_group["spec"]["subGroupPolicy"];
  ASSERT_EQ(policies.size(), expected.size()) << policies.dump();
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(policies[i]["name"], expected[i].name);
    EXPECT_EQ(policies[i]["subGroupSize"], expected[i].size) << expected[i].name;
    EXPECT_EQ(policies[i]["minSubGroups"], expected[i].min) << expected[i].name;
  }
}

// Our schema (src/api/schemas/volcano.yaml) admits the PodGroup strictly: no unknown field, every value valid.
void expect_admitted(const Json& pod_group) {
  auto admitted = api::admit(api::KindRegistry::builtin(), pod_group, nullptr);
  ASSERT_TRUE(admitted.has_value()) << admitted.error().to_string();
  EXPECT_TRUE(admitted->ok()) << to_error(admitted->errors).message;
}

// upstream's TestCalculateRequirements, with subGroupPolicy (the HEAD PodGroup has no minTaskMember).
TEST(PodGroup, GangSizesAndResources) {
  struct Case {
    const char* name;
    std::function<void(Json&)> change;
    int min_member;
    const char* min_resources;
    std::vector<SubGroup> sub_groups;
  };
  const Case cases[] = {
      {"basic calculation: (1+3)*2 + (1+2)*1 pods",
       [](Json&) {},
       11,
       R"({"cpu":"17","memory":"33Gi"})",
       {{"prefill", 4, 2}, {"decode", 3, 1}}},
      {"minRoleReplicas limits the instances counted",
       [](Json& ms) {
         ms["spec"]["template"]["gangPolicy"]["minRoleReplicas"] = {{"prefill", 1}, {"decode", 1}};
       },
       7,
       R"({"cpu":"10","memory":"19Gi"})",
       {{"prefill", 4, 1}, {"decode", 3, 1}}},
      {"gangPolicy without minRoleReplicas counts every instance",
       [](Json& ms) { ms["spec"]["template"]["gangPolicy"] = Json::object(); },
       11,
       R"({"cpu":"17","memory":"33Gi"})",
       {{"prefill", 4, 2}, {"decode", 3, 1}}},
      {"no gangPolicy counts every instance",
       [](Json& ms) { ms["spec"]["template"].erase("gangPolicy"); },
       11,
       R"({"cpu":"17","memory":"33Gi"})",
       {{"prefill", 4, 2}, {"decode", 3, 1}}},
      {"role with no worker template",
       [](Json& ms) {
         Json& decode = ms["spec"]["template"]["roles"][1];
         decode.erase("workerTemplate");
         decode["workerReplicas"] = 0;
       },
       9,
       R"({"cpu":"15","memory":"29Gi"})",
       {{"prefill", 4, 2}, {"decode", 1, 1}}},
      {"zero worker replicas",
       [](Json& ms) { ms["spec"]["template"]["roles"][0]["workerReplicas"] = 0; },
       5,
       R"({"cpu":"5","memory":"9Gi"})",
       {{"prefill", 1, 2}, {"decode", 3, 1}}},
      {"minRoleReplicas 0 leaves the role out of the gang but keeps its resource names",
       [](Json& ms) {
         ms["spec"]["template"]["gangPolicy"]["minRoleReplicas"] = {{"decode", 0}};
       },
       8,
       R"({"cpu":"14","memory":"28Gi"})",
       {{"prefill", 4, 2}, {"decode", 3, 0}}},
      {"minRoleReplicas above replicas counts replicas",
       [](Json& ms) {
         ms["spec"]["template"]["gangPolicy"]["minRoleReplicas"] = {{"prefill", 5}};
       },
       11,
       R"({"cpu":"17","memory":"33Gi"})",
       {{"prefill", 4, 2}, {"decode", 3, 1}}},
      {"replicas default to 1",
       [](Json& ms) { ms["spec"]["template"]["roles"][0].erase("replicas"); },
       7,
       R"({"cpu":"10","memory":"19Gi"})",
       {{"prefill", 4, 1}, {"decode", 3, 1}}},
      {"empty roles", [](Json& ms) { ms["spec"]["template"]["roles"] = Json::array(); }, 0, "{}", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Json ms = basic_model_serving();
    c.change(ms);
    Json pod_group = build(ms);
    EXPECT_EQ(pod_group["spec"]["minMember"], c.min_member);
    EXPECT_EQ(pod_group["spec"]["minResources"], Json::parse(c.min_resources));
    expect_sub_groups(pod_group, c.sub_groups);
  }
}

// upstream's TestAggregateResources, and the canonical printing of sums.
TEST(PodGroup, MinResourcesSumsRequestsOfEveryContainer) {
  struct Case {
    const char* name;
    const char* entry_containers;  // JSON list
    const char* min_resources;
  };
  const Case cases[] = {
      {"two containers", R"([{"name":"a","resources":{"requests":{"cpu":"1","memory":"2Gi"}}},
                              {"name":"b","resources":{"requests":{"cpu":"2","memory":"1Gi"}}}])",
       R"({"cpu":"3","memory":"3Gi"})"},
      {"no containers", "[]", "{}"},
      {"container without resources", R"([{"name":"a"}])", "{}"},
      {"container with empty requests", R"([{"name":"a","resources":{"requests":{}}}])", "{}"},
      {"every resource name, extended ones included",
       R"([{"name":"a","resources":{"requests":{"cpu":"1","memory":"2Gi","ephemeral-storage":"10Gi",
            "nvidia.com/gpu":"8","huawei.com/ascend-1980":"4"}}}])",
       R"({"cpu":"1","ephemeral-storage":"10Gi","huawei.com/ascend-1980":"4","memory":"2Gi","nvidia.com/gpu":"8"})"},
      {"sums print canonically", R"([{"name":"a","resources":{"requests":{"cpu":"500m","memory":"1Gi"}}},
                                     {"name":"b","resources":{"requests":{"cpu":"500m","memory":"512Mi"}}}])",
       R"({"cpu":"1","memory":"1536Mi"})"},
      {"the first term's format wins", R"([{"name":"a","resources":{"requests":{"memory":"1G"}}},
                                           {"name":"b","resources":{"requests":{"memory":"1Gi"}}}])",
       R"({"memory":"2073741824"})"},
      {"numbers are quantities too", R"([{"name":"a","resources":{"requests":{"cpu":125}}}])", R"({"cpu":"125"})"},
      {"limits are ignored", R"([{"name":"a","resources":{"limits":{"cpu":"4","nvidia.com/gpu":"1"}}}])", "{}"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Json ms = basic_model_serving();
    Json role = {{"name", "solo"}, {"replicas", 1}, {"workerReplicas", 0}};
    role["entryTemplate"]["spec"]["containers"] = Json::parse(c.entry_containers);
    ms["spec"]["template"]["roles"] = Json::array({role});
    EXPECT_EQ(build(ms)["spec"]["minResources"], Json::parse(c.min_resources));
  }
}

TEST(PodGroup, InitContainersAreNotCounted) {
  Json ms = basic_model_serving();
  Json& entry_spec = ms["spec"]["template"]["roles"][1]["entryTemplate"]["spec"];
  entry_spec["initContainers"] =
      Json::parse(R"([{"name":"download","resources":{"requests":{"cpu":"100","nvidia.com/gpu":"1"}}}])");
  EXPECT_EQ(build(ms)["spec"]["minResources"], Json::parse(R"({"cpu":"17","memory":"33Gi"})"));
}

TEST(PodGroup, ObjectIdentity) {
  Json pod_group = build(basic_model_serving());
  EXPECT_EQ(pod_group["apiVersion"], "scheduling.volcano.sh/v1beta1");
  EXPECT_EQ(pod_group["kind"], "PodGroup");
  EXPECT_EQ(pod_group["metadata"], Json::parse(R"({
    "name": "test-model-0",
    "namespace": "default",
    "labels": {"modelserving.volcano.sh/group-name": "test-model-0", "modelserving.volcano.sh/name": "test-model"},
    "annotations": {"scheduling.k8s.io/group-name": "test-model-0"},
    "ownerReferences": [{"apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "ModelServing",
                         "name": "test-model", "uid": "uid-1", "controller": true}]
  })"));
  expect_admitted(pod_group);
  // The check above is strict: a field the schema lacks is refused.
  Json unknown = pod_group;
  unknown["spec"]["minTaskMembers"] = Json::object();
  EXPECT_FALSE(api::admit(api::KindRegistry::builtin(), unknown, nullptr).has_value());
}

// upstream's TestAppendSubGroupPolicy: one policy per role, in spec order, the role policy on each.
TEST(PodGroup, SubGroupPolicyPerRole) {
  Json ms = basic_model_serving();
  Json& template_ = ms["spec"]["template"];
  template_["gangPolicy"]["minRoleReplicas"] = {{"prefill", 1}};
  template_["networkTopology"]["rolePolicy"] = {{"mode", "soft"}, {"highestTierAllowed", 2}};
  Json pod_group = build(ms);
  EXPECT_EQ(pod_group["spec"]["subGroupPolicy"], Json::parse(R"([
    {"name": "prefill", "subGroupSize": 4, "minSubGroups": 1,
     "labelSelector": {"matchLabels": {"modelserving.volcano.sh/name": "test-model",
                                       "modelserving.volcano.sh/role": "prefill"}},
     "matchLabelKeys": ["modelserving.volcano.sh/role-id"],
     "networkTopology": {"mode": "soft", "highestTierAllowed": 2}},
    {"name": "decode", "subGroupSize": 3, "minSubGroups": 1,
     "labelSelector": {"matchLabels": {"modelserving.volcano.sh/name": "test-model",
                                       "modelserving.volcano.sh/role": "decode"}},
     "matchLabelKeys": ["modelserving.volcano.sh/role-id"],
     "networkTopology": {"mode": "soft", "highestTierAllowed": 2}}
  ])"));
  // Only a rolePolicy: the group itself gets no topology.
  EXPECT_FALSE(pod_group["spec"].contains("networkTopology"));
  expect_admitted(pod_group);
}

TEST(PodGroup, SubGroupPolicyOnlyWhenTheSchemaHasIt) {
  Json pod_group = build(basic_model_serving(), PodGroupOptions{.sub_group_policy = false});
  EXPECT_FALSE(pod_group["spec"].contains("subGroupPolicy"));
  EXPECT_EQ(pod_group["spec"]["minMember"], 11);
  expect_admitted(pod_group);
}

TEST(PodGroup, NetworkTopologyFromTheGroupPolicy) {
  Json ms = basic_model_serving();
  EXPECT_FALSE(build(ms)["spec"].contains("networkTopology"));
  ms["spec"]["template"]["networkTopology"]["groupPolicy"] = {{"mode", "hard"}, {"highestTierAllowed", 1}};
  Json pod_group = build(ms);
  EXPECT_EQ(pod_group["spec"]["networkTopology"], Json::parse(R"({"mode":"hard","highestTierAllowed":1})"));
  for (const Json& policy : pod_group["spec"]["subGroupPolicy"]) EXPECT_FALSE(policy.contains("networkTopology"));
  expect_admitted(pod_group);
}

TEST(PodGroup, QueueFromTheModelServingAnnotation) {
  Json ms = basic_model_serving();
  EXPECT_FALSE(build(ms)["spec"].contains("queue"));
  ms["metadata"]["annotations"]["scheduling.volcano.sh/queue-name"] = "";
  EXPECT_FALSE(build(ms)["spec"].contains("queue"));
  ms["metadata"]["annotations"]["scheduling.volcano.sh/queue-name"] = "inference";
  EXPECT_EQ(build(ms)["spec"]["queue"], "inference");
}

// upstream's TestHasPodGroupChanged, plus queue and what the API server's copy may look like.
TEST(PodGroup, NeedsUpdateComparesTheGangFields) {
  const Json base = Json::parse(R"({
    "metadata": {"name": "pg", "resourceVersion": "7"},
    "spec": {
      "minMember": 2,
      "minResources": {"cpu": "2", "memory": "4Gi"},
      "networkTopology": {"mode": "hard", "highestTierAllowed": 3},
      "subGroupPolicy": [{"name": "sub", "networkTopology": {"mode": "soft", "highestTierAllowed": 2},
                          "matchLabelKeys": ["modelserving.volcano.sh/role-id"]}]
    }
  })");
  struct Case {
    const char* name;
    std::function<void(Json&)> change_existing;
    bool needs_update;
  };
  const Case cases[] = {
      {"no change", [](Json&) {}, false},
      {"minMember changed", [](Json& pg) { pg["spec"]["minMember"] = 3; }, true},
      {"minResources changed", [](Json& pg) { pg["spec"]["minResources"]["cpu"] = "3"; }, true},
      {"minResources gained a resource", [](Json& pg) { pg["spec"]["minResources"]["nvidia.com/gpu"] = "1"; }, true},
      {"minResources same value in other text", [](Json& pg) { pg["spec"]["minResources"]["cpu"] = "2000m"; }, false},
      {"networkTopology removed", [](Json& pg) { pg["spec"].erase("networkTopology"); }, true},
      {"networkTopology field changed", [](Json& pg) { pg["spec"]["networkTopology"]["mode"] = "soft"; }, true},
      {"networkTopology keys reordered",
       [](Json& pg) {
         pg["spec"]["networkTopology"] = {{"highestTierAllowed", 3}, {"mode", "hard"}};
       },
       false},
      {"subGroupPolicy length differs", [](Json& pg) { pg["spec"]["subGroupPolicy"].push_back(Json::object()); }, true},
      {"subGroupPolicy content changed", [](Json& pg) { pg["spec"]["subGroupPolicy"][0]["name"] = "other"; }, true},
      {"queue set", [](Json& pg) { pg["spec"]["queue"] = "q"; }, true},
      {"empty queue equals none", [](Json& pg) { pg["spec"]["queue"] = ""; }, false},
      {"metadata and status are not compared",
       [](Json& pg) {
         pg["metadata"]["labels"] = {{"x", "y"}};
         pg["status"] = {{"phase", "Running"}};
       },
       false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Json existing = base;
    c.change_existing(existing);
    EXPECT_EQ(pod_group_needs_update(existing, base), c.needs_update);
  }
}

TEST(PodGroup, NeedsUpdateTreatsAbsentAsEmpty) {
  // upstream's "AllFieldsNil".
  EXPECT_FALSE(pod_group_needs_update(Json::parse(R"({"spec":{}})"), Json::parse(R"({"spec":{}})")));
  EXPECT_FALSE(pod_group_needs_update(
      Json::parse(R"({"spec":{}})"), Json::parse(R"({"spec":{"minMember":0,"minResources":{},"subGroupPolicy":[]}})")));
  EXPECT_TRUE(pod_group_needs_update(Json::parse(R"({"spec":{}})"), Json::parse(R"({"spec":{"minMember":1}})")));
  // A desired PodGroup without subGroupPolicy (the schema lacks it) leaves the existing one alone.
  EXPECT_FALSE(pod_group_needs_update(Json::parse(R"({"spec":{"subGroupPolicy":[{"name":"x"}]}})"),
                                      Json::parse(R"({"spec":{}})")));
}

TEST(PodGroup, BuiltPodGroupNeedsNoUpdateAfterARoundTrip) {
  Json ms = basic_model_serving();
  ms["spec"]["template"]["networkTopology"] = {{"groupPolicy", {{"mode", "hard"}}}, {"rolePolicy", {{"mode", "soft"}}}};
  ms["metadata"]["annotations"]["scheduling.volcano.sh/queue-name"] = "q";
  Json desired = build(ms);
  Json stored = Json::parse(desired.dump());  // as the API server hands it back
  stored["metadata"]["resourceVersion"] = "12";
  EXPECT_FALSE(pod_group_needs_update(stored, desired));
  ms["spec"]["template"]["roles"][0]["replicas"] = 3;
  EXPECT_TRUE(pod_group_needs_update(stored, build(ms)));
}

TEST(PodGroup, UpdatedCopiesTheComparedFieldsOnly) {
  const Json existing = Json::parse(R"({
    "apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
    "metadata": {"name": "test-model-0", "resourceVersion": "7", "labels": {"keep": "me"}},
    "spec": {"minMember": 1, "minResources": {"cpu": "1"}, "queue": "old", "priorityClassName": "high",
             "networkTopology": {"mode": "hard"}, "subGroupPolicy": [{"name": "old"}]},
    "status": {"phase": "Running"}
  })");
  const Json desired = Json::parse(R"({
    "spec": {"minMember": 4, "minResources": {"cpu": "2", "memory": "1Gi"},
             "subGroupPolicy": [{"name": "prefill", "subGroupSize": 4}]}
  })");
  Json updated = pod_group_updated(existing, desired);
  EXPECT_EQ(updated, Json::parse(R"({
    "apiVersion": "scheduling.volcano.sh/v1beta1", "kind": "PodGroup",
    "metadata": {"name": "test-model-0", "resourceVersion": "7", "labels": {"keep": "me"}},
    "spec": {"minMember": 4, "minResources": {"cpu": "2", "memory": "1Gi"}, "priorityClassName": "high",
             "subGroupPolicy": [{"name": "prefill", "subGroupSize": 4}]},
    "status": {"phase": "Running"}
  })"));
  EXPECT_FALSE(pod_group_needs_update(updated, desired));

  // Without subGroupPolicy in the desired object, the existing one is kept.
  Json without = desired;
  without["spec"].erase("subGroupPolicy");
  EXPECT_EQ(pod_group_updated(existing, without)["spec"]["subGroupPolicy"], Json::parse(R"([{"name":"old"}])"));
}

// The upstream examples (examples/model-serving), defaulted as the API server stores them, and the PodGroup of their
// one ServingGroup worked out by hand from their specs.
TEST(PodGroup, ConformanceExamples) {
  auto root = testing::conformance_dir() / "kthena/HEAD/examples/model-serving";
  KTHENA_REQUIRE_CONFORMANCE(root);
  struct Case {
    const char* file;
    int min_member;
    const char* min_resources;
    std::vector<SubGroup> sub_groups;
    const char* network_topology;  // spec.networkTopology, or nullptr for none
    const char* role_topology;     // each subGroupPolicy's networkTopology, or nullptr for none
  };
  const Case cases[] = {
      // prefill: 2 instances (minRoleReplicas 2) × (entry + 1 worker); decode: 1 of 2 (minRoleReplicas 1) × 2 pods.
      // cpu: 0.1 per pod × 6 pods.
      {"gangPolicy.yaml", 6, R"({"cpu":"600m"})", {{"prefill", 2, 2}, {"decode", 2, 1}}, nullptr, nullptr},
      // No gangPolicy: both roles in full, 1 instance × 2 pods each, 0.1 cpu per pod.
      {"network-topology.yaml",
       4,
       R"({"cpu":"400m"})",
       {{"prefill", 2, 1}, {"decode", 2, 1}},
       R"({"mode":"hard","highestTierAllowed":1})",
       R"({"mode":"hard","highestTierAllowed":1})"},
      // 1 of 2 instances (minRoleReplicas 1) × (leader + 1 worker), each requesting cpu 125 and 800Gi of
      // ephemeral storage; the GPUs and memory are limits only.
      {"multi-node.yaml", 2, R"({"cpu":"250","ephemeral-storage":"1600Gi"})", {{"llama-405b", 2, 1}}, nullptr, nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    auto document = api::decode_document(testing::read_file(root / c.file), c.file);
    ASSERT_TRUE(document.has_value()) << document.error().to_string();
    auto ms = api::default_object(api::KindRegistry::builtin(), *document);
    ASSERT_TRUE(ms.has_value()) << ms.error().to_string();
    (*ms)["metadata"]["uid"] = "uid-1";  // as stored; admission requires an owner reference's uid
    std::string group = (*ms)["metadata"]["name"].get<std::string>() + "-0";
    Json pod_group = build_pod_group(*ms, group, (*ms)["spec"]["template"]["roles"], {});
    EXPECT_EQ(pod_group["metadata"]["name"], group);
    EXPECT_EQ(pod_group["metadata"]["namespace"], "default");
    EXPECT_EQ(pod_group["spec"]["minMember"], c.min_member);
    EXPECT_EQ(pod_group["spec"]["minResources"], Json::parse(c.min_resources));
    expect_sub_groups(pod_group, c.sub_groups);
    if (c.network_topology) {
      EXPECT_EQ(pod_group["spec"]["networkTopology"], Json::parse(c.network_topology));
    } else {
      EXPECT_FALSE(pod_group["spec"].contains("networkTopology"));
    }
    for (const Json& policy : pod_group["spec"]["subGroupPolicy"]) {
      if (c.role_topology) {
        EXPECT_EQ(policy["networkTopology"], Json::parse(c.role_topology));
      } else {
        EXPECT_FALSE(policy.contains("networkTopology"));
      }
    }
    EXPECT_FALSE(pod_group_needs_update(Json::parse(pod_group.dump()), pod_group));
    expect_admitted(pod_group);
  }
}

}  // namespace
}  // namespace kthena::controllers::modelserving
