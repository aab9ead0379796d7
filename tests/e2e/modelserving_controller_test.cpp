// The ModelServing controller end to end: the embedded API server, the controller-manager (in process) and a
// stand-in for the kubelet that marks pods Running and Ready (the node agent's job, once it exists). The tests carry
// the names of upstream's e2e suite (test/e2e/controller-manager, spec kthena-workload.md §5.2), so that the two
// can be compared line by line; what they assert is upstream's, plus the exact objects of spec §3.
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "controllers/modelserving/lws_bridge.h"
#include "controllers/modelserving/revisions.h"
#include "e2e/controller_fixture.h"
#include "kube/client.h"

namespace kthena {
namespace {

using namespace std::chrono_literals;
namespace res = kube::resources;
using e2e::basic_model_serving;
using e2e::ControllerManager;
using e2e::role;

// The pods of spec §3.2: names, labels, owner, env, scheduler name, and the headless Service of §3.3.
TEST_F(ControllerManager, PodsServicesAndPodGroupsAsUpstreamGeneratesThem) {
  Json ms = basic_model_serving("shape", 1, Json::array({role("prefill", 1, 2)}));
  ms["spec"]["schedulerName"] = "volcano";
  Json created = create(ms);
  ASSERT_TRUE(wait_ready("shape"));
  auto all = ms_pods("shape");
  ASSERT_EQ(all.size(), 3u);
  std::set<std::string> names;
  for (const Json& p : all) names.insert(p["metadata"]["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"shape-0-prefill-0-0", "shape-0-prefill-0-1", "shape-0-prefill-0-2"}));
  for (const Json& p : all) {
    std::string pod_name = p["metadata"]["name"];
    const Json& labels = p["metadata"]["labels"];
    EXPECT_EQ(labels.value("modelserving.volcano.sh/name", ""), "shape");
    EXPECT_EQ(labels.value("modelserving.volcano.sh/group-name", ""), "shape-0");
    EXPECT_EQ(labels.value("modelserving.volcano.sh/role", ""), "prefill");
    EXPECT_EQ(labels.value("modelserving.volcano.sh/role-id", ""), "prefill-0");
    EXPECT_FALSE(labels.value("modelserving.volcano.sh/revision", "").empty());
    EXPECT_FALSE(labels.value("modelserving.volcano.sh/role-template-hash", "").empty());
    EXPECT_EQ(labels.contains("modelserving.volcano.sh/entry"), pod_name.ends_with("-0")) << pod_name;
    const Json& owner = p["metadata"]["ownerReferences"][0];
    EXPECT_EQ(owner["kind"], "ModelServing");
    EXPECT_EQ(owner["uid"], created["metadata"]["uid"]);
    EXPECT_EQ(owner["controller"], true);
    EXPECT_EQ(owner["blockOwnerDeletion"], true);
    EXPECT_EQ(p["spec"]["schedulerName"], "volcano");
    EXPECT_EQ(p["metadata"]["annotations"].value("scheduling.k8s.io/group-name", ""), "shape-0");
    EXPECT_EQ(p["metadata"]["annotations"].value("volcano.sh/task-spec", ""), "prefill-0");
    const Json& env = p["spec"]["containers"][0]["env"];
    ASSERT_EQ(env.size(), 3u);
    EXPECT_EQ(env[0], (Json{{"name", "GROUP_SIZE"}, {"value", "3"}}));
    EXPECT_EQ(env[1], (Json{{"name", "ENTRY_ADDRESS"}, {"value", "shape-0-prefill-0-0.default"}}));
    EXPECT_EQ(env[2]["value"], pod_name.substr(pod_name.size() - 1));
  }
  auto service = client_->get(res::services(), "default", "shape-0-prefill-0-0");
  ASSERT_TRUE(service) << service.error().to_string();
  EXPECT_EQ((*service)["spec"]["clusterIP"], "None");
  EXPECT_EQ((*service)["spec"]["publishNotReadyAddresses"], true);
  EXPECT_EQ((*service)["spec"]["selector"].value("modelserving.volcano.sh/entry", ""), "true");
  auto pod_group = client_->get(res::pod_groups(), "default", "shape-0");
  ASSERT_TRUE(pod_group) << pod_group.error().to_string();
  EXPECT_EQ((*pod_group)["spec"]["minMember"], 3);
  std::string revision = get("shape")["status"].value("updateRevision", "");
  auto cr = client_->get(res::controller_revisions(), "default", "shape-" + revision);
  ASSERT_TRUE(cr) << cr.error().to_string();
  Json status = get("shape")["status"];
  EXPECT_EQ(status["labelSelector"],
            "modelserving.volcano.sh/entry=true,modelserving.volcano.sh/name=shape,modelserving.volcano.sh/"
            "role=prefill,modelserving.volcano.sh/role-id=prefill-0");
  EXPECT_EQ(status["currentRevision"], status["updateRevision"]);
}

TEST_F(ControllerManager, TestModelServingLifecycle) {
  create(basic_model_serving("lifecycle", 1, Json::array({role("prefill", 1, 0)})));
  ASSERT_TRUE(wait_ready("lifecycle"));
  edit("lifecycle", [](Json& ms) {
    ms["spec"]["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][0]["image"] = "nginx:alpine";
  });
  ASSERT_TRUE(eventually([&] {
    auto all = ms_pods("lifecycle");
    return all.size() == 1 && ready(all[0]) && all[0]["spec"]["containers"][0]["image"] == "nginx:alpine";
  }));
  ASSERT_TRUE(wait_ready("lifecycle"));
  ASSERT_TRUE(client_->remove(res::model_servings(), "default", "lifecycle"));
  EXPECT_TRUE(eventually([&] { return ms_pods("lifecycle").empty(); }));
}

TEST_F(ControllerManager, TestModelServingScaleUp) {
  create(basic_model_serving("scale-up", 1, Json::array({role("prefill", 1, 0)})));
  ASSERT_TRUE(wait_ready("scale-up"));
  edit("scale-up", [](Json& ms) { ms["spec"]["replicas"] = 3; });
  ASSERT_TRUE(wait_ready("scale-up"));
  EXPECT_EQ(group_names("scale-up"), (std::set<std::string>{"scale-up-0", "scale-up-1", "scale-up-2"}));
}

TEST_F(ControllerManager, TestModelServingScaleDown) {
  create(basic_model_serving("scale-down", 3, Json::array({role("prefill", 1, 0)})));
  ASSERT_TRUE(wait_ready("scale-down"));
  edit("scale-down", [](Json& ms) { ms["spec"]["replicas"] = 1; });
  ASSERT_TRUE(wait_ready("scale-down"));
  EXPECT_TRUE(eventually([&] { return ms_pods("scale-down").size() == 1; }));
  EXPECT_EQ(get("scale-down")["status"]["availableReplicas"], 1);
}

TEST_F(ControllerManager, TestModelServingRoleScaleUpAndDown) {
  create(basic_model_serving("role-scale", 1, Json::array({role("prefill", 1, 0)})));
  ASSERT_TRUE(wait_ready("role-scale"));
  edit("role-scale", [](Json& ms) { ms["spec"]["template"]["roles"][0]["replicas"] = 3; });
  ASSERT_TRUE(eventually([&] { return ms_pods("role-scale").size() == 3; }));
  ASSERT_TRUE(wait_ready("role-scale"));
  edit("role-scale", [](Json& ms) { ms["spec"]["template"]["roles"][0]["replicas"] = 1; });
  EXPECT_TRUE(eventually([&] { return ms_pods("role-scale").size() == 1; }));
  ASSERT_TRUE(wait_ready("role-scale"));
}

TEST_F(ControllerManager, TestModelServingServingGroupRecreate) {
  Json ms = basic_model_serving("sg-recreate", 1, Json::array({role("prefill", 1, 0), role("decode", 1, 0)}));
  ms["spec"]["recoveryPolicy"] = "ServingGroupRecreate";
  create(ms);
  ASSERT_TRUE(wait_ready("sg-recreate"));
  std::map<std::string, std::string> before;
  for (const Json& p : ms_pods("sg-recreate")) before[p["metadata"]["name"]] = p["metadata"]["uid"];
  ASSERT_EQ(before.size(), 2u);
  ASSERT_TRUE(client_->remove(res::pods(), "default", before.begin()->first));
  EXPECT_TRUE(eventually([&] {
    auto all = ms_pods("sg-recreate");
    if (all.size() != 2) return false;
    for (const Json& p : all) {
      if (!ready(p) || before.at(p["metadata"]["name"]) == p["metadata"]["uid"]) return false;
      if (label(p, "modelserving.volcano.sh/group-name") != "sg-recreate-0") return false;
    }
    return true;
  }));
}

TEST_F(ControllerManager, TestModelServingHeadlessServiceDeleteOnServingGroupDelete) {
  create(basic_model_serving("headless", 3, Json::array({role("prefill", 1, 1)})));
  ASSERT_TRUE(wait_ready("headless"));
  auto services = [&] {
    kube::ListOptions options;
    options.label_selector = "modelserving.volcano.sh/name=headless";
    auto list = client_->list(res::services(), "default", options);
    return list ? (*list)["items"].size() : 0u;
  };
  EXPECT_TRUE(eventually([&] { return services() == 3; }));
  edit("headless", [](Json& ms) { ms["spec"]["replicas"] = 1; });
  EXPECT_TRUE(eventually([&] { return services() == 1; }));
}

TEST_F(ControllerManager, TestModelServingPodRecovery) {
  Json ms = basic_model_serving("pod-recovery", 1, Json::array({role("prefill", 1, 0)}));
  ms["spec"]["rolloutStrategy"] = {{"type", "RoleRollingUpdate"}};
  create(ms);
  ASSERT_TRUE(wait_ready("pod-recovery"));
  Json pod = ms_pods("pod-recovery").at(0);
  ASSERT_TRUE(client_->remove(res::pods(), "default", pod["metadata"]["name"].get<std::string>()));
  EXPECT_TRUE(eventually([&] {
    auto all = ms_pods("pod-recovery");
    return all.size() == 1 && ready(all[0]) && all[0]["metadata"]["uid"] != pod["metadata"]["uid"] &&
           label(all[0], "modelserving.volcano.sh/group-name") == label(pod, "modelserving.volcano.sh/group-name") &&
           label(all[0], "modelserving.volcano.sh/role-id") == label(pod, "modelserving.volcano.sh/role-id");
  }));
}

TEST_F(ControllerManager, TestModelServingServiceRecovery) {
  create(basic_model_serving("svc-recovery", 1, Json::array({role("prefill", 1, 1)})));
  ASSERT_TRUE(wait_ready("svc-recovery"));
  auto service = client_->get(res::services(), "default", "svc-recovery-0-prefill-0-0");
  ASSERT_TRUE(service);
  ASSERT_TRUE(client_->remove(res::services(), "default", "svc-recovery-0-prefill-0-0"));
  EXPECT_TRUE(eventually([&] {
    auto again = client_->get(res::services(), "default", "svc-recovery-0-prefill-0-0");
    return again && (*again)["metadata"]["uid"] != (*service)["metadata"]["uid"];
  }));
}

TEST_F(ControllerManager, TestModelServingRollingUpdateMaxUnavailable) {
  create(basic_model_serving("max-unavailable", 4, Json::array({role("prefill", 1, 0)})));
  ASSERT_TRUE(wait_ready("max-unavailable"));
  std::atomic<bool> watching{true};
  std::atomic<int> worst{0};
  std::jthread watcher([&] {
    while (watching.load()) {
      Json s = get("max-unavailable")["status"];
      worst.store(std::max(worst.load(), 4 - s.value("availableReplicas", 4)));
      std::this_thread::sleep_for(20ms);
    }
  });
  edit("max-unavailable", [](Json& ms) {
    ms["spec"]["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][0]["image"] = "nginx:alpine";
  });
  ASSERT_TRUE(eventually([&] {
    Json s = get("max-unavailable")["status"];
    return s.value("updatedReplicas", 0) == 4 && s.value("availableReplicas", 0) == 4 &&
           s.value("currentRevision", "") == s.value("updateRevision", "");
  }));
  watching.store(false);
  watcher.join();
  EXPECT_LE(worst.load(), 2);
}

TEST_F(ControllerManager, TestModelServingRollingUpdateMaxUnavailableWithBadImage) {
  create(basic_model_serving("bad-image", 6, Json::array({role("prefill", 1, 0)})));
  ASSERT_TRUE(wait_ready("bad-image"));
  edit("bad-image", [](Json& ms) {
    ms["spec"]["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][0]["image"] = "nginx:nonexistent";
  });
  auto until = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < until) {
    int running = 0;
    for (const Json& p : ms_pods("bad-image")) running += ready(p);
    ASSERT_GE(running, 4);
    std::this_thread::sleep_for(100ms);
  }
}

TEST_F(ControllerManager, TestModelServingRoleStatusEvents) {
  create(basic_model_serving("events", 1, Json::array({role("prefill", 1, 0)})));
  ASSERT_TRUE(wait_ready("events"));
  EXPECT_TRUE(eventually(
      [&] { return count_events("events", "RoleCreating") > 0 && count_events("events", "RoleRunning") > 0; }));
}

TEST_F(ControllerManager, TestModelServingPartitionBoundaryProtection) {
  Json ms = basic_model_serving("partition", 5, Json::array({role("prefill", 1, 0)}));
  ms["spec"]["rolloutStrategy"]["rollingUpdateConfiguration"] = {{"maxUnavailable", 5}, {"partition", 3}};
  create(ms);
  ASSERT_TRUE(wait_ready("partition"));
  std::string initial = get("partition")["status"]["updateRevision"];
  edit("partition", [](Json& ms) {
    ms["spec"]["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][0]["image"] = "nginx:alpine";
  });
  ASSERT_TRUE(eventually([&] {
    auto all = ms_pods("partition");
    if (all.size() != 5) return false;
    for (const Json& p : all) {
      if (!ready(p)) return false;
      int g = std::stoi(label(p, "modelserving.volcano.sh/group-name").substr(10));
      bool old = p["spec"]["containers"][0]["image"] == "nginx:1.28.2";
      if (old != (g < 3)) return false;
    }
    return true;
  }));
  Json status = get("partition")["status"];
  EXPECT_EQ(status["currentRevision"], initial);
  EXPECT_NE(status["updateRevision"], initial);
}

TEST_F(ControllerManager, TestModelServingRollingUpdate) {
  create(basic_model_serving("rolling", 3, Json::array({role("prefill", 1, 0)})));
  ASSERT_TRUE(wait_ready("rolling"));
  std::string initial = get("rolling")["status"]["updateRevision"];
  edit("rolling", [](Json& ms) {
    ms["spec"]["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][0]["image"] = "nginx:alpine";
  });
  ASSERT_TRUE(eventually([&] {
    Json s = get("rolling")["status"];
    return s.value("currentRevision", "") == s.value("updateRevision", "") &&
           s.value("updateRevision", "") != initial && s.value("replicas", 0) == 3 &&
           s.value("availableReplicas", 0) == 3 && s.value("updatedReplicas", 0) == 3;
  }));
  for (const Json& p : ms_pods("rolling")) EXPECT_EQ(p["spec"]["containers"][0]["image"], "nginx:alpine");
}

TEST_F(ControllerManager, TestModelServingControllerManagerRestart) {
  create(basic_model_serving("restart", 5, Json::array({role("prefill", 1, 2), role("decode", 1, 1)})));
  std::this_thread::sleep_for(300ms);
  manager_.reset();
  start_manager();
  ASSERT_TRUE(wait_ready("restart"));
  EXPECT_TRUE(eventually([&] {
    auto all = ms_pods("restart");
    return all.size() == 25 && std::all_of(all.begin(), all.end(), ready);
  }));
}

TEST_F(ControllerManager, TestModelServingRoleBasedRollingUpdate) {
  Json ms = basic_model_serving("role-rolling", 2, Json::array({role("prefill", 2, 0), role("decode", 1, 0)}));
  ms["spec"]["rolloutStrategy"] = {{"type", "RoleRollingUpdate"}};
  create(ms);
  ASSERT_TRUE(wait_ready("role-rolling"));
  std::map<std::string, std::string> decode;
  for (const Json& p : pods("modelserving.volcano.sh/name=role-rolling,modelserving.volcano.sh/role=decode")) {
    decode[p["metadata"]["name"]] = p["metadata"]["uid"];
  }
  edit("role-rolling", [](Json& ms) {
    ms["spec"]["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][0]["image"] = "nginx:alpine";
  });
  ASSERT_TRUE(eventually([&] {
    auto prefill = pods("modelserving.volcano.sh/name=role-rolling,modelserving.volcano.sh/role=prefill");
    return prefill.size() == 4 && std::all_of(prefill.begin(), prefill.end(), [](const Json& p) {
             return ready(p) && p["spec"]["containers"][0]["image"] == "nginx:alpine";
           });
  }));
  std::map<std::string, std::string> decode_after;
  for (const Json& p : pods("modelserving.volcano.sh/name=role-rolling,modelserving.volcano.sh/role=decode")) {
    decode_after[p["metadata"]["name"]] = p["metadata"]["uid"];
  }
  EXPECT_EQ(decode, decode_after);
}

TEST_F(ControllerManager, TestModelServingBinPackScaleDownServingGroup) {
  create(basic_model_serving("binpack", 4, Json::array({role("prefill", 1, 0)})));
  ASSERT_TRUE(wait_ready("binpack"));
  ASSERT_TRUE(set_deletion_costs("binpack", [](const Json& p) {
    return std::stoi(label(p, "modelserving.volcano.sh/group-name").substr(8)) * 100;
  }));
  edit("binpack", [](Json& ms) { ms["spec"]["replicas"] = 1; });
  EXPECT_TRUE(eventually(
      [&] { return group_names("binpack") == std::set<std::string>{"binpack-3"} && ms_pods("binpack").size() == 1; }));
}

// Upstream's partition fixture: 5 groups, partition 3, maxUnavailable 5, then an image update; groups 0-2 keep the
// initial revision.
class PartitionedModelServing : public ControllerManager {
 protected:
  void SetUp() override {
    ControllerManager::SetUp();
    Json ms = basic_model_serving("part", 5, Json::array({role("prefill", 1, 0)}));
    ms["spec"]["rolloutStrategy"]["rollingUpdateConfiguration"] = {{"maxUnavailable", 5}, {"partition", 3}};
    create(ms);
    ASSERT_TRUE(wait_ready("part"));
    initial_ = get("part")["status"]["updateRevision"];
    edit("part", [](Json& ms) {
      ms["spec"]["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][0]["image"] = "nginx:alpine";
    });
    ASSERT_TRUE(eventually([&] { return images() == expected(5); }));
    ASSERT_TRUE(wait_ready("part"));
  }
  // Group ordinal -> (image, revision label) of its running pod.
  std::map<int, std::pair<std::string, std::string>> images() {
    std::map<int, std::pair<std::string, std::string>> out;
    for (const Json& p : ms_pods("part")) {
      if (!ready(p)) return {};
      int g = std::stoi(label(p, "modelserving.volcano.sh/group-name").substr(5));
      out[g] = {p["spec"]["containers"][0]["image"], label(p, "modelserving.volcano.sh/revision")};
    }
    return out;
  }
  std::map<int, std::pair<std::string, std::string>> expected(int groups) {
    std::string updated = get("part")["status"].value("updateRevision", "");
    std::map<int, std::pair<std::string, std::string>> out;
    for (int g = 0; g < groups; ++g)
      out[g] =
          g < 3 ? std::pair(std::string("nginx:1.28.2"), initial_) : std::pair(std::string("nginx:alpine"), updated);
    return out;
  }
  std::string initial_;
};

TEST_F(PartitionedModelServing, TestModelServingPartitionDeletedGroupHistoricalRevision) {
  Json status = get("part")["status"];
  Json victim;
  for (const Json& p : ms_pods("part")) {
    if (label(p, "modelserving.volcano.sh/group-name") == "part-1") victim = p;
  }
  ASSERT_FALSE(victim.is_null());
  ASSERT_TRUE(client_->remove(res::pods(), "default", victim["metadata"]["name"].get<std::string>()));
  ASSERT_TRUE(eventually([&] {
    for (const Json& p : ms_pods("part")) {
      if (label(p, "modelserving.volcano.sh/group-name") == "part-1" && ready(p) &&
          p["metadata"]["uid"] != victim["metadata"]["uid"]) {
        return true;
      }
    }
    return false;
  }));
  EXPECT_EQ(images(), expected(5));
  Json after = get("part")["status"];
  EXPECT_EQ(after["currentRevision"], status["currentRevision"]);
  EXPECT_EQ(after["updateRevision"], status["updateRevision"]);
}

TEST_F(PartitionedModelServing, TestModelServingPartitionScaleUp) {
  edit("part", [](Json& ms) { ms["spec"]["replicas"] = 7; });
  EXPECT_TRUE(eventually([&] { return images() == expected(7); }));
}

TEST_F(PartitionedModelServing, TestModelServingPartitionScaleDown) {
  edit("part", [](Json& ms) { ms["spec"]["replicas"] = 3; });
  EXPECT_TRUE(eventually([&] { return images() == expected(3); }));
  EXPECT_TRUE(eventually([&] {
    Json s = get("part")["status"];
    return s.value("replicas", 0) == 3 && s.value("updatedReplicas", -1) == 0 && s.value("currentReplicas", 0) == 3 &&
           s.value("availableReplicas", 0) == 3;
  })) << get("part")["status"].dump();
}

TEST_F(ControllerManager, TestModelServingRoleRollingUpdatePartition) {
  Json prefill = role("prefill", 4, 0);
  prefill["partition"] = 2;
  prefill["maxUnavailable"] = 4;
  Json ms = basic_model_serving("role-part", 1, Json::array({prefill}));
  ms["spec"]["rolloutStrategy"] = {{"type", "RoleRollingUpdate"}};
  create(ms);
  ASSERT_TRUE(wait_ready("role-part"));
  edit("role-part", [](Json& ms) {
    ms["spec"]["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][0]["image"] = "nginx:alpine";
  });
  EXPECT_TRUE(eventually([&] {
    auto all = ms_pods("role-part");
    if (all.size() != 4) return false;
    for (const Json& p : all) {
      int r = std::stoi(label(p, "modelserving.volcano.sh/role-id").substr(8));
      if (!ready(p) || (p["spec"]["containers"][0]["image"] == "nginx:alpine") != (r >= 2)) return false;
    }
    return true;
  }));
}

TEST_F(ControllerManager, TestModelServingRoleRollingUpdateMaxUnavailable) {
  Json prefill = role("prefill", 4, 0);
  prefill["maxUnavailable"] = 2;
  Json ms = basic_model_serving("role-max", 1, Json::array({prefill, role("decode", 1, 0)}));
  ms["spec"]["rolloutStrategy"] = {{"type", "RoleRollingUpdate"}};
  create(ms);
  ASSERT_TRUE(wait_ready("role-max"));
  std::string decode_uid =
      pods("modelserving.volcano.sh/name=role-max,modelserving.volcano.sh/role=decode").at(0)["metadata"]["uid"];
  edit("role-max", [](Json& ms) {
    ms["spec"]["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][0]["image"] = "nginx:nonexistent";
  });
  auto counts = [&] {
    int old_running = 0, bad = 0;
    for (const Json& p : pods("modelserving.volcano.sh/name=role-max,modelserving.volcano.sh/role=prefill")) {
      bool is_bad = p["spec"]["containers"][0]["image"] == "nginx:nonexistent";
      bad += is_bad;
      old_running += !is_bad && ready(p);
    }
    return std::pair(old_running, bad);
  };
  ASSERT_TRUE(eventually([&] { return counts() == std::pair(2, 2); }));
  auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(counts(), std::pair(2, 2));
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(pods("modelserving.volcano.sh/name=role-max,modelserving.volcano.sh/role=decode").at(0)["metadata"]["uid"],
            decode_uid);
}

TEST_F(ControllerManager, TestModelServingBinPackScaleDownRole) {
  create(basic_model_serving("binpack-role", 1, Json::array({role("prefill", 4, 0)})));
  ASSERT_TRUE(wait_ready("binpack-role"));
  // Ordinal 2 costs most: without the costs ordinal 0 would stay (highest ordinals go first).
  ASSERT_TRUE(set_deletion_costs("binpack-role", [](const Json& p) {
    int r = std::stoi(label(p, "modelserving.volcano.sh/role-id").substr(8));
    return r == 2 ? 1000 : r * 100;
  }));
  edit("binpack-role", [](Json& ms) { ms["spec"]["template"]["roles"][0]["replicas"] = 1; });
  EXPECT_TRUE(eventually([&] {
    auto all = ms_pods("binpack-role");
    return all.size() == 1 && label(all[0], "modelserving.volcano.sh/role-id") == "prefill-2";
  }));
}

TEST_F(ControllerManager, TestModelServingWithDuplicateHostAliases) {
  Json r = role("prefill", 1, 0);
  Json aliases = Json::array({{{"ip", "10.0.0.1"}, {"hostnames", {"a"}}}, {{"ip", "10.0.0.1"}, {"hostnames", {"b"}}}});
  r["entryTemplate"]["spec"]["hostAliases"] = aliases;
  create(basic_model_serving("aliases", 1, Json::array({r})));
  ASSERT_TRUE(wait_ready("aliases"));
  EXPECT_EQ(ms_pods("aliases").at(0)["spec"]["hostAliases"], aliases);
}

TEST_F(ControllerManager, TestModelServingRolePartitionScaleUp) {
  Json prefill = role("prefill", 3, 0);
  prefill["partition"] = 1;
  Json ms = basic_model_serving("rps-up", 1, Json::array({prefill}));
  ms["spec"]["rolloutStrategy"] = {{"type", "RoleRollingUpdate"}};
  create(ms);
  ASSERT_TRUE(wait_ready("rps-up"));
  std::string initial = get("rps-up")["status"]["updateRevision"];
  edit("rps-up", [](Json& ms) {
    ms["spec"]["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][0]["image"] = "nginx:alpine";
  });
  auto state = [&] {
    std::map<std::string, std::pair<std::string, std::string>> out;
    for (const Json& p : ms_pods("rps-up")) {
      if (!ready(p)) return decltype(out){};
      out[label(p, "modelserving.volcano.sh/role-id")] = {p["spec"]["containers"][0]["image"],
                                                          label(p, "modelserving.volcano.sh/revision")};
    }
    return out;
  };
  std::string updated;
  ASSERT_TRUE(eventually([&] {
    updated = get("rps-up")["status"].value("updateRevision", "");
    auto s = state();
    return s.size() == 3 && s["prefill-0"] == std::pair(std::string("nginx:1.28.2"), initial) &&
           s["prefill-1"] == std::pair(std::string("nginx:alpine"), updated) &&
           s["prefill-2"] == std::pair(std::string("nginx:alpine"), updated);
  }));
  Json first = pods("modelserving.volcano.sh/name=rps-up,modelserving.volcano.sh/role-id=prefill-0").at(0);
  ASSERT_TRUE(client_->remove(res::pods(), "default", first["metadata"]["name"].get<std::string>()));
  EXPECT_TRUE(eventually([&] {
    auto again = pods("modelserving.volcano.sh/name=rps-up,modelserving.volcano.sh/role-id=prefill-0");
    auto s = state();
    return again.size() == 1 && again[0]["metadata"]["uid"] != first["metadata"]["uid"] && s.size() == 3 &&
           s["prefill-0"] == std::pair(std::string("nginx:1.28.2"), initial) && s["prefill-1"].second == updated &&
           s["prefill-2"].second == updated;
  }));
}

TEST_F(ControllerManager, TestModelServingRolePartitionScaleDown) {
  Json prefill = role("prefill", 5, 0);
  prefill["partition"] = 3;
  prefill["maxUnavailable"] = 2;  // within the 3 replicas it scales to (the webhook refuses more)
  Json ms = basic_model_serving("rps-down", 1, Json::array({prefill}));
  ms["spec"]["rolloutStrategy"] = {{"type", "RoleRollingUpdate"}};
  create(ms);
  ASSERT_TRUE(wait_ready("rps-down"));
  std::string initial = get("rps-down")["status"]["updateRevision"];
  edit("rps-down", [](Json& ms) {
    ms["spec"]["template"]["roles"][0]["entryTemplate"]["spec"]["containers"][0]["image"] = "nginx:alpine";
  });
  ASSERT_TRUE(eventually([&] {
    int updated = 0;
    for (const Json& p : ms_pods("rps-down"))
      updated += ready(p) && p["spec"]["containers"][0]["image"] == "nginx:alpine";
    return updated == 2 && ms_pods("rps-down").size() == 5;
  }));
  // Cheapest first would take the protected ordinals 0-2; the partition keeps them.
  auto cost = [](const Json& p) {
    int r = std::stoi(label(p, "modelserving.volcano.sh/role-id").substr(8));
    return r < 3 ? 0 : 1000;
  };
  ASSERT_TRUE(set_deletion_costs("rps-down", cost));
  edit("rps-down", [](Json& ms) { ms["spec"]["template"]["roles"][0]["replicas"] = 3; });
  EXPECT_TRUE(eventually([&] {
    auto all = ms_pods("rps-down");
    std::set<std::string> ids;
    for (const Json& p : all) {
      if (label(p, "modelserving.volcano.sh/revision") != initial) return false;
      ids.insert(label(p, "modelserving.volcano.sh/role-id"));
    }
    return ids == std::set<std::string>{"prefill-0", "prefill-1", "prefill-2"} && all.size() == 3;
  }));
}

TEST_F(ControllerManager, TestModelServingBinPackScaleDownCombined) {
  create(basic_model_serving("combined", 2, Json::array({role("prefill", 2, 0), role("decode", 1, 0)})));
  ASSERT_TRUE(wait_ready("combined"));
  auto cost = [](const Json& p) {
    int g = std::stoi(label(p, "modelserving.volcano.sh/group-name").substr(9));
    std::string id = label(p, "modelserving.volcano.sh/role-id");
    return g * 100 + std::stoi(id.substr(id.rfind('-') + 1)) * 10;
  };
  ASSERT_TRUE(set_deletion_costs("combined", cost));
  edit("combined", [](Json& ms) {
    ms["spec"]["replicas"] = 1;
    ms["spec"]["template"]["roles"][0]["replicas"] = 1;
  });
  EXPECT_TRUE(eventually([&] {
    auto all = ms_pods("combined");
    std::set<std::string> names;
    for (const Json& p : all) names.insert(p["metadata"]["name"].get<std::string>());
    return names == std::set<std::string>{"combined-1-prefill-1-0", "combined-1-decode-0-0"};
  }));
}

// Four groups behind a readiness gate, three let through: scaling to three removes the unready one.
TEST_F(ControllerManager, TestModelServingStatusAwarePriorityScaleDownServingGroup) {
  Json r = role("prefill", 1, 0);
  r["entryTemplate"]["spec"]["readinessGates"] = Json::array({{{"conditionType", "kthena.e2e/test-ready"}}});
  create(basic_model_serving("status-aware", 4, Json::array({r})));
  ASSERT_TRUE(eventually([&] { return ms_pods("status-aware").size() == 4; }));
  ASSERT_TRUE(eventually([&] {
    open_gates("status-aware", "modelserving.volcano.sh/group-name", "status-aware-1");
    return get("status-aware")["status"].value("availableReplicas", 0) == 3;
  }));
  edit("status-aware", [](Json& ms) { ms["spec"]["replicas"] = 3; });
  std::set<std::string> groups;
  EXPECT_TRUE(eventually([&] {
    groups.clear();
    for (const Json& p : ms_pods("status-aware")) groups.insert(label(p, "modelserving.volcano.sh/group-name"));
    return groups == std::set<std::string>{"status-aware-0", "status-aware-2", "status-aware-3"};
  })) << fmt::format("{}", fmt::join(groups, " "));
}

// The same at role level: four role instances behind a readiness gate, three let through (three RoleRunning
// events); scaling the role to three removes the unready instance.
TEST_F(ControllerManager, TestModelServingStatusAwarePriorityScaleDownRole) {
  Json r = role("prefill", 4, 0);
  r["entryTemplate"]["spec"]["readinessGates"] = Json::array({{{"conditionType", "kthena.e2e/test-ready"}}});
  create(basic_model_serving("sa-role", 1, Json::array({r})));
  ASSERT_TRUE(eventually([&] { return ms_pods("sa-role").size() == 4; }));
  ASSERT_TRUE(eventually([&] {
    open_gates("sa-role", "modelserving.volcano.sh/role-id", "prefill-1");
    return count_events("sa-role", "RoleRunning") >= 3;
  }));
  edit("sa-role", [](Json& ms) { ms["spec"]["template"]["roles"][0]["replicas"] = 3; });
  std::set<std::string> ids;
  EXPECT_TRUE(eventually([&] {
    ids.clear();
    for (const Json& p : ms_pods("sa-role")) ids.insert(label(p, "modelserving.volcano.sh/role-id"));
    return ids == std::set<std::string>{"prefill-0", "prefill-2", "prefill-3"};
  })) << fmt::format("{}", fmt::join(ids, " "));
}

// The LeaderWorkerSet bridge (spec §3.14): an LWS becomes a ModelServing of its name that it owns, whose pods carry
// LWS's labels; its status comes back onto the LWS; deleting the LWS takes everything with it.
TEST_F(ControllerManager, TestLWSAPIBasic) {
  const kube::Resource lws_resource = controllers::modelserving::leader_worker_sets();
  Json container = {{"name", "nginx"}, {"image", "nginx:1.28.2"}, {"ports", Json::array({{{"containerPort", 80}}})}};
  Json lws = {{"apiVersion", "leaderworkerset.x-k8s.io/v1"},
              {"kind", "LeaderWorkerSet"},
              {"metadata", {{"name", "test-lws-basic"}, {"namespace", "default"}}},
              {"spec",
               {{"replicas", 1},
                {"leaderWorkerTemplate",
                 {{"size", 2}, {"workerTemplate", {{"spec", {{"containers", Json::array({container})}}}}}}}}}};
  auto created = client_->create(lws_resource, "default", lws);
  ASSERT_TRUE(created) << created.error().to_string();
  ASSERT_TRUE(wait_ready("test-lws-basic"));

  Json ms = get("test-lws-basic");
  ASSERT_EQ(ms["metadata"]["ownerReferences"].size(), 1u);
  const Json& owner = ms["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["kind"], "LeaderWorkerSet");
  EXPECT_EQ(owner["uid"], (*created)["metadata"]["uid"]);
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ(owner["blockOwnerDeletion"], true);

  unsigned char digest[SHA_DIGEST_LENGTH];
  std::string group_key_input = "test-lws-basic-0";
  SHA1(reinterpret_cast<const unsigned char*>(group_key_input.data()), group_key_input.size(), digest);
  std::string group_key;
  for (unsigned char byte : digest) group_key += fmt::format("{:02x}", byte);
  auto all = ms_pods("test-lws-basic");
  ASSERT_EQ(all.size(), 2u);
  std::set<std::string> worker_indexes;
  for (const Json& p : all) {
    EXPECT_TRUE(ready(p)) << p["metadata"]["name"];
    EXPECT_EQ(label(p, "leaderworkerset.sigs.k8s.io/name"), "test-lws-basic");
    EXPECT_EQ(label(p, "leaderworkerset.sigs.k8s.io/group-index"), "0");
    EXPECT_EQ(label(p, "leaderworkerset.sigs.k8s.io/group-key"), group_key);
    worker_indexes.insert(label(p, "leaderworkerset.sigs.k8s.io/worker-index"));
  }
  EXPECT_EQ(worker_indexes, (std::set<std::string>{"0", "1"}));

  // The ModelServing's status on the LWS.
  EXPECT_TRUE(eventually([&] {
    auto got = client_->get(lws_resource, "default", "test-lws-basic");
    return got && (*got)["status"].value("replicas", -1) == 1 && (*got)["status"].value("readyReplicas", -1) == 1;
  }));
  // An edit of the LWS reaches the ModelServing: size 3 is two workers.
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto got = client_->get(lws_resource, "default", "test-lws-basic");
    ASSERT_TRUE(got);
    (*got)["spec"]["leaderWorkerTemplate"]["size"] = 3;
    if (client_->update(lws_resource, *got)) break;
  }
  EXPECT_TRUE(eventually([&] { return ms_pods("test-lws-basic").size() == 3u; }));

  ASSERT_TRUE(client_->remove(lws_resource, "default", "test-lws-basic"));
  EXPECT_TRUE(eventually([&] { return get("test-lws-basic").is_null() && ms_pods("test-lws-basic").empty(); }));
}

// A ModelServing of the LWS's name that the LWS does not own is not taken over.
TEST_F(ControllerManager, LWSLeavesAModelServingItDoesNotOwnAlone) {
  const kube::Resource lws_resource = controllers::modelserving::leader_worker_sets();
  create(basic_model_serving("taken", 1, Json::array({role("prefill", 1, 0)})));
  ASSERT_TRUE(wait_ready("taken"));
  Json before = get("taken");
  Json lws = {{"apiVersion", "leaderworkerset.x-k8s.io/v1"},
              {"kind", "LeaderWorkerSet"},
              {"metadata", {{"name", "taken"}, {"namespace", "default"}}},
              {"spec",
               {{"leaderWorkerTemplate",
                 {{"workerTemplate",
                   {{"spec", {{"containers", Json::array({{{"name", "c"}, {"image", "nginx:alpine"}}})}}}}}}}}}};
  ASSERT_TRUE(client_->create(lws_resource, "default", lws));
  EXPECT_TRUE(eventually([&] {
    auto list = client_->list(res::events(), "default");
    if (!list) return false;
    for (const Json& e : (*list)["items"]) {
      if (e.value("reason", "") == "ModelServingNameTaken" && e["involvedObject"].value("name", "") == "taken") {
        return true;
      }
    }
    return false;
  }));
  EXPECT_EQ(get("taken")["spec"], before["spec"]);
  EXPECT_FALSE(get("taken")["metadata"].contains("ownerReferences"));
}

// Converged means quiet: no reconcile writes anything once every group is ready.
TEST_F(ControllerManager, AConvergedModelServingCostsNoWrites) {
  create(basic_model_serving("quiet", 2, Json::array({role("prefill", 1, 1)})));
  ASSERT_TRUE(wait_ready("quiet"));
  std::this_thread::sleep_for(500ms);
  std::string rv = get("quiet")["metadata"]["resourceVersion"];
  auto list = client_->list(res::pods(), "default");
  ASSERT_TRUE(list);
  std::string pods_rv = (*list)["metadata"]["resourceVersion"];
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(get("quiet")["metadata"]["resourceVersion"], rv);
  auto again = client_->list(res::pods(), "default");
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)["metadata"]["resourceVersion"], pods_rv) << "something was written after convergence";
}

}  // namespace
}  // namespace kthena
