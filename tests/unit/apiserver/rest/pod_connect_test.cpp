// pods/log, exec, attach and portforward: the checks of a log request with Kubernetes' messages, and, in-process
// with the real kubectl, the proxying to a node's kubelet endpoint (a fake one here; tests/e2e/node_agent_test.sh runs
// `kthena node`): the API server's token forwarded, the answer streamed, a client that leaves ending the upstream
// stream too.
#include "apiserver/rest/pod_connect.h"

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "apiserver/api_server.h"
#include "http/server.h"
#include "unit/apiserver/storage/temp_dir.h"
#include "unit/apiserver/support/command.h"
#include "unit/apiserver/test_resources.h"

namespace kthena::apiserver {
namespace {

using ::kthena::testing::run_command;
using ::kthena::testing::TempDir;
using namespace std::chrono_literals;

Json pod_json(const std::string& node = "n1") {
  return Json::parse(R"({"metadata": {"name": "p", "namespace": "default"},
    "spec": {"nodeName": ")" +
                     node + R"(", "initContainers": [{"name": "init"}],
             "containers": [{"name": "a"}, {"name": "b"}]}})");
}

ApiResult<PodLogRequest> request_for(const Json& pod, const std::string& query) {
  auto q = http::QueryParams::parse(query);
  EXPECT_TRUE(q);
  return pod_log_request(pod, *q);
}

TEST(PodLogRequestTest, ChoosesTheContainerAsKubernetesDoes) {
  auto several = request_for(pod_json(), "");
  ASSERT_FALSE(several);
  EXPECT_EQ(several.error().code, 400);
  EXPECT_EQ(several.error().message, "a container name must be specified for pod p, choose one of: [init a b]");
  auto unknown = request_for(pod_json(), "container=zz");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "container zz is not valid for pod p");
  EXPECT_EQ(request_for(pod_json(), "container=init")->container, "init");
  Json one = pod_json();
  one["spec"]["containers"] = Json::parse(R"([{"name": "only"}])");
  auto chosen = request_for(one, "");
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->container, "only");
  EXPECT_EQ(chosen->node, "n1");
  auto unbound = request_for(pod_json(""), "container=a");
  ASSERT_FALSE(unbound);
  EXPECT_EQ(unbound.error().message, "pod p does not have a host assigned");
}

TEST(PodLogRequestTest, ChecksAndForwardsTheOptions) {
  auto all = request_for(pod_json(),
                         "container=a&follow=true&previous=false&timestamps=1&tailLines=10&limitBytes=500"
                         "&sinceSeconds=30&insecureSkipTLSVerifyBackend=true");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->query, "follow=true&timestamps=true&tailLines=10&limitBytes=500&sinceSeconds=30");
  auto since = request_for(pod_json(), "container=a&sinceTime=2026-12-07T07:20:52%2B01:00");
  ASSERT_TRUE(since);
  EXPECT_EQ(since->query, "sinceTime=2026-12-07T06:20:52Z");

  auto word = request_for(pod_json(), "container=a&tailLines=ten");
  ASSERT_FALSE(word);
  EXPECT_EQ(word.error().code, 400);
  EXPECT_EQ(word.error().message, "invalid value for tailLines: \"ten\"");
  auto ranges = request_for(pod_json(), "container=a&tailLines=-1&limitBytes=0&sinceSeconds=0");
  ASSERT_FALSE(ranges);
  EXPECT_EQ(ranges.error().code, 422);
  EXPECT_EQ(ranges.error().message,
            "PodLogOptions \"p\" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, "
            "limitBytes: Invalid value: 0: must be greater than 0, sinceSeconds: Invalid value: 0: must be greater "
            "than 0]");
  auto both = request_for(pod_json(), "container=a&sinceSeconds=5&sinceTime=2026-12-07T06:20:52Z");
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("at most one of `sinceTime` or `sinceSeconds` may be specified"),
            std::string::npos)
      << both.error().message;
  EXPECT_FALSE(request_for(pod_json(), "container=a&follow=maybe"));
  EXPECT_FALSE(request_for(pod_json(), "container=a&sinceTime=noon"));
}

// A node's kubelet endpoint: what it was asked, a plain answer, an error, or a stream until the client goes.
class FakeKubelet {
 public:
  FakeKubelet() {
    pool_.start();
    auto server = http::Server::start(pool_, {}, [this](http::Exchange& ex) { return handle(ex); });
    EXPECT_TRUE(server);
    server_ = std::move(*server);
  }
  ~FakeKubelet() {
    server_->shutdown(0ms);
    pool_.stop();
  }
  uint16_t port() const { return server_->port(); }
  std::string seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  bool stream_ended() const { return stream_ended_; }

