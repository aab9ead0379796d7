// A terminating namespace says what holds it, as `kubectl get ns X -o yaml` shows on a real cluster.
#include <thread>

#include <gtest/gtest.h>

#include "e2e/apiserver_process.h"
#include "kube/client.h"
#include "kube/kubeconfig.h"
#include "unit/apiserver/storage/temp_dir.h"

namespace kthena::testing {
namespace {

using namespace std::chrono_literals;

std::string condition_message(const Json& ns, const std::string& type) {
  for (const Json& c : ns["status"].value("conditions", Json::array())) {
    if (c.value("type", "") == type) return c.value("status", "") + " " + c.value("message", "");
  }
  return "";
}

TEST(ApiServerNamespaceTest, AFinalizerKeepsANamespaceTerminatingAndItsConditionsSaySo) {
  TempDir dir;
  ApiServerProcess server(dir.path() / "data");
  ASSERT_TRUE(server.start());
  auto config = kube::load_kubeconfig_file(server.kubeconfig());
  ASSERT_TRUE(config) << config.error().to_string();
  auto client = *kube::KubeClient::create(*config);
  ASSERT_TRUE(client->create(kube::resources::namespaces(), "", Json{{"metadata", {{"name", "team"}}}}));
  Json held = {{"metadata", {{"name", "held"}, {"finalizers", {"example.com/x"}}}}, {"data", {{"k", "v"}}}};
  ASSERT_TRUE(client->create(kube::resources::config_maps(), "team", held));
  ASSERT_TRUE(client->remove(kube::resources::namespaces(), "", "team"));

  std::string remaining;
  std::string finalizers;
  for (auto until = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < until;) {
    auto ns = client->get(kube::resources::namespaces(), "", "team");
    ASSERT_TRUE(ns) << ns.error().to_string();
    EXPECT_EQ((*ns)["status"]["phase"], "Terminating");
    remaining = condition_message(*ns, "NamespaceContentRemaining");
    finalizers = condition_message(*ns, "NamespaceFinalizersRemaining");
    if (!remaining.empty()) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(remaining, "True Some resources are remaining: configmaps. has 1 resource instances");
  EXPECT_EQ(finalizers,
            "True Some content in the namespace has finalizers remaining: example.com/x in 1 resource instances");

  ASSERT_TRUE(client->patch(kube::resources::config_maps(), "team", "held", kube::PatchType::kMerge,
                            Json::parse(R"({"metadata":{"finalizers":null}})")));
  bool gone = false;
  for (auto until = std::chrono::steady_clock::now() + 30s; !gone && std::chrono::steady_clock::now() < until;) {
    gone = !client->get(kube::resources::namespaces(), "", "team");
    if (!gone) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(gone) << "the namespace goes once its last finalizer does";
}

}  // namespace
}  // namespace kthena::testing
