// The fixture of the ModelServing controller's end-to-end tests: the embedded API server, the controller-manager in
// process, and a stand-in for the kubelet (FakeKubelet) that marks pods Running and Ready. Shared by
// modelserving_controller_test.cpp (upstream's e2e scenarios) and modelserving_examples_test.cpp (upstream's examples).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "apiserver/api_model.h"
#include "apiserver/api_server.h"
#include "controllers/manager.h"
#include "kube/client.h"
#include "kube/kubeconfig.h"
#include "unit/apiserver/storage/temp_dir.h"

namespace kthena::e2e {

using namespace std::chrono_literals;
namespace res = kube::resources;

// Marks pods Running and Ready, as a kubelet would once their containers started; an image whose tag is
// "nonexistent" stays Pending with ErrImagePull, as it would on a cluster.
class FakeKubelet {
 public:
  explicit FakeKubelet(std::shared_ptr<kube::KubeClient> client) : client_(std::move(client)) {
    thread_ = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) {
        if (enabled_.load()) pass();
        std::this_thread::sleep_for(50ms);
      }
    });
  }
  void pause(bool paused) { enabled_.store(!paused); }

 private:
  static bool bad_image(const Json& pod) {
    for (const Json& c : pod["spec"].value("containers", Json::array())) {
      if (c.value("image", std::string()).find("nonexistent") != std::string::npos) return true;
    }
    return false;
  }
  // A pod with readiness gates is Ready once every gate's condition is True (tests set them, as an operator would).
  static bool gates_pass(const Json& pod) {
    for (const Json& gate : pod["spec"].value("readinessGates", Json::array())) {
      bool set = false;
      for (const Json& c : pod.value("status", Json::object()).value("conditions", Json::array())) {
        set |= c.value("type", "") == gate.value("conditionType", "") && c.value("status", "") == "True";
      }
      if (!set) return false;
    }
    return true;
  }
  void pass() {
    auto pods = client_->list(res::pods(), "");
    if (!pods) return;
    for (Json& pod : (*pods)["items"]) {
      if (pod["spec"].contains("readinessGates") && pod.contains("status") &&
          pod["status"].value("phase", std::string()) == "Running") {
        std::string want = gates_pass(pod) ? "True" : "False";
        bool changed = false;
        for (Json& c : pod["status"]["conditions"]) {
          if (c.value("type", "") == "Ready" && c.value("status", "") != want) {
            c["status"] = want;
            changed = true;
          }
        }
        if (changed) (void)client_->update_status(res::pods(), pod);
        continue;
      }
      if (pod.contains("status") && pod["status"].value("phase", std::string()) == "Running") continue;
      if (pod["metadata"].contains("deletionTimestamp")) continue;
      if (bad_image(pod)) {
        if (pod.contains("status") && pod["status"].value("phase", std::string()) == "Pending") continue;
        pod["status"] = {
            {"phase", "Pending"},
            {"containerStatuses", Json::array({{{"name", "c"},
                                                {"ready", false},
                                                {"restartCount", 0},
                                                {"state", {{"waiting", {{"reason", "ErrImagePull"}}}}}}})}};
      } else {
        pod["status"] = {
            {"phase", "Running"},
            {"podIP", "127.0.0.1"},
            {"conditions", Json::array({{{"type", "Ready"}, {"status", gates_pass(pod) ? "True" : "False"}}})}};
      }
      (void)client_->update_status(res::pods(), pod);
    }
  }

  std::shared_ptr<kube::KubeClient> client_;
  std::atomic<bool> enabled_{true};
  std::jthread thread_;
};

inline Json role(const std::string& name, int replicas, int workers, const std::string& image = "nginx:1.28.2") {
  Json r = {
      {"name", name},
      {"replicas", replicas},
      {"workerReplicas", workers},
      {"entryTemplate", {{"spec", {{"containers", Json::array({{{"name", "test-container"}, {"image", image}}})}}}}}};
  if (workers > 0) {
    r["workerTemplate"] = {{"spec", {{"containers", Json::array({{{"name", "worker-container"}, {"image", image}}})}}}};
  }
  return r;
}

// Upstream's createBasicModelServing: ServingGroupRollingUpdate with maxUnavailable 2.
inline Json basic_model_serving(const std::string& name, int groups, Json roles) {
  return {{"apiVersion", "workload.serving.volcano.sh/v1alpha1"},
          {"kind", "ModelServing"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec",
           {{"replicas", groups},
            {"rolloutStrategy",
             {{"type", "ServingGroupRollingUpdate"}, {"rollingUpdateConfiguration", {{"maxUnavailable", 2}}}}},
            {"template", {{"roles", std::move(roles)}}}}}};
}

class ControllerManager : public ::testing::Test {
 protected:
  void SetUp() override {
    apiserver::ApiServerOptions options;
    options.data_dir = dir_.path() / "data";
    options.listen = "127.0.0.1:0";
    options.gc_period = 200ms;
    options.bookmark_interval = 1s;
    options.max_requests_per_client = 1024;
    auto server = apiserver::ApiServer::start(options, apiserver::builtin_api_model());
    ASSERT_TRUE(server) << server.error().to_string();
    server_ = std::move(*server);
    auto config = kube::load_kubeconfig_file(server_->kubeconfig_path());
    ASSERT_TRUE(config);
    auto client = kube::KubeClient::create(*config);
    ASSERT_TRUE(client);
    client_ = *client;
    kubelet_ = std::make_unique<FakeKubelet>(client_);
    start_manager();
  }
  void TearDown() override {
    manager_.reset();
    kubelet_.reset();
  }

