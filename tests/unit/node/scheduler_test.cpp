#include "node/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "unit/node/scheduler_test_util.h"

namespace kthena::node {
namespace {

using testing::apply_pass;
using testing::bound;
using testing::bound_keys;
using testing::ids;
using testing::pod;
using testing::ptrs;
using testing::waiting_for;

constexpr int64_t kGi = int64_t{1024} * 1024 * 1024 * 1000;  // milli-bytes

// One pod alone on a node with 4 cpu, 8Gi, 110 pods and 8 declared Ascend NPUs: bound when every request fits, else
// Pending with a message naming the resource and the numbers.
TEST(Schedule, SinglePodPerResource) {
  struct Case {
    const char* name;
    Json requests;
    const char* message;  // "" when it binds
  };
  const Case cases[] = {
      {"fits", {{"cpu", "4"}, {"memory", "8Gi"}}, ""},
      {"nothing requested", Json::object(), ""},
      {"cpu",
       {{"cpu", "4500m"}},
       "0/1 nodes are available: 1 Insufficient cpu: need 4500m, free 4, node allocatable 4. The pod asks for more "
       "than the node has."},
      {"memory", {{"memory", "9Gi"}}, "Insufficient memory: need 9Gi, free 8Gi, node allocatable 8Gi."},
      {"devices",
       {{"huawei.com/ascend-1980", 9}},
       "Insufficient huawei.com/ascend-1980: need 9, free 8, node "
       "allocatable 8."},
      {"unknown resource",
       {{"example.com/fpga", 1}},
       "Insufficient example.com/fpga: need 1, free 0, node allocatable 0. The pod asks for more than the node has."},
      {"zero of an unknown resource", {{"example.com/fpga", 0}}, ""},
  };
  NodeState n =
      testing::node({{"cpu", 4000}, {"memory", 8 * kGi}, {"pods", 110'000}}, {{"huawei.com/ascend-1980", ids(8)}});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Decisions d = schedule(n, ptrs({pod("p", 1, c.requests)}), {});
    if (std::string(c.message).empty()) {
      EXPECT_EQ(bound_keys(d), std::set<std::string>{"default/p"});
      EXPECT_TRUE(d.waiting.empty());
    } else {
      EXPECT_TRUE(d.bindings.empty());
      ASSERT_EQ(d.waiting.size(), 1u);
      EXPECT_EQ(d.waiting[0].reason, "Unschedulable");
      EXPECT_EQ(d.waiting[0].pod_group, "");
      EXPECT_NE(d.waiting[0].message.find(c.message), std::string::npos) << d.waiting[0].message;
    }
  }
}

// What bound pods hold is what is left: free counts them, allocatable does not.
TEST(Schedule, BoundPodsHoldTheirRequestsUntilFinished) {
  NodeState n = testing::node({{"cpu", 4000}, {"pods", 3000}});
  struct Case {
    const char* name;
    Json other;  // a pod already on the node, 3 cpu
    bool binds;  // the new 2-cpu pod
    const char* message;
  };
  Json running = bound(pod("old", 1, {{"cpu", "3"}}));
  Json deleting = running;
  deleting["metadata"]["deletionTimestamp"] = "2026-01-01T01:00:00Z";
  Json succeeded = running;
  succeeded["status"]["phase"] = "Succeeded";
  Json failed = running;
  failed["status"]["phase"] = "Failed";
  Json elsewhere = bound(pod("old", 1, {{"cpu", "3"}}), "node-2");
  Json foreign = bound(pod("old", 1, {{"cpu", "3"}}));
  foreign["spec"]["schedulerName"] = "someone-else";
  const Case cases[] = {
      {"running", running, false, "Insufficient cpu: need 2, free 1, node allocatable 4."},
      // Being deleted still runs until its grace period ends.
      {"being deleted", deleting, false, "Insufficient cpu: need 2, free 1"},
      {"succeeded", succeeded, true, ""},
      {"failed", failed, true, ""},
      {"on another node", elsewhere, true, ""},
      // Whoever scheduled it, it is here.
      {"bound by another scheduler", foreign, false, "Insufficient cpu"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Decisions d = schedule(n, ptrs({c.other, pod("new", 2, {{"cpu", "2"}})}), {});
    EXPECT_EQ(bound_keys(d).contains("default/new"), c.binds);
    if (!c.binds) {
      ASSERT_NE(waiting_for(d, "default/new"), nullptr);
      EXPECT_NE(waiting_for(d, "default/new")->message.find(c.message), std::string::npos)
          << waiting_for(d, "default/new")->message;
    }
  }
  // The node's pod count is a resource too.
  Decisions d = schedule(n, ptrs({bound(pod("a", 1)), bound(pod("b", 2)), bound(pod("c", 3)), pod("d", 4)}), {});
  ASSERT_NE(waiting_for(d, "default/d"), nullptr);
  EXPECT_NE(waiting_for(d, "default/d")->message.find("Insufficient pods: need 1, free 0, node allocatable 3"),
            std::string::npos);
}

TEST(Schedule, SchedulerNames) {
  NodeState n = testing::node({{"cpu", 4000}});
  struct Case {
    Json scheduler;  // null: unset
    bool ours;
  };
  const Case cases[] = {
      {nullptr, true}, {"default-scheduler", true}, {"kthena", true}, {"volcano", true}, {"other", false}, {"", true}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.scheduler.dump());
    Json p = pod("p", 1, {{"cpu", "1"}});
    if (!c.scheduler.is_null()) p["spec"]["schedulerName"] = c.scheduler;
    Json too_big = pod("q", 2, {{"cpu", "9"}});
    if (!c.scheduler.is_null()) too_big["spec"]["schedulerName"] = c.scheduler;
    Decisions d = schedule(n, ptrs({p, too_big}), {});
    EXPECT_EQ(d.bindings.size(), c.ours ? 1u : 0u);
    // Another scheduler's pods are not ours to report on either.
    EXPECT_EQ(d.waiting.size(), c.ours ? 1u : 0u);
  }
  // A pending pod being deleted is never bound.
  Json deleted = pod("p", 1);
  deleted["metadata"]["deletionTimestamp"] = "2026-01-01T01:00:00Z";
  Decisions d = schedule(n, ptrs({deleted}), {});
  EXPECT_TRUE(d.bindings.empty());
  EXPECT_TRUE(d.waiting.empty());
}

TEST(Schedule, NodeSelectorAffinityAndTaints) {
  NodeState n = testing::node({{"cpu", 4000}});
  n.labels = {{"kubernetes.io/hostname", "node-1"}, {"accelerator", "ascend-1980"}, {"zone", "a"}, {"cores", "64"}};
  n.taints = Json::parse(R"([{"key": "dedicated", "value": "inference", "effect": "NoSchedule"},
                             {"key": "slow", "effect": "PreferNoSchedule"}])");
  const Json tolerate = Json::parse(R"([{"key": "dedicated", "operator": "Equal", "value": "inference"}])");
  struct Case {
    const char* name;
    Json spec;  // merged into the pod's spec
    const char* message;
  };
  const std::string taint = "node(s) had untolerated taint {dedicated: inference}";
  const std::string selector = "node(s) didn't match Pod's node affinity/selector";
  const Case cases[] = {
      {"untolerated NoSchedule taint", Json::object(), taint.c_str()},
      {"tolerated by key and value", {{"tolerations", tolerate}}, ""},
      {"tolerated by Exists on the key",
       {{"tolerations", Json::parse(R"([{"key":"dedicated","operator":"Exists"}])")}},
       ""},
      {"tolerated by Exists on every key", {{"tolerations", Json::parse(R"([{"operator":"Exists"}])")}}, ""},
      {"wrong value", {{"tolerations", Json::parse(R"([{"key":"dedicated","value":"batch"}])")}}, taint.c_str()},
      {"wrong effect",
       {{"tolerations", Json::parse(R"([{"key":"dedicated","operator":"Exists","effect":"NoExecute"}])")}},
       taint.c_str()},
      {"nodeSelector matches", {{"tolerations", tolerate}, {"nodeSelector", {{"accelerator", "ascend-1980"}}}}, ""},
      {"nodeSelector value differs",
       {{"tolerations", tolerate}, {"nodeSelector", {{"accelerator", "nvidia-h100"}}}},
       selector.c_str()},
      {"nodeSelector label missing",
       {{"tolerations", tolerate}, {"nodeSelector", {{"gpu", "true"}}}},
       selector.c_str()},
      {"required affinity In",
       {{"tolerations", tolerate},
        {"affinity", Json::parse(R"({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
           "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]},
                                 {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]},
                                                       {"key": "cores", "operator": "Gt", "values": ["32"]}]}]}}})")}},
       ""},
      {"required affinity fails",
       {{"tolerations", tolerate},
        {"affinity", Json::parse(R"({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
           "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a"]}]}]}}})")}},
       selector.c_str()},
      {"required affinity by node name",
       {{"tolerations", tolerate},
        {"affinity", Json::parse(R"({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
           "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                    "values": ["node-1"]}]}]}}})")}},
       ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Json p = pod("p", 1, {{"cpu", "1"}});
    p["spec"].update(c.spec);
    Decisions d = schedule(n, ptrs({p}), {});
    if (std::string(c.message).empty()) {
      EXPECT_EQ(d.bindings.size(), 1u);
    } else {
      ASSERT_EQ(d.waiting.size(), 1u);
      EXPECT_EQ(d.waiting[0].message, "0/1 nodes are available: 1 " + std::string(c.message) + ".");
    }
  }
}