 private:
  http::asio::awaitable<void> handle(http::Exchange& ex) {
    {
      std::lock_guard lock(mu_);
      seen_ += std::string(ex.request().target) + " " + std::string(ex.header("Authorization")) + "\n";
    }
    std::string_view target = ex.request().target;
    if (target.find("/bad") != std::string_view::npos) {
      co_return (void) co_await ex.respond(400, "text/plain",
                                           "container \"bad\" in pod \"p\" is waiting to start: ErrImagePull");
    }
    if (target.find("follow=true") == std::string_view::npos) {
      co_return (void) co_await ex.respond(200, "text/plain", "hello\nworld\n");
    }
    http::Header headers[] = {{"Content-Type", "text/plain"}};
    (void)co_await ex.begin_stream(200, headers);
    http::asio::steady_timer timer(ex.executor());
    // Three lines, then silence: only a proxy that watches its client for leaving can tell this stream to end.
    co_await ex.until_disconnect([&]() -> http::asio::awaitable<void> {
      for (int i = 0; i < 3; ++i) {
        std::string line = "tick " + std::to_string(i) + "\n";  // named: g++ 12 and temporaries in co_await
        if (!co_await ex.write(line)) co_return;
        timer.expires_after(20ms);
        co_await timer.async_wait(http::asio::use_awaitable);
      }
      timer.expires_after(60s);
      co_await timer.async_wait(http::asio::use_awaitable);
    }());
    stream_ended_ = true;
  }

  http::ReactorPool pool_{1};
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::string seen_;
  std::atomic<bool> stream_ended_{false};
};

class PodLogProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<ServedResource> model;
    ResourceInfo nodes{"", "v1", "nodes", "node", "Node", "NodeList", false, false, std::nullopt, true, {}, {}};
    for (auto info : {testing::namespaces_resource(), testing::pods_resource(), nodes}) model.push_back({info, {}, {}});
    ApiServerOptions options;
    options.data_dir = dir_.path() / "data";
    options.listen = "127.0.0.1:0";
    auto server = ApiServer::start(options, ApiModel{std::move(model), {}, nullptr, nullptr});
    ASSERT_TRUE(server) << server.error().to_string();
    server_ = std::move(*server);
    std::ofstream(dir_.path() / "objects.json") << R"({"apiVersion": "v1", "kind": "List", "items": [
      {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
       "status": {"addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
                  "daemonEndpoints": {"kubeletEndpoint": {"Port": )" +
                                                       std::to_string(kubelet_.port()) + R"(}}}},
      {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "gone"}},
      {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
       "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "x"}, {"name": "bad", "image": "x"}]}},
      {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "elsewhere"},
       "spec": {"nodeName": "gone", "containers": [{"name": "c", "image": "x"}]}}]})";
    auto created = kubectl("create --validate=false -f " + (dir_.path() / "objects.json").string());
    ASSERT_EQ(created.exit_code, 0) << created.out;
  }
  void TearDown() override {
    if (server_) server_->shutdown();
  }
  ::kthena::testing::CommandResult kubectl(const std::string& args) {
    return run_command("kubectl --kubeconfig " + server_->kubeconfig_path().string() + " --cache-dir " +
                       (dir_.path() / "cache").string() + " " + args);
  }

  TempDir dir_;
  FakeKubelet kubelet_;
  std::unique_ptr<ApiServer> server_;
};

TEST_F(PodLogProxyTest, KubectlLogsReadsTheKubeletWithTheServersToken) {
  auto logs = kubectl("logs p -c c --tail 5 --timestamps");
  EXPECT_EQ(logs.exit_code, 0) << logs.out;
  EXPECT_EQ(logs.out, "hello\nworld\n");
  EXPECT_EQ(kubelet_.seen(),
            "/containerLogs/default/p/c?timestamps=true&tailLines=5 Bearer " + server_->token() + "\n");
  auto refused = kubectl("logs p -c bad");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.out,
            "Error from server (BadRequest): container \"bad\" in pod \"p\" is waiting to start: "
            "ErrImagePull\n");
  auto no_endpoint = kubectl("logs elsewhere");
  EXPECT_EQ(no_endpoint.exit_code, 1);
  EXPECT_NE(no_endpoint.out.find("node gone publishes no kubelet endpoint"), std::string::npos) << no_endpoint.out;
}

TEST_F(PodLogProxyTest, FollowStreamsUntilTheClientGoes) {
  // kubectl prints ticks as they come; when it is stopped, the stream from the kubelet ends too.
  auto follow = run_command("timeout 1 kubectl --kubeconfig " + server_->kubeconfig_path().string() + " --cache-dir " +
                            (dir_.path() / "cache").string() + " logs -f p -c c");
  EXPECT_NE(follow.out.find("tick 0\ntick 1\ntick 2\n"), std::string::npos) << follow.out;
  bool ended = false;
  for (int i = 0; i < 200 && !ended; ++i) {
    ended = kubelet_.stream_ended();
    if (!ended) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(ended) << "the API server kept reading the kubelet after its client left";
}

TEST_F(PodLogProxyTest, ExecAttachAndPortForwardSayWhatToDoInstead) {
  auto exec = kubectl("exec p -c c -- ls");
  EXPECT_EQ(exec.exit_code, 1);
  EXPECT_NE(exec.out.find("Error from server (BadRequest): exec is not supported by the embedded API server: the "
                          "node agent runs containers as processes on its machine"),
            std::string::npos)
      << exec.out;
  auto raw = run_command("curl -sk -X POST -H 'Authorization: Bearer " + server_->token() + "' " + server_->url() +
                         "/api/v1/namespaces/default/pods/p/portforward");
  EXPECT_NE(raw.out.find("port-forward is not supported by the embedded API server"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("\"code\":400"), std::string::npos) << raw.out;
  auto post = run_command("curl -sk -X POST -H 'Authorization: Bearer " + server_->token() + "' " + server_->url() +
                          "/api/v1/namespaces/default/pods/p/log");
  EXPECT_NE(post.out.find("\"code\":405"), std::string::npos) << post.out;
}

}  // namespace
}  // namespace kthena::apiserver