  void start_manager() {
    controllers::ManagerOptions options;
    options.workers = 4;
    auto manager = controllers::ControllerManager::create(client_, options);
    ASSERT_TRUE(manager) << manager.error().to_string();
    manager_ = std::move(*manager);
    ASSERT_TRUE(manager_->start());
  }

  Json create(const Json& object) {
    auto created = client_->create(res::model_servings(), ns_, object);
    EXPECT_TRUE(created) << created.error().to_string();
    return created ? *created : Json();
  }
  Json get(const std::string& name) {
    auto got = client_->get(res::model_servings(), ns_, name);
    return got ? *got : Json();
  }
  // Edits the ModelServing with `edit`, retrying on conflicts.
  template <typename F>
  void edit(const std::string& name, F edit) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      Json ms = get(name);
      edit(ms);
      auto updated = client_->update(res::model_servings(), ms);
      if (updated) return;
      ASSERT_EQ(updated.error().code, ErrorCode::kConflict) << updated.error().to_string();
    }
    FAIL() << "could not update " << name;
  }
  std::vector<Json> pods(const std::string& selector) {
    kube::ListOptions options;
    options.label_selector = selector;
    auto list = client_->list(res::pods(), ns_, options);
    std::vector<Json> out;
    if (list) {
      for (Json& p : (*list)["items"]) out.push_back(std::move(p));
    }
    return out;
  }
  std::vector<Json> ms_pods(const std::string& name) { return pods("modelserving.volcano.sh/name=" + name); }
  static bool ready(const Json& pod) {
    return pod.contains("status") && pod["status"].value("phase", std::string()) == "Running" &&
           !pod["metadata"].contains("deletionTimestamp");
  }
  // upstream's WaitForModelServingReady.
  bool wait_ready(const std::string& name, std::chrono::seconds timeout = 60s) {
    return eventually(
        [&] {
          Json ms = get(name);
          if (ms.is_null() || !ms.contains("status")) return false;
          const Json& s = ms["status"];
          int32_t want = ms["spec"].value("replicas", 1);
          return s.value("observedGeneration", int64_t{-1}) == ms["metadata"].value("generation", int64_t{0}) &&
                 s.value("replicas", -1) == want && s.value("availableReplicas", -1) == want;
        },
        timeout);
  }
  template <typename F>
  static bool eventually(F f, std::chrono::milliseconds timeout = 60s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (f()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return f();
  }
  static std::string label(const Json& object, const std::string& key) {
    return object["metadata"].value("labels", Json::object()).value(key, std::string());
  }
  std::set<std::string> group_names(const std::string& name) {
    std::set<std::string> out;
    for (const Json& p : ms_pods(name)) {
      if (ready(p)) out.insert(label(p, "modelserving.volcano.sh/group-name"));
    }
    return out;
  }

  // Sets the pod-deletion-cost of each pod of `ms` to cost(pod), then waits until the controller's cache shows them:
  // it decides from its cache, and a user would scale seconds later.
  bool set_deletion_costs(const std::string& ms, const std::function<int(const Json&)>& cost) {
    constexpr const char* kCost = "controller.kubernetes.io/pod-deletion-cost";
    auto all = ms_pods(ms);
    for (const Json& p : all) {
      Json patch = {{"metadata", {{"annotations", {{kCost, std::to_string(cost(p))}}}}}};
      if (!client_->patch(res::pods(), ns_, p["metadata"]["name"].get<std::string>(), kube::PatchType::kMerge, patch)) {
        return false;
      }
    }
    return eventually([&] {
      size_t with_cost = 0;
      for (const auto& p : manager_->informers().get(res::pods()).cache().list()) {
        with_cost += label(*p, "modelserving.volcano.sh/name") == ms &&
                     (*p)["metadata"].value("annotations", Json::object()).contains(kCost);
      }
      return with_cost == all.size();
    });
  }
  // Opens the readiness gate kthena.e2e/test-ready of every pod of `ms` whose label `key` is not `closed`, where it
  // is not open yet (the stand-in kubelet writes the same status, so a write of ours can lose a race: call again).
  void open_gates(const std::string& ms, const std::string& key, const std::string& closed) {
    for (const Json& p : ms_pods(ms)) {
      if (label(p, key) == closed || !p.contains("status")) continue;
      bool open = false;
      for (const Json& c : p["status"].value("conditions", Json::array())) {
        open |= c.value("type", "") == "kthena.e2e/test-ready";
      }
      if (open) continue;
      Json updated = p;
      updated["status"]["conditions"].push_back({{"type", "kthena.e2e/test-ready"}, {"status", "True"}});
      (void)client_->update_status(res::pods(), updated);
    }
  }
  // The Events recorded on ModelServing `ms` with `reason`.
  int count_events(const std::string& ms, const std::string& reason) {
    int n = 0;
    auto list = client_->list(res::events(), ns_);
    if (!list) return 0;
    for (const Json& e : (*list)["items"]) {
      n += e["involvedObject"].value("name", "") == ms && e["involvedObject"].value("kind", "") == "ModelServing" &&
           e.value("reason", "") == reason;
    }
    return n;
  }

  // The namespace the helpers (create, get, edit, pods, events) work in.
  std::string ns_ = "default";
  testing::TempDir dir_;
  std::unique_ptr<apiserver::ApiServer> server_;
  std::shared_ptr<kube::KubeClient> client_;
  std::unique_ptr<FakeKubelet> kubelet_;
  std::unique_ptr<controllers::ControllerManager> manager_;
};

}  // namespace kthena::e2e