// Oldest first (creationTimestamp, then namespace/name), whatever order the caches list pods in.
TEST(Schedule, CreationOrderDecidesWhoGetsTheLastResources) {
  NodeState n = testing::node({{"nvidia.com/gpu", 2000}}, {{"nvidia.com/gpu", ids(2)}});
  std::vector<Json> pods = {
      pod("c-young", 5, {{"nvidia.com/gpu", 1}}), pod("b-same-second", 3, {{"nvidia.com/gpu", 1}}),
      pod("a-same-second", 3, {{"nvidia.com/gpu", 1}}), pod("z-oldest", 1, {{"nvidia.com/gpu", 1}})};
  std::mt19937 rng(7);
  for (int round = 0; round < 10; ++round) {
    std::shuffle(pods.begin(), pods.end(), rng);
    Decisions d = schedule(n, ptrs(pods), {});
    ASSERT_EQ(d.bindings.size(), 2u);
    EXPECT_EQ(d.bindings[0].pod_key, "default/z-oldest");
    EXPECT_EQ(d.bindings[0].devices.at("nvidia.com/gpu"), std::vector<std::string>{"0"});
    EXPECT_EQ(d.bindings[1].pod_key, "default/a-same-second");
    EXPECT_EQ(d.bindings[1].devices.at("nvidia.com/gpu"), std::vector<std::string>{"1"});
    ASSERT_EQ(d.waiting.size(), 2u);
    EXPECT_EQ(d.waiting[0].pod_key, "default/b-same-second");
    EXPECT_EQ(d.waiting[1].pod_key, "default/c-young");
  }
}

