// `kthena router --kubeconfig`: ModelRoutes, ModelServers and Pods from the embedded API server (started in this
// process), watched through informers. Objects created, changed and deleted through the API are routed by.
#include <gtest/gtest.h>

#include "apiserver/api_model.h"
#include "apiserver/api_server.h"
#include "e2e/router_support.h"
#include "kube/client.h"
#include "kube/kubeconfig.h"

namespace kthena::testing {
namespace {

class RouterKube : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fleet.start(
        dir.path(), "fleet", 2,
        {"--model", "/models/m", "--served-model-name", "served", "--profile", "tiny", "--time-scale", "0.02"}));
    apiserver::ApiServerOptions options;
    options.data_dir = dir.path() / "apiserver";
    options.listen = "127.0.0.1:0";
    options.bookmark_interval = std::chrono::milliseconds(200);
    auto server = apiserver::ApiServer::start(options, apiserver::builtin_api_model());
    ASSERT_TRUE(server) << server.error().to_string();
    api = std::move(*server);
    auto config = kube::load_kubeconfig_file(api->kubeconfig_path());
    ASSERT_TRUE(config) << config.error().to_string();
    auto c = kube::KubeClient::create(*config);
    ASSERT_TRUE(c) << c.error().to_string();
    client = *c;
  }

  void TearDown() override {
    router.process->stop();
    if (api) api->shutdown(std::chrono::milliseconds(200));
  }

  void create(const kube::Resource& resource, const std::string& json) {
    auto r = client->create(resource, "default", Json::parse(json));
    ASSERT_TRUE(r) << r.error().to_string();
  }

  // A running, ready pod with the engine's address.
  void create_pod(const std::string& name, const std::string& ip) {
    create(kube::resources::pods(),
           R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
               R"(","labels":{"app":"p"}},"spec":{"containers":[{"name":"engine","image":"sim"}]}})");
    auto pod = client->get(kube::resources::pods(), "default", name);
    ASSERT_TRUE(pod);
    (*pod)["status"] =
        Json::parse(R"({"phase":"Running","podIP":")" + ip + R"(","conditions":[{"type":"Ready","status":"True"}]})");
    auto updated = client->update_status(kube::resources::pods(), *pod);
    ASSERT_TRUE(updated) << updated.error().to_string();
  }

  int status_within(const std::string& model, int want, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    int status = 0;
    for (auto until = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < until;) {
      status = router.chat(model, "hello").status;
      if (status == want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return status;
  }

  TempDir dir;
  Fleet fleet;
  std::unique_ptr<apiserver::ApiServer> api;
  std::shared_ptr<kube::KubeClient> client;
  Router router;
};

TEST_F(RouterKube, RoutesWhatTheApiServerHolds) {
  create(kube::resources::model_servers(),
         R"({"apiVersion":"networking.serving.volcano.sh/v1alpha1","kind":"ModelServer","metadata":{"name":"p"},
             "spec":{"model":"served","inferenceEngine":"vLLM","workloadSelector":{"matchLabels":{"app":"p"}},
                     "workloadPort":{"port":)" +
             std::to_string(fleet.port) + "}}}");
  create(kube::resources::model_routes(),
         R"({"apiVersion":"networking.serving.volcano.sh/v1alpha1","kind":"ModelRoute","metadata":{"name":"r"},
             "spec":{"modelName":"kube-model","rules":[{"targetModels":[{"modelServerName":"p"}]}]}})");
  create_pod("p-0", fleet.ips[0]);

  // The router needs --kubeconfig in place of --static.
  std::vector<std::string> argv = {kthena_binary(),  "router",      "--kubeconfig",     api->kubeconfig_path().string(),
                                   "--listen",       "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
                                   "--debug-listen", "127.0.0.1:0", "--threads",        "1"};
  ASSERT_TRUE(router.process->start(argv, dir.path() / "router", {"METRICS_SCRAPE_INTERVAL=200ms"}));
  ASSERT_TRUE(router.process->wait_for("inference listener on port \\d+")) << router.process->errors();
  router.port = static_cast<uint16_t>(std::stoi(router.process->capture("inference listener on port (\\d+)")));
  router.debug_port = static_cast<uint16_t>(std::stoi(router.process->capture("debug on port (\\d+)")));
  int ready = 0;
  for (int i = 0; i < 200 && ready != 200; ++i) {
    ready = http_request("127.0.0.1", router.port, "GET", "/readyz").status;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(ready, 200) << router.process->errors();

  auto r = router.chat("kube-model", "hello");
  ASSERT_EQ(r.status, 200) << r.body << router.process->errors();
  EXPECT_NE(r.body.find("\"model\":\"served\""), std::string::npos);

  // A second pod becomes ready: it shows up among the ModelServer's pods.
  create_pod("p-1", fleet.ips[1]);
  bool two = false;
  for (int i = 0; i < 100 && !two; ++i) {
    std::string dump =
        http_request("127.0.0.1", router.debug_port, "GET", "/debug/config_dump/namespaces/default/modelservers/p")
            .body;
    two = dump.find("default/p-1") != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(two);

  // A new route is served, a deleted one is not.
  create(kube::resources::model_routes(),
         R"({"apiVersion":"networking.serving.volcano.sh/v1alpha1","kind":"ModelRoute","metadata":{"name":"r2"},
             "spec":{"modelName":"second","rules":[{"targetModels":[{"modelServerName":"p"}]}]}})");
  EXPECT_EQ(status_within("second", 200), 200);
  ASSERT_TRUE(client->remove(kube::resources::model_routes(), "default", "r"));
  EXPECT_EQ(status_within("kube-model", 404), 404);
}

}  // namespace
}  // namespace kthena::testing
