// Volcano gangs on one node: all-or-nothing minimum, role instances whole, minResources, PodGroup status.
#include <gtest/gtest.h>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "api/registry/kind_registry.h"
#include "controllers/modelserving/pod_builder.h"
#include "controllers/modelserving/pod_group.h"
#include "node/scheduler/scheduler.h"
#include "unit/api/conformance_dir.h"
#include "unit/node/scheduler_test_util.h"

namespace kthena::node {
namespace {

using testing::apply_pass;
using testing::bound;
using testing::bound_keys;
using testing::ids;
using testing::in_group;
using testing::pod;
using testing::pod_group;
using testing::ptrs;
using testing::waiting_for;

const GangOutcome& outcome(const Decisions& d, const std::string& group) {
  for (const GangOutcome& g : d.gangs) {
    if (g.pod_group == group) return g;
  }
  static const GangOutcome kNone;  // immutable: "no outcome" for a failed lookup
  ADD_FAILURE() << "no outcome for " << group;
  return kNone;
}

// Four pods of 2 NPUs each, minMember as given, on a node with `free` NPUs.
TEST(Gang, MinMemberAllOrNothing) {
  struct Case {
    int min_member;
    int devices;
    size_t bound;
    GangPhase phase;
    const char* message;
  };
  const Case cases[] = {
      {4, 6, 0, GangPhase::kInqueue,
       "4/4 tasks in gang unschedulable: pod group is not ready, 0 placed, 4 minAvailable; Insufficient "
       "huawei.com/ascend-1980: the group's minimum needs 8, free 6, node allocatable 6"},
      {4, 8, 4, GangPhase::kRunning, ""},
      // Beyond the minimum, what fits is bound (Volcano's allocate goes on).
      {2, 6, 3, GangPhase::kRunning, ""},
      {2, 3, 0, GangPhase::kInqueue, "needs 4, free 3"},
      // More members wanted than exist.
      {5, 16, 0, GangPhase::kInqueue, "4 pods exist, minMember 5"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.min_member) + " of 4 on " + std::to_string(c.devices));
    NodeState n = testing::node({}, {{"huawei.com/ascend-1980", ids(c.devices)}});
    std::vector<Json> pods;
    for (int i = 0; i < 4; ++i) {
      pods.push_back(in_group(pod("g-" + std::to_string(i), i, {{"huawei.com/ascend-1980", 2}}), "g"));
    }
    Decisions d = schedule(n, ptrs(pods), ptrs({pod_group("g", c.min_member)}));
    EXPECT_EQ(d.bindings.size(), c.bound);
    const GangOutcome& g = outcome(d, "default/g");
    EXPECT_EQ(g.phase, c.phase);
    if (c.bound == 0) {
      ASSERT_EQ(d.waiting.size(), 4u);
      for (const Waiting& w : d.waiting) {
        EXPECT_EQ(w.pod_group, "default/g");
        EXPECT_NE(w.message.find(c.message), std::string::npos) << w.message;
      }
      EXPECT_FALSE(g.scheduled);
      EXPECT_NE(g.message.find(c.message), std::string::npos) << g.message;
    } else {
      EXPECT_TRUE(g.scheduled);
      EXPECT_EQ(g.placed, static_cast<int32_t>(c.bound));
    }
  }
}

// minResources is checked first (Volcano's enqueue): the group stays Pending, not Inqueue, and the message says so.
TEST(Gang, MinResources) {
  NodeState n = testing::node({{"cpu", 8000}, {"memory", int64_t{16} * 1024 * 1024 * 1024 * 1000}});
  std::vector<Json> pods = {in_group(pod("g-0", 1, {{"cpu", "1"}}), "g"), in_group(pod("g-1", 2, {{"cpu", "1"}}), "g")};
  Decisions d = schedule(n, ptrs(pods), ptrs({pod_group("g", 2, {{"cpu", "2"}, {"memory", "32Gi"}})}));
  EXPECT_TRUE(d.bindings.empty());
  const GangOutcome& g = outcome(d, "default/g");
  EXPECT_EQ(g.phase, GangPhase::kPending);
  EXPECT_EQ(g.reason, "NotEnoughResources");
  EXPECT_NE(g.message.find("minResources memory: need 32Gi, free 16Gi and 0 held by the group, node allocatable 16Gi"),
            std::string::npos)
      << g.message;
  // What the group's own bound pods hold counts for it.
  Decisions held = schedule(n, ptrs({bound(pods[0]), pods[1]}), ptrs({pod_group("g", 2, {{"cpu", "8"}})}));
  EXPECT_EQ(bound_keys(held), std::set<std::string>{"default/g-1"});
}

TEST(Gang, MissingPodGroupWaits) {
  NodeState n = testing::node({{"cpu", 8000}});
  Decisions d = schedule(n, ptrs({in_group(pod("g-0", 1, {{"cpu", "1"}}), "g")}), {});
  ASSERT_EQ(d.waiting.size(), 1u);
  EXPECT_EQ(d.waiting[0].pod_group, "default/g");
  EXPECT_EQ(d.waiting[0].message, "0/1 nodes are available: PodGroup default/g does not exist yet.");
  EXPECT_TRUE(d.gangs.empty());
}

// A gang that waits for devices a running pod holds starts whole once that pod is gone, not while it is being deleted.
TEST(Gang, WaitingGangStartsWholeWhenResourcesFree) {
  NodeState n = testing::node({}, {{"huawei.com/ascend-1980", ids(8)}});
  std::vector<Json> pods = {pod("single", 1, {{"huawei.com/ascend-1980", 4}})};
  apply_pass(schedule(n, ptrs(pods), {}), pods);
  for (int i = 0; i < 4; ++i) {
    pods.push_back(in_group(pod("g-" + std::to_string(i), 10 + i, {{"huawei.com/ascend-1980", 2}}), "g"));
  }
  // A younger single pod must not take what the gang waits for either.
  pods.push_back(pod("late", 30, {{"huawei.com/ascend-1980", 2}}));
  auto groups = ptrs({pod_group("g", 4)});

  Decisions d = schedule(n, ptrs(pods), groups);
  EXPECT_EQ(bound_keys(d), std::set<std::string>{"default/late"}) << "backfill: what the gang cannot use";
  EXPECT_EQ(outcome(d, "default/g").phase, GangPhase::kInqueue);
  // The story does not apply these passes until the gang binds: `late` stays pending, so the last pass shows that
  // the older gang is served first. (Applied, `late` would hold 2 NPUs and the gang would wait for it too: no
  // reservation, as in Volcano; docs/node.md.)

  pods[0]["metadata"]["deletionTimestamp"] = "2026-01-01T01:00:00Z";
  d = schedule(n, ptrs(pods), groups);
  EXPECT_EQ(bound_keys(d), std::set<std::string>{"default/late"});
  EXPECT_FALSE(outcome(d, "default/g").scheduled);

  pods.erase(pods.begin());
  d = schedule(n, ptrs(pods), groups);
  EXPECT_EQ(bound_keys(d), (std::set<std::string>{"default/g-0", "default/g-1", "default/g-2", "default/g-3"}));
  ASSERT_NE(waiting_for(d, "default/late"), nullptr);
  EXPECT_TRUE(outcome(d, "default/g").scheduled);
  apply_pass(d, pods);
  testing::expect_no_shared_device(pods);
}

TEST(Gang, PodGroupStatus) {
  GangOutcome waiting{"default/g", GangPhase::kInqueue, false, "NotEnoughResources", "2/2 tasks ...", 0, 2};
  PodGroupStatus s = pod_group_status(waiting);
  EXPECT_EQ(s.phase, "Inqueue");
  EXPECT_EQ(s.condition, Json::parse(R"({"type": "Unschedulable", "status": "True", "reason": "NotEnoughResources",
                                         "message": "2/2 tasks ..."})"));
  GangOutcome running{"default/g", GangPhase::kRunning, true, "", "", 2, 2};
  s = pod_group_status(running);
  EXPECT_EQ(s.phase, "Running");
  EXPECT_EQ(s.condition, Json::parse(R"({"type": "Scheduled", "status": "True",
                                         "reason": "tasks in gang are ready to be scheduled"})"));
  waiting.phase = GangPhase::kPending;
  EXPECT_EQ(pod_group_status(waiting).phase, "Pending");
}

// Pods and the PodGroup of ServingGroup 0 of an upstream example, built by our ModelServing controller's own
// builders, created in the controller's order (role by role, instance by instance, entry then workers).
struct ServingGroup {
  Json pod_group;
  std::vector<Json> pods;
};

ServingGroup serving_group(const std::string& file) {
  auto root = kthena::testing::conformance_dir() / "kthena/HEAD/examples/model-serving";
  auto document = api::decode_document(kthena::testing::read_file(root / file), file);
  EXPECT_TRUE(document.has_value());
  auto ms = api::default_object(api::KindRegistry::builtin(), *document);
  EXPECT_TRUE(ms.has_value());
  (*ms)["metadata"]["uid"] = "uid-1";
  std::string group = (*ms)["metadata"]["name"].get<std::string>() + "-0";
  const Json& roles = (*ms)["spec"]["template"]["roles"];
  ServingGroup out{controllers::modelserving::build_pod_group(*ms, group, roles, {}), {}};
  int second = 0;
  for (const Json& role : roles) {
    for (int r = 0; r < controllers::modelserving::role_replicas(role); ++r) {
      controllers::modelserving::RoleInstance instance{
          &*ms, &role, group, role["name"].get<std::string>() + "-" + std::to_string(r), "rev", "hash", true};
      for (int i = 0; i <= controllers::modelserving::worker_replicas(role); ++i) {
        Json p = controllers::modelserving::build_pod(instance, i);
        char ts[32];
        std::snprintf(ts, sizeof ts, "2026-01-01T00:00:%02dZ", second++);
        p["metadata"]["creationTimestamp"] = ts;
        p["status"] = {{"phase", "Pending"}};
        out.pods.push_back(std::move(p));
      }
    }
  }
  return out;
}

// gangPolicy.yaml: prefill 2 instances (minRoleReplicas 2) and decode 2 (minRoleReplicas 1), entry + 1 worker each,
// 0.1 cpu per pod: minMember 6, the minimum being both prefill instances and one decode instance.
TEST(Gang, RoleMinimumsFromTheGangPolicyExample) {
  auto root = kthena::testing::conformance_dir() / "kthena/HEAD/examples/model-serving";
  KTHENA_REQUIRE_CONFORMANCE(root);
  ServingGroup sg = serving_group("gangPolicy.yaml");
  ASSERT_EQ(sg.pods.size(), 8u);
  ASSERT_EQ(sg.pod_group["spec"]["minMember"], 6);
  struct Case {
    int64_t cpu_milli;
    std::set<std::string> bound;  // pod names without "default/sample-0-"
    const char* message;
  };
  const std::set<std::string> minimum = {"prefill-0-0", "prefill-0-1", "prefill-1-0",
                                         "prefill-1-1", "decode-0-0",  "decode-0-1"};
  const Case cases[] = {
      {500, {}, "minResources cpu: need 600m, free 500m"},
      {600, minimum, ""},
      // 100m left after the minimum: the second decode instance needs both its pods (200m), so neither starts.
      {700, minimum, "Insufficient cpu: the role instance needs 200m, free 100m, node allocatable 700m."},
      {800,
       {"prefill-0-0", "prefill-0-1", "prefill-1-0", "prefill-1-1", "decode-0-0", "decode-0-1", "decode-1-0",
        "decode-1-1"},
       ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.cpu_milli);
    NodeState n = testing::node({{"cpu", c.cpu_milli}});
    Decisions d = schedule(n, ptrs(sg.pods), ptrs({sg.pod_group}));
    std::set<std::string> want;
    for (const std::string& s : c.bound) want.insert("default/sample-0-" + s);
    EXPECT_EQ(bound_keys(d), want);
    EXPECT_EQ(d.waiting.size(), sg.pods.size() - want.size());
    for (const Waiting& w : d.waiting) EXPECT_NE(w.message.find(c.message), std::string::npos) << w.message;
  }
  // A decode instance that lost its worker: the minimum is both prefill instances and one whole decode instance,
  // and the instance already half placed is the one completed.
  NodeState n = testing::node({{"cpu", 700}});
  std::vector<Json> pods = sg.pods;
  for (Json& p : pods) {
    if (p["metadata"]["name"] != "sample-0-decode-0-1" && p["metadata"]["name"] != "sample-0-decode-1-0" &&
        p["metadata"]["name"] != "sample-0-decode-1-1") {
      p = bound(p);
    }
  }
  std::erase_if(pods, [](const Json& p) { return p["metadata"]["name"] == "sample-0-decode-1-1"; });
  Decisions d = schedule(n, ptrs(pods), ptrs({sg.pod_group}));
  EXPECT_EQ(bound_keys(d), std::set<std::string>{"default/sample-0-decode-0-1"});
  ASSERT_NE(waiting_for(d, "default/sample-0-decode-1-0"), nullptr);
  EXPECT_NE(waiting_for(d, "default/sample-0-decode-1-0")->message.find("has 1 of its 2 pods"), std::string::npos);
}

// multi-node.yaml: 2 instances of leader + worker, 8 GPUs each (as limits: they stand for the requests), minimum one
// instance. Declared GPUs are handed out as IDs; the acceptance story of the issue.
TEST(Gang, MultiNodeExampleOnDeclaredGpus) {
  auto root = kthena::testing::conformance_dir() / "kthena/HEAD/examples/model-serving";
  KTHENA_REQUIRE_CONFORMANCE(root);
  ServingGroup sg = serving_group("multi-node.yaml");
  ASSERT_EQ(sg.pods.size(), 4u);
  auto groups = ptrs({sg.pod_group});
  ResourceList allocatable = {{"cpu", 512'000},
                              {"memory", int64_t{8192} * 1024 * 1024 * 1024 * 1000},
                              {"ephemeral-storage", int64_t{4096} * 1024 * 1024 * 1024 * 1000}};

  // 8 GPUs declared: the minimum (one instance, 16 GPUs) cannot start; nothing does.
  NodeState small = testing::node(allocatable, {{"nvidia.com/gpu", ids(8)}});
  Decisions d = schedule(small, ptrs(sg.pods), groups);
  EXPECT_TRUE(d.bindings.empty());
  ASSERT_EQ(d.waiting.size(), 4u);
  EXPECT_NE(d.waiting[0].message.find(
                "Insufficient nvidia.com/gpu: the group's minimum needs 16, free 8, node allocatable 8"),
            std::string::npos)
      << d.waiting[0].message;
  PodGroupStatus status = pod_group_status(outcome(d, "default/llama-multinode-0"));
  EXPECT_EQ(status.phase, "Inqueue");  // minResources (cpu, storage) fit: the GPUs are limits only
  EXPECT_EQ(status.condition["reason"], "NotEnoughResources");

  // 32 GPUs with 8 held by another pod: one instance starts, whole, on disjoint IDs; the second waits for 16.
  NodeState big = testing::node(allocatable, {{"nvidia.com/gpu", ids(32)}});
  std::vector<Json> pods = sg.pods;
  Json other = bound(pod("other", 0, {{"nvidia.com/gpu", 8}}));
  other["metadata"]["annotations"][kDevicesAnnotation] = R"({"nvidia.com/gpu": ["0","1","2","3","4","5","6","7"]})";
  pods.push_back(other);
  d = schedule(big, ptrs(pods), groups);
  EXPECT_EQ(bound_keys(d), (std::set<std::string>{"default/llama-multinode-0-llama-405b-0-0",
                                                  "default/llama-multinode-0-llama-405b-0-1"}));
  EXPECT_EQ(d.bindings[0].devices.at("nvidia.com/gpu"),
            (std::vector<std::string>{"8", "9", "10", "11", "12", "13", "14", "15"}));
  auto env = device_env(d.bindings[1].devices);
  EXPECT_EQ(env[0], (std::pair<std::string, std::string>{"CUDA_VISIBLE_DEVICES", "16,17,18,19,20,21,22,23"}));
  EXPECT_EQ(pod_group_status(outcome(d, "default/llama-multinode-0")).phase, "Running");
  ASSERT_NE(waiting_for(d, "default/llama-multinode-0-llama-405b-1-1"), nullptr);
  EXPECT_EQ(waiting_for(d, "default/llama-multinode-0-llama-405b-1-1")->message,
            "0/1 nodes are available: Insufficient nvidia.com/gpu: the role instance needs 16, free 8, node "
            "allocatable 32.");
  apply_pass(d, pods);
  testing::expect_no_shared_device(pods);

  // The other pod goes: the second instance starts whole on its devices.
  std::erase_if(pods, [](const Json& p) { return p["metadata"]["name"] == "other"; });
  d = schedule(big, ptrs(pods), groups);
  EXPECT_EQ(bound_keys(d), (std::set<std::string>{"default/llama-multinode-0-llama-405b-1-0",
                                                  "default/llama-multinode-0-llama-405b-1-1"}));
  apply_pass(d, pods);
  testing::expect_no_shared_device(pods);
  EXPECT_TRUE(schedule(big, ptrs(pods), groups).bindings.empty());
}

}  // namespace
}  // namespace kthena::node