// Many pods coming and going over many passes on 8 NPUs: the lowest free IDs are handed out, records on bound pods
// are honoured, and no two bound pods ever hold the same ID.
TEST(Schedule, DevicesAreNeverShared) {
  NodeState n = testing::node({{"cpu", 64'000}}, {{"huawei.com/ascend-1980", ids(8)}});
  std::vector<Json> pods;
  std::mt19937 rng(42);
  int created = 0;
  for (int pass = 0; pass < 60; ++pass) {
    // Some arrive (1 to 4 NPUs each), some bound ones finish and go.
    for (int i = 0; i < 3; ++i) {
      ++created;
      pods.push_back(pod("p" + std::to_string(created), created, {{"huawei.com/ascend-1980", 1 + rng() % 4}}));
    }
    std::erase_if(pods, [&](const Json& p) { return p["spec"].contains("nodeName") && rng() % 3 == 0; });
    Decisions d = schedule(n, ptrs(pods), {});
    for (const Binding& b : d.bindings) {
      const auto& got = b.devices.at("huawei.com/ascend-1980");
      EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
      // device_env is what the containers see.
      auto env = device_env(b.devices);
      ASSERT_EQ(env.size(), 1u);
      EXPECT_EQ(env[0].first, "ASCEND_VISIBLE_DEVICES");
    }
    EXPECT_TRUE(d.adopted.empty());
    apply_pass(d, pods);
    testing::expect_no_shared_device(pods);
  }
}

TEST(Schedule, BoundPodsDevicesComeFromTheirRecord) {
  NodeState n = testing::node({}, {{"huawei.com/ascend-1980", ids(8)}});
  Json a = bound(pod("a", 1, {{"huawei.com/ascend-1980", 2}}));
  a["metadata"]["annotations"][kDevicesAnnotation] = R"({"huawei.com/ascend-1980": ["3", "5"]})";
  // Bound by someone else (or by an agent that stopped before annotating): counted from the lowest IDs left.
  Json b = bound(pod("b", 2, {{"huawei.com/ascend-1980", 2}}));
  Json c = pod("c", 3, {{"huawei.com/ascend-1980", 3}});
  Decisions d = schedule(n, ptrs({c, b, a}), {});
  ASSERT_EQ(d.adopted.size(), 1u);
  EXPECT_EQ(d.adopted[0].pod_key, "default/b");
  EXPECT_EQ(d.adopted[0].devices.at("huawei.com/ascend-1980"), (std::vector<std::string>{"0", "1"}));
  ASSERT_EQ(d.bindings.size(), 1u);
  EXPECT_EQ(d.bindings[0].devices.at("huawei.com/ascend-1980"), (std::vector<std::string>{"2", "4", "6"}));
  // The same world, once the agent recorded it, gives the same answer and nothing more to adopt.
  std::vector<Json> pods = {a, b, c};
  apply_pass(d, pods);
  Decisions again = schedule(n, ptrs(pods), {});
  EXPECT_TRUE(again.adopted.empty());
  EXPECT_TRUE(again.bindings.empty());
  testing::expect_no_shared_device(pods);
  // One device left (7): a two-device pod waits.
  Decisions more = schedule(n, ptrs({a, b, bound(c), pod("d", 4, {{"huawei.com/ascend-1980", 2}})}), {});
  ASSERT_EQ(more.waiting.size(), 1u);
  EXPECT_NE(more.waiting[0].message.find("need 2, free 1, node allocatable 8"), std::string::npos);
}

}  // namespace
}  // namespace kthena::node
